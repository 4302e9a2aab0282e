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


def test_breach_message_names_the_metric_and_the_appeal_and_reaches_the_department_while_transferred(
        officer, manager, department_user):
    appeal = make_appeal(officer=officer)
    services.transfer(appeal, actor=officer, department=department_user.department, at=at(2026, 2, 13, 11))
    services.respond(appeal, actor=officer, at=at(2026, 2, 13, 11))
    services.sweep(now=at(2026, 2, 26, 9))
    clock = SlaClock.objects.get(appeal=appeal, metric="resolution")
    rows = Notification.objects.filter(kind="appeal_breach")
    assert {n.recipient.username for n in rows} == {officer.username, manager.username, department_user.username}
    note = rows.get(recipient=department_user)
    assert note.key == f"appeal-clock:{clock.pk}:breach:due:v1"
    assert note.title == f"催办：办结已超时 · {appeal.title}" and note.url == f"/appeals/{appeal.pk}/"
    services.sweep(now=at(2026, 2, 26, 18, 1))
    escalation = Notification.objects.get(kind="appeal_escalation")
    assert escalation.title == f"督办：{appeal.title}（办结超时未办）" and escalation.level == "urgent"


def test_inactive_users_get_nothing(officer, manager):
    manager.is_active = False
    manager.save()
    make_appeal(officer=officer)
    services.sweep(now=at(2026, 2, 26, 9))
    assert {n.recipient_id for n in Notification.objects.all()} == {officer.pk}


def test_a_sweep_in_small_batches_gives_the_same_result_as_one_batch(officer, manager):
    appeals = [make_appeal(officer=officer) for _ in range(7)]
    result = services.sweep(now=at(2026, 2, 26, 9), batch_size=2)
    assert result["breached"] == 21 and result["breach_notified"] == 21
    assert Notification.objects.filter(kind="appeal_breach").count() == 21 * 2
    assert all(Appeal.objects.get(pk=a.pk).resolution_outcome == "breached" for a in appeals)


# --- an extension requested in time, decided after the deadline -------------------------------------------------
def _pending_extension(officer):
    appeal = make_appeal(officer=officer)
    services.respond(appeal, actor=officer, at=at(2026, 2, 13, 11))
    request = services.request_extension(appeal, actor=officer, requested_due=at(2026, 3, 3, 18), reason="需协调",
                                         at=at(2026, 2, 25, 10))  # due 25 Feb 18:00
    return appeal, request


def test_the_sweep_holds_the_breach_while_an_extension_requested_in_time_is_pending(officer, manager):
    appeal, _ = _pending_extension(officer)
    result = services.sweep(now=at(2026, 2, 26, 9))
    clock = SlaClock.objects.get(appeal=appeal, metric="resolution")
    assert result["breached"] == 0 and clock.state == "running"
    assert not Notification.objects.filter(kind="appeal_breach").exists()
    # Still shown as late to managers while it waits: red light and in "overdue now".
    assert services.light(appeal, appeal.clocks.all(), at(2026, 2, 26, 9)) == "red"


def test_approving_after_the_deadline_gives_the_new_due_and_met_extended(officer, manager):
    appeal, request = _pending_extension(officer)
    services.sweep(now=at(2026, 2, 26, 9))
    services.decide_extension(request, actor=manager, approve=True, at=at(2026, 2, 26, 10))
    clock = SlaClock.objects.get(appeal=appeal, metric="resolution")
    assert (clock.state, clock.due_at, clock.original_due_at) == ("running", at(2026, 3, 3, 18), at(2026, 2, 25, 18))
    services.resolve(appeal, actor=officer, answer="已办结", at=at(2026, 3, 2, 15))
    clock.refresh_from_db()
    assert clock.outcome == "met_extended"
    assert Appeal.objects.get(pk=appeal.pk).resolution_outcome == "met_extended"


def test_rejecting_after_the_deadline_breaches_at_the_original_due(officer, manager):
    appeal, request = _pending_extension(officer)
    services.sweep(now=at(2026, 2, 26, 9))
    services.decide_extension(request, actor=manager, approve=False, at=at(2026, 2, 26, 10))
    clock = SlaClock.objects.get(appeal=appeal, metric="resolution")
    assert (clock.state, clock.breached_at) == ("breached", at(2026, 2, 25, 18))
    appeal.refresh_from_db()
    assert appeal.resolution_outcome == "breached" and appeal.has_breach
    services.sweep(now=at(2026, 2, 26, 10, 5))
    assert Notification.objects.filter(kind="appeal_breach", recipient=officer).count() == 1


def test_a_breach_recorded_while_the_request_was_pending_is_undone_by_approval(officer, manager):
    """Clocks breached by an older sweep (before the hold rule) or a race: approval still wins."""
    appeal, request = _pending_extension(officer)
    clock = SlaClock.objects.get(appeal=appeal, metric="resolution")
    SlaClock.objects.filter(pk=clock.pk).update(state="breached", breached_at=clock.due_at, breach_notified=True,
                                                escalated_at=at(2026, 2, 26, 18))
    Appeal.objects.filter(pk=appeal.pk).update(has_breach=True, escalated=True, resolution_outcome="breached")
    services.decide_extension(request, actor=manager, approve=True, at=at(2026, 2, 27, 9))
    clock.refresh_from_db()
    appeal.refresh_from_db()
    assert (clock.state, clock.breached_at, clock.due_at) == ("running", None, at(2026, 3, 3, 18))
    assert not appeal.has_breach and not appeal.escalated and appeal.resolution_outcome == ""
    services.sweep(now=at(2026, 3, 4, 9))  # the new due passes: breached then, re-armed by the new due version
    clock.refresh_from_db()
    assert clock.state == "breached" and clock.breached_at == at(2026, 3, 3, 18)
    assert Notification.objects.filter(kind="appeal_breach", key__endswith=":v2").exists()
