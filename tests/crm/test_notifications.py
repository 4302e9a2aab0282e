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


def test_a_failing_channel_does_not_block_delivery(officer, settings):
    settings.NOTIFICATION_CHANNELS = ["tests.crm.test_notifications.broken_channel"]
    notify([officer], Message(key="a", kind="k", title="t"), now=at(2026, 3, 9, 10))
    assert deliver_pending(now=at(2026, 3, 9, 11)) == 1
    assert Notification.objects.get().delivered_at is not None


def broken_channel(notification):
    raise ConnectionError("bot unreachable")


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
