"""The reminder sweep: warning, 催办 at breach, 督办 escalation; once each, re-armed by a moved due time."""

import pytest

from appeals import services
from appeals.models import Appeal, SlaClock
from crm.models import Notification, Role
from tests.appeals.factories import at, make_appeal
from tests.crm.factories import UserFactory

pytestmark = pytest.mark.django_db


def keys(kind):
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", "key"))


def test_warning_at_the_share_goes_to_the_officer_once(officer):
    appeal = make_appeal(officer=officer)
    services.sweep(now=at(2026, 2, 13, 10, 30))
    assert not Notification.objects.filter(kind="appeal_warning").exists()
    services.sweep(now=at(2026, 2, 13, 11, 40))  # sign clock 10:00→12:00, 75% at 11:30
    services.sweep(now=at(2026, 2, 13, 11, 45))
    warnings = Notification.objects.filter(kind="appeal_warning", recipient=officer)
    sign_clock = SlaClock.objects.get(appeal=appeal, metric="sign")
    assert [w.key for w in warnings] == [f"appeal-clock:{sign_clock.pk}:warn:share:v1"]


def test_breach_notifies_officer_liaison_and_manager_then_escalates_to_the_leader(officer, manager):
    from enterprises.models import LiaisonAssignment

    liaison = UserFactory(role=Role.OFFICER, street=officer.street, username="liaison_mt")
    appeal = make_appeal(officer=officer)
    LiaisonAssignment.objects.create(enterprise=appeal.enterprise, officer=liaison,
                                     start_date=at(2026, 1, 1).date())
    services.sign(appeal, actor=officer, at=at(2026, 2, 13, 11))
    services.respond(appeal, actor=officer, at=at(2026, 2, 13, 11))
    result = services.sweep(now=at(2026, 2, 26, 9))  # resolution due 25 Feb 18:00
    assert result["breached"] == 1
    clock = SlaClock.objects.get(appeal=appeal, metric="resolution")
    assert clock.state == "breached" and clock.breached_at == at(2026, 2, 25, 18)
    recipients = {u for u, _ in keys("appeal_breach")}
    assert recipients == {"officer_mt", "liaison_mt", "manager_mt"}
    assert Appeal.objects.get(pk=appeal.pk).resolution_outcome == "breached"
    services.sweep(now=at(2026, 2, 26, 17))  # escalation 1 working day after due: 26 Feb 18:00
    assert not Appeal.objects.get(pk=appeal.pk).escalated
    services.sweep(now=at(2026, 2, 26, 18, 1))
    appeal.refresh_from_db()
    assert appeal.escalated
    assert keys("appeal_escalation") == [("manager_mt", f"appeal-clock:{clock.pk}:escalate:leader:v1")]
    assert services.light(appeal, appeal.clocks.all(), at(2026, 2, 27, 9)) == "purple"
    before = Notification.objects.count()
    services.sweep(now=at(2026, 2, 27, 9))
    assert Notification.objects.count() == before
    services.resolve(appeal, actor=officer, answer="已办结", at=at(2026, 2, 27, 10))
    services.record_followup(appeal, actor=officer, result="satisfied", at=at(2026, 2, 27, 11))
    assert not Appeal.objects.get(pk=appeal.pk).escalated


def test_a_moved_due_time_re_arms_the_warning(officer, manager):
    appeal = make_appeal(officer=officer)
    services.sweep(now=at(2026, 2, 24, 18))  # resolution 10:00 13 Feb → 18:00 25 Feb, warning share passed
    assert Notification.objects.filter(kind="appeal_warning", key__contains=":v1").exists()
    request = services.request_extension(appeal, actor=officer, requested_due=at(2026, 3, 3, 18), reason="复杂",
                                         at=at(2026, 2, 24, 18))
    services.decide_extension(request, actor=manager, approve=True, at=at(2026, 2, 24, 18))
    services.sweep(now=at(2026, 2, 24, 18, 5))
    assert not Notification.objects.filter(kind="appeal_warning", key__contains=":v2").exists()
    services.sweep(now=at(2026, 3, 2, 18))
    assert Notification.objects.filter(kind="appeal_warning", key__contains=":v2", recipient=officer).count() == 1


def test_non_urgent_reminders_wait_for_office_hours(officer):
    make_appeal(officer=officer, at_=at(2026, 2, 13, 17))
    services.sweep(now=at(2026, 2, 13, 20))  # Friday night; Sat 14 Feb is a make-up working day
    note = Notification.objects.filter(kind="appeal_breach").first()
    assert note is not None and note.deliver_after == at(2026, 2, 14, 9)


def test_a_user_can_mute_a_kind(officer):
    from crm.models import NotificationPreference

    NotificationPreference.objects.create(user=officer, kind="appeal_breach", in_app=False, email=False)
    make_appeal(officer=officer)
    services.sweep(now=at(2026, 2, 26, 9))
    assert not Notification.objects.filter(kind="appeal_breach", recipient=officer).exists()
