"""Notifications are created once per (recipient, key) and delivered to channels once."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from crm.models import Notification, NotificationPreference
from crm.services.notifications import Message, deliver_pending, mark_read, notify, unread_count

TZ = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def at(*args):
    return dt.datetime(*args, tzinfo=TZ)


def test_the_same_key_never_creates_a_second_notification(officer, manager):
    message = Message(key="appeal:1:breach:v1", kind="appeal_breach", title="诉求已超期")
    assert notify([officer, manager], message, now=at(2026, 3, 9, 10)) == 2
    assert notify([officer, manager], message, now=at(2026, 3, 9, 10, 5)) == 0
    assert Notification.objects.count() == 2


def test_a_new_key_re_arms_the_notification(officer):
    notify([officer], Message(key="appeal:1:warn:v1", kind="k", title="t"), now=at(2026, 3, 9, 10))
    assert notify([officer], Message(key="appeal:1:warn:v2", kind="k", title="t"), now=at(2026, 3, 9, 10)) == 1


def test_non_urgent_messages_wait_for_office_hours_and_urgent_ones_do_not(officer):
    friday_night = at(2026, 2, 13, 21)
    notify([officer], Message(key="a", kind="k", title="普通"), now=friday_night)
    notify([officer], Message(key="b", kind="k", title="紧急", level=Notification.Level.URGENT), now=friday_night)
    normal = Notification.objects.get(key="a")
    urgent = Notification.objects.get(key="b")
    assert normal.deliver_after == at(2026, 2, 14, 9)  # Saturday 14 Feb 2026 is a make-up working day
    assert urgent.deliver_after == friday_night


def test_delivery_sends_each_email_once(officer):
    notify([officer], Message(key="a", kind="k", title="请签收诉求"), now=at(2026, 3, 9, 10))
    assert deliver_pending(now=at(2026, 3, 9, 10, 1)) == 1
    assert deliver_pending(now=at(2026, 3, 9, 10, 2)) == 0
    assert [m.subject for m in mail.outbox] == ["请签收诉求"]


def test_delivery_waits_until_deliver_after(officer):
    notify([officer], Message(key="a", kind="k", title="t"), now=at(2026, 2, 13, 21))
    assert deliver_pending(now=at(2026, 2, 13, 22)) == 0
    assert deliver_pending(now=at(2026, 2, 14, 9, 1)) == 1


def test_users_choose_what_they_receive(officer):
    NotificationPreference.objects.create(user=officer, kind="digest", in_app=False, email=False, webhook=False)
    NotificationPreference.objects.create(user=officer, kind="quiet", in_app=True, email=False)
    assert notify([officer], Message(key="a", kind="digest", title="t"), now=at(2026, 3, 9, 10)) == 0
    notify([officer], Message(key="b", kind="quiet", title="t"), now=at(2026, 3, 9, 10))
    deliver_pending(now=at(2026, 3, 9, 11))
    assert mail.outbox == []


def test_webhook_channel_posts_json(officer, settings, monkeypatch):
    import json

    from crm.services import notifications

    sent = []

    class FakeResponse:
        def close(self):
            pass

    def fake_urlopen(request, timeout):
        sent.append(json.loads(request.data))
        return FakeResponse()

    monkeypatch.setattr(notifications.urllib.request, "urlopen", fake_urlopen)
    settings.NOTIFICATION_WEBHOOK_URL = "http://127.0.0.1:9/bot"
    settings.NOTIFICATION_CHANNELS = ["crm.services.notifications.webhook_channel"]
    notify([officer], Message(key="a", kind="k", title="督办提醒", body="某诉求已挂单督办"), now=at(2026, 3, 9, 10))
    deliver_pending(now=at(2026, 3, 9, 11))
    assert sent == [{"msgtype": "text", "text": {"content": "督办提醒\n某诉求已挂单督办"}}]


def test_a_failing_channel_does_not_block_the_others_and_is_retried_alone(officer, settings):
    settings.NOTIFICATION_CHANNELS = ["crm.services.notifications.email_channel",
                                      "tests.crm.test_notifications.broken_channel"]
    notify([officer], Message(key="a", kind="k", title="请签收"), now=at(2026, 3, 9, 10))
    assert deliver_pending(now=at(2026, 3, 9, 11)) == 0
    row = Notification.objects.get()
    assert row.delivered_at is None and row.attempts == 1 and "bot unreachable" in row.last_error
    assert row.delivery_status == "retrying" and row.deliver_after == at(2026, 3, 9, 11, 1)
    assert len(mail.outbox) == 1  # the email went out once
    assert deliver_pending(now=at(2026, 3, 9, 11, 0, 30)) == 0  # backoff: not yet due
    deliver_pending(now=at(2026, 3, 9, 11, 2))
    assert len(mail.outbox) == 1  # the retry does not send the email again


def broken_channel(notification):
    raise ConnectionError("bot unreachable")


def flaky_email_channel(notification):
    """Fails while FLAKY["failures"] > 0, then sends like the email channel."""
    if FLAKY["failures"] > 0:
        FLAKY["failures"] -= 1
        raise OSError("SMTP 421 service not available")
    from crm.services.notifications import email_channel

    email_channel(notification)


FLAKY = {"failures": 0}


def test_a_failed_email_is_retried_with_backoff_and_sent_once_it_goes_through(officer, settings):
    from crm.services.notifications import RETRY_DELAYS_MINUTES

    settings.NOTIFICATION_CHANNELS = ["tests.crm.test_notifications.flaky_email_channel"]
    FLAKY["failures"] = 2
    notify([officer], Message(key="a", kind="k", title="请签收"), now=at(2026, 3, 9, 10))
    now = at(2026, 3, 9, 10, 1)
    assert deliver_pending(now=now) == 0
    assert Notification.objects.get().delivered_at is None and mail.outbox == []
    waits = []
    for _ in range(2):
        row = Notification.objects.get()
        waits.append(int((row.deliver_after - now).total_seconds() // 60))
        now = row.deliver_after
        delivered = deliver_pending(now=now)
    assert waits == list(RETRY_DELAYS_MINUTES[:2]) and delivered == 1
    row = Notification.objects.get()
    assert row.delivery_status == "delivered" and row.attempts == 3 and row.last_error == ""
    assert [m.subject for m in mail.outbox] == ["请签收"]
    assert deliver_pending(now=now + dt.timedelta(days=1)) == 0 and len(mail.outbox) == 1


def test_after_the_last_retry_the_failure_stays_visible_and_nothing_more_is_tried(officer, admin_user, settings,
                                                                                   client_for):
    from crm.services.notifications import MAX_ATTEMPTS, retry_failed

    settings.NOTIFICATION_CHANNELS = ["tests.crm.test_notifications.broken_channel"]
    notify([officer], Message(key="a", kind="k", title="请签收"), now=at(2026, 3, 9, 10))
    now = at(2026, 3, 9, 10)
    for _ in range(MAX_ATTEMPTS + 3):
        now += dt.timedelta(days=1)
        deliver_pending(now=now)
    row = Notification.objects.get()
    assert row.attempts == MAX_ATTEMPTS and row.delivery_status == "failed" and row.failed_at is not None
    page = client_for(admin_user).get("/admin/crm/notification/?delivery=failed").content.decode()
    assert "bot unreachable" in page and "投递失败" in page
    assert "bot unreachable" not in client_for(admin_user).get(
        "/admin/crm/notification/?delivery=delivered").content.decode()
    # an administrator re-queues it once the bot is fixed
    assert retry_failed([row.pk], actor=admin_user, now=now) == 1
    settings.NOTIFICATION_CHANNELS = ["crm.services.notifications.email_channel"]
    assert deliver_pending(now=now) == 1 and len(mail.outbox) == 1


def test_only_an_administrator_may_requeue_failed_messages(officer):
    from django.core.exceptions import PermissionDenied

    from crm.services.notifications import retry_failed

    with pytest.raises(PermissionDenied):
        retry_failed([1], actor=officer)


def test_unread_count_and_mark_read(officer):
    notify([officer], Message(key="a", kind="k", title="t"), now=at(2026, 3, 9, 10))
    notify([officer], Message(key="b", kind="k", title="t"), now=at(2026, 3, 9, 10))
    assert unread_count(officer) == 2
    mark_read(officer)
    assert unread_count(officer) == 0


def test_notify_many_applies_the_same_rules_to_every_message(officer, manager):
    from crm.services.notifications import notify_many
    from tests.crm.factories import UserFactory

    inactive = UserFactory(is_active=False)
    NotificationPreference.objects.create(user=manager, kind="muted", in_app=False, email=False, webhook=False)
    friday_night = at(2026, 2, 13, 21)
    rows = [
        ([officer, manager, inactive], Message(key="m1", kind="k", title="普通")),
        ([officer.pk, manager.pk], Message(key="m2", kind="muted", title="静音")),
        ([manager], Message(key="m3", kind="k", title="紧急", level=Notification.Level.URGENT)),
        ([None], Message(key="m4", kind="k", title="无人")),
    ]
    assert notify_many(rows, now=friday_night) == 4
    assert notify_many(rows, now=friday_night) == 0  # idempotent per (recipient, key)
    created = {(n.recipient_id, n.key): n for n in Notification.objects.all()}
    assert set(created) == {(officer.pk, "m1"), (manager.pk, "m1"), (officer.pk, "m2"), (manager.pk, "m3")}
    assert created[(officer.pk, "m1")].deliver_after == at(2026, 2, 14, 9)
    assert created[(manager.pk, "m3")].deliver_after == friday_night


def test_notify_many_handles_more_recipients_than_one_statement_binds(officer):
    from crm.services.notifications import notify_many
    from tests.crm.factories import UserFactory

    users = [officer] + UserFactory.create_batch(450)
    messages = [(users, Message(key=f"bulk{i}", kind="k", title="t")) for i in range(3)]
    assert notify_many(messages, now=at(2026, 3, 9, 10)) == 3 * 451


def test_notify_query_takes_recipients_from_sql_and_cuts_long_keys(officer, manager):
    from crm.services.notifications import notify_query

    source = ("SELECT u.id AS recipient_id, %s AS \"key\", 'k' AS kind, 'info' AS level, %s AS title, '' AS body, "
              "'' AS url FROM crm_user u WHERE u.id IN (%s, %s)")
    long_key = "x" * 250
    assert notify_query(source, [long_key, "标" * 300, officer.pk, manager.pk], now=at(2026, 3, 9, 10)) == 2
    assert notify_query(source, [long_key, "t", officer.pk, manager.pk], now=at(2026, 3, 9, 10)) == 0
    row = Notification.objects.get(recipient=officer)
    assert row.key == "x" * 200 and len(row.title) == 200


def test_the_unread_count_is_capped_for_the_header(officer, client_for):
    from django.urls import reverse

    Notification.objects.bulk_create(
        [Notification(recipient=officer, key=f"k{i}", kind="k", title="t") for i in range(120)]
    )
    assert unread_count(officer) == 100
    assert 'id="unread-count">99+<' in client_for(officer).get(reverse("home")).content.decode()


SLOW = {"sent": [], "started": None, "gate": None}


def slow_channel(notification):
    SLOW["sent"].append(notification.pk)
    SLOW["started"].set()
    SLOW["gate"].wait(10)


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_hand_a_message_over_once(officer, settings):
    import threading

    from django.db import connection

    settings.NOTIFICATION_CHANNELS = ["tests.crm.test_notifications.slow_channel"]
    SLOW.update(sent=[], started=threading.Event(), gate=threading.Event())
    notify([officer], Message(key="a", kind="k", title="t"), now=at(2026, 3, 9, 10))
    results = []

    def first_sweep():
        try:
            results.append(deliver_pending(now=at(2026, 3, 9, 11)))
        finally:
            connection.close()

    worker = threading.Thread(target=first_sweep)
    worker.start()
    assert SLOW["started"].wait(10)
    second = deliver_pending(now=at(2026, 3, 9, 11))  # while the first sweep holds the row
    SLOW["gate"].set()
    worker.join(10)
    assert second == 0 and results == [1]
    assert SLOW["sent"] == [Notification.objects.get().pk]
