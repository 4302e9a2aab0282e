"""Notifications: idempotent creation, then delivery through channels.

`notify()` writes one inbox row per recipient with a unique (recipient, key): a retry, a restarted worker or
two sweeps at once hit the constraint and create nothing. Email and webhook delivery happen in a separate
step (`deliver_pending`) that claims rows with SELECT … FOR UPDATE SKIP LOCKED and marks them delivered in the
same transaction, so each message is handed to the channels once. Non-urgent messages created outside office
hours wait for the office to open.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from crm.models import Notification, NotificationPreference, User
from crm.services.workcalendar import get_calendar

logger = logging.getLogger(__name__)


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
    now = now or timezone.now()
    urgent = message.level == Notification.Level.URGENT
    deliver_after = now if urgent else get_calendar().next_office_opening(now)
    users = {u.pk: u for u in recipients if u is not None and u.is_active}
    if not users:
        return 0
    muted = set(
        NotificationPreference.objects.filter(user_id__in=users, kind=message.kind, in_app=False,
                                              email=False, webhook=False).values_list("user_id", flat=True)
    )
    rows = [
        Notification(
            recipient_id=pk, key=message.key[:200], kind=message.kind, level=message.level, title=message.title[:200],
            body=message.body, url=message.url, deliver_after=deliver_after,
        )
        for pk in users
        if pk not in muted
    ]
    before = Notification.objects.filter(key=message.key[:200], recipient_id__in=users).count()
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    after = Notification.objects.filter(key=message.key[:200], recipient_id__in=users).count()
    return after - before


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


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


def deliver_pending(*, now=None, batch_size: int = 200) -> int:
    """Hand due, undelivered notifications to the configured channels, once each."""
    now = now or timezone.now()
    channels = [import_string(path) for path in settings.NOTIFICATION_CHANNELS]
    delivered = 0
    while True:
        with transaction.atomic():
            batch = list(
                Notification.objects.select_for_update(skip_locked=True)
                .select_related("recipient")
                .filter(delivered_at__isnull=True, deliver_after__lte=now)
                .order_by("deliver_after", "pk")[:batch_size]
            )
            if not batch:
                return delivered
            for notification in batch:
                for channel in channels:
                    try:
                        channel(notification)
                    except Exception:  # one broken channel must not block the inbox or the others
                        logger.exception("notification channel %s failed for %s", channel, notification.pk)
            Notification.objects.filter(pk__in=[n.pk for n in batch]).update(delivered_at=now)
            delivered += len(batch)
