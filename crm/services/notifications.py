"""Notifications: idempotent creation, then delivery through channels.

`notify()` writes one inbox row per recipient with a unique (recipient, key): a retry, a restarted worker or
two sweeps at once hit the constraint and create nothing. Email and webhook delivery happen in a separate
step (`deliver_pending`) that claims rows with SELECT … FOR UPDATE SKIP LOCKED and records the outcome in the
same transaction, so each message is handed to each channel once; a failed channel is retried with backoff a
bounded number of times, then the row is marked failed for administrators to see. Non-urgent messages created outside office
hours wait for the office to open.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import F
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.module_loading import import_string

from crm.models import Notification, NotificationPreference, User
from crm.permissions import ADMIN_ROLES, user_has_role
from crm.services.workcalendar import get_calendar

logger = logging.getLogger(__name__)
_KEY = connection.ops.quote_name("key")


@dataclass(frozen=True)
class Message:
    key: str
    kind: str
    title: str
    body: str = ""
    url: str = ""
    level: str = Notification.Level.INFO


def notify(recipients: Iterable[User], message: Message, *, now=None) -> int:
    """Create the inbox rows that do not exist yet. Returns how many were created."""
    return notify_many([(recipients, message)], now=now)


Recipients = Iterable["User | int | None"]


def notify_many(rows: Iterable[tuple[Recipients, Message]], *, now=None) -> int:
    """notify() for many messages at once: (recipients, message) pairs, recipients as users or user ids.
    Same rules (active users only, mute preferences, office-hours deferral, unique key), applied by the
    same INSERT as notify_query(). Returns how many rows were created."""
    parts: list[str] = []
    params: list = []
    created = 0
    for recipients, message in rows:
        ids = sorted({r if isinstance(r, int) else r.pk for r in recipients if r is not None})
        if not ids:
            continue
        # One SELECT per message over crm_user; chunked to stay under SQLite's bound-parameter limit.
        for start in range(0, len(ids), 400):
            chunk = ids[start:start + 400]
            parts.append(
                f"SELECT u.id AS recipient_id, %s AS {_KEY}, %s AS kind, %s AS level, %s AS title, %s AS body, "
                f"%s AS url FROM {User._meta.db_table} u WHERE u.id IN ({', '.join(['%s'] * len(chunk))})"
            )
            params += [message.key, message.kind, message.level, message.title, message.body, message.url, *chunk]
            if len(params) > 800:
                created += notify_query(" UNION ALL ".join(parts), params, now=now)
                parts, params = [], []
    if parts:
        created += notify_query(" UNION ALL ".join(parts), params, now=now)
    return created


def notify_query(source_sql: str, params: Sequence = (), *, now=None) -> int:
    """The set-based form: `source_sql` is a SELECT yielding the columns recipient_id, key, kind, level, title,
    body, url (one row per recipient and message). One INSERT … SELECT … ON CONFLICT DO NOTHING applies the
    rules in SQL, on PostgreSQL and SQLite alike:
    - only active users; nothing for a user who muted the kind on every channel;
    - urgent messages are deliverable now, the others when the office next opens (working-day calendar);
    - key and title cut to the column length; (recipient, key) is unique, so a repeat (in an earlier call or
      in the same source) creates nothing.
    Returns how many rows were created."""
    now = now or timezone.now()
    opening = get_calendar().next_office_opening(now)
    ops = connection.ops
    sql = f"""
        INSERT INTO {Notification._meta.db_table}
            (recipient_id, {_KEY}, kind, level, title, body, url, created_at, deliver_after)
        SELECT s.recipient_id, substr(s.{_KEY}, 1, 200), s.kind, s.level, substr(s.title, 1, 200),
               s.body, s.url, %s, CASE WHEN s.level = %s THEN %s ELSE %s END
        FROM ({source_sql}) s
        JOIN {User._meta.db_table} u ON u.id = s.recipient_id AND u.is_active
        WHERE NOT EXISTS (
            SELECT 1 FROM {NotificationPreference._meta.db_table} p
            WHERE p.user_id = s.recipient_id AND p.kind = s.kind AND NOT p.in_app AND NOT p.email AND NOT p.webhook)
        ON CONFLICT (recipient_id, {_KEY}) DO NOTHING"""
    head = [ops.adapt_datetimefield_value(timezone.now()), Notification.Level.URGENT.value,
            ops.adapt_datetimefield_value(now), ops.adapt_datetimefield_value(opening)]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*head, *params])
        return max(cursor.rowcount, 0)


UNREAD_CAP = 99


def unread_count(user: User) -> int:
    """Unread messages, counted up to UNREAD_CAP + 1 (shown as "99+"): the header shows it on every page, so its
    cost must not grow with a backlog of thousands of reminders."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True)[: UNREAD_CAP + 1].count()


def mark_read(user: User, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


def _channels_for(notification: Notification) -> tuple[bool, bool]:
    pref = NotificationPreference.objects.filter(user_id=notification.recipient_id, kind=notification.kind).first()
    if pref is None:
        return True, bool(settings.NOTIFICATION_WEBHOOK_URL)
    return pref.email, pref.webhook


def email_channel(notification: Notification) -> None:
    wants_email, _ = _channels_for(notification)
    if wants_email and notification.recipient.email:
        send_mail(notification.title, notification.body or notification.title, settings.DEFAULT_FROM_EMAIL,
                  [notification.recipient.email], fail_silently=False)


def webhook_channel(notification: Notification) -> None:
    """A generic JSON webhook (企业微信/政务微信 group bots accept {"msgtype": "text", ...})."""
    _, wants_webhook = _channels_for(notification)
    if not (wants_webhook and settings.NOTIFICATION_WEBHOOK_URL):
        return
    payload = {"msgtype": "text", "text": {"content": f"{notification.title}\n{notification.body}".strip()}}
    request = urllib.request.Request(
        settings.NOTIFICATION_WEBHOOK_URL, data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json"}, method="POST",
    )
    urllib.request.urlopen(request, timeout=10).close()


# Minutes to wait before each retry of a failed delivery; after the last one the row is marked failed.
RETRY_DELAYS_MINUTES: tuple[int, ...] = (1, 5, 15, 60, 240)
MAX_ATTEMPTS = len(RETRY_DELAYS_MINUTES) + 1
ERROR_LENGTH = 2000


def _attempt(notification: Notification, channels: dict[str, object]) -> list[str]:
    """Hand the message to every channel not yet served; returns the errors (empty when all succeeded)."""
    errors: list[str] = []
    for path, channel in channels.items():
        if path in notification.channels_served:
            continue  # already sent there on an earlier attempt: never twice
        try:
            channel(notification)
        except Exception as exc:  # one broken channel must not block the inbox or the others
            logger.warning("notification channel %s failed for %s: %r", path, notification.pk, exc)
            errors.append(f"{path}: {exc!r}")
        else:
            notification.channels_done = "\n".join([*notification.channels_served, path])
    return errors


def deliver_pending(*, now=None, batch_size: int = 200) -> int:
    """Hand due, undelivered notifications to the configured channels. Returns how many were delivered.

    Rows are claimed with SELECT … FOR UPDATE SKIP LOCKED and their outcome written in the same transaction, so
    two sweeps at once never hand the same message over twice. A delivered row is never selected again. A
    failed channel is retried with backoff (RETRY_DELAYS_MINUTES), only that channel; after MAX_ATTEMPTS the row
    is marked failed with its last error, visible in the admin's notification list (filter 投递状态)."""
    now = now or timezone.now()
    channels = {path: import_string(path) for path in settings.NOTIFICATION_CHANNELS}
    delivered = 0
    while True:
        with transaction.atomic():
            batch = list(
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("recipient")
                .filter(delivered_at__isnull=True, failed_at__isnull=True, deliver_after__lte=now)
                .order_by("deliver_after", "pk")[:batch_size]
            )
            if not batch:
                return delivered
            succeeded = []
            for notification in batch:
                errors = _attempt(notification, channels)
                if not errors:
                    succeeded.append(notification.pk)
                    continue
                notification.attempts += 1
                notification.last_error = "\n".join(errors)[:ERROR_LENGTH]
                if notification.attempts >= MAX_ATTEMPTS:
                    notification.failed_at = now
                    logger.error("notification %s not delivered after %s attempts: %s", notification.pk,
                                 notification.attempts, notification.last_error)
                else:
                    delay = RETRY_DELAYS_MINUTES[notification.attempts - 1]
                    notification.deliver_after = now + dt.timedelta(minutes=delay)
                notification.save(update_fields=["attempts", "last_error", "failed_at", "deliver_after",
                                                 "channels_done"])
            # The common case, one statement for the whole batch.
            Notification.objects.filter(pk__in=succeeded).update(
                delivered_at=now, attempts=F("attempts") + 1, last_error="")
            delivered += len(succeeded)


def retry_failed(ids: Iterable[int], *, actor: User, now=None) -> int:
    """An administrator sends failed messages again (after fixing the mail server or the webhook): the channels
    already served stay served. Returns how many rows were re-queued."""
    now = now or timezone.now()
    if not user_has_role(actor, ADMIN_ROLES):
        raise PermissionDenied(gettext("只有系统管理员可以重新投递通知。"))
    return Notification.objects.filter(pk__in=list(ids), delivered_at__isnull=True, failed_at__isnull=False).update(
        failed_at=None, attempts=0, deliver_after=now)
