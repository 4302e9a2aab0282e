"""The workflow and its clocks through the services, across the 2026 Spring Festival."""

import datetime as dt

import pytest

from appeals import services
from appeals.models import Appeal, AppealEvent, DepartmentTask, ExtensionRequest, SlaClock
from crm.models import Role
from tests.appeals.factories import at, category, make_appeal
from tests.crm.factories import DepartmentFactory, UserFactory
from tests.enterprises.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


def clock(appeal, metric, round_=1):
    return SlaClock.objects.get(appeal=appeal, metric=metric, round=round_)


def test_create_starts_three_clocks_on_the_working_day_calendar(officer):
    appeal = make_appeal(officer=officer)
    assert clock(appeal, "sign").due_at == at(2026, 2, 13, 12)
    assert clock(appeal, "response").due_at == at(2026, 2, 13, 18)
    assert clock(appeal, "resolution").due_at == at(2026, 2, 25, 18)
    assert not SlaClock.objects.filter(appeal=appeal, metric="followup").exists()
    assert appeal.street_id == officer.street_id
    assert AppealEvent.objects.get(appeal=appeal).action == "create"


def test_full_life_of_a_visit_problem_across_spring_festival(officer, manager, department_user):
    from enterprises.models import Visit, VisitProblem

    enterprise = EnterpriseFactory(street=officer.street)
    # Logged by a colleague: the officer raising it did not take it in hand on the visit, so it starts new.
    colleague = UserFactory(role=Role.OFFICER, street=officer.street, username="colleague")
    visit = Visit.objects.create(enterprise=enterprise, created_by=colleague, date=dt.date(2026, 2, 13))
    problem = VisitProblem.objects.create(visit=visit, description="厂房用电容量不足，需增容", category="utilities")
    appeal = services.create_appeal_from_visit_problem(problem=problem, actor=officer)
    assert services.create_appeal_from_visit_problem(problem=problem, actor=officer).pk == appeal.pk
    assert appeal.category.code == "utilities" and appeal.visit_problem_id == problem.pk
    # Re-date the intake to the scenario's instant (the seam uses "now").
    Appeal.objects.filter(pk=appeal.pk).update(received_at=at(2026, 2, 13, 10))
    SlaClock.objects.filter(appeal=appeal).delete()
    appeal.refresh_from_db()
    targets = services.targets_for_appeal(appeal)
    for metric in ("sign", "response", "resolution"):
        services.new_clock(appeal, metric, at(2026, 2, 13, 10), targets)

    services.sign(appeal, actor=officer, at=at(2026, 2, 13, 11))
    services.respond(appeal, actor=officer, comment="已电话联系企业", at=at(2026, 2, 13, 16))
    services.transfer(appeal, actor=officer, department=department_user.department, at=at(2026, 2, 14, 9, 30))
    task = DepartmentTask.objects.get(appeal=appeal)
    assert task.due_at == at(2026, 2, 25, 18)  # the department's own clock: 2 working days from 14 Feb
    assert clock(appeal, "resolution").due_at == at(2026, 2, 25, 18)  # a transfer never restarts it
    services.department_sign(appeal, actor=department_user, at=at(2026, 2, 24, 9))
    request = services.request_extension(appeal, actor=officer, requested_due=at(2026, 3, 3, 18),
                                         reason="需供电局现场勘查", at=at(2026, 2, 24, 11))
    services.decide_extension(request, actor=manager, approve=True, at=at(2026, 2, 24, 11, 30))
    services.department_reply(appeal, actor=department_user, reply="已安排增容", at=at(2026, 2, 26, 10))
    services.resolve(appeal, actor=officer, answer="供电局已安排增容施工", at=at(2026, 2, 26, 15))
    services.record_followup(appeal, actor=officer, result="satisfied", at=at(2026, 2, 27, 10))

    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.CLOSED
    resolution = clock(appeal, "resolution")
    assert (resolution.due_at, resolution.original_due_at) == (at(2026, 3, 3, 18), at(2026, 2, 25, 18))
    assert resolution.outcome == "met_extended" and appeal.resolution_outcome == "met_extended"
    assert clock(appeal, "followup").due_at == at(2026, 2, 28, 18) and clock(appeal, "followup").state == "met"
    assert appeal.response_outcome == "met" and appeal.satisfaction == "satisfied"
    assert [e.action for e in appeal.events.order_by("id")] == [
        "create", "sign", "respond", "transfer", "department_sign", "extension_request", "extension_approved",
        "department_reply", "resolve", "followup"]


def test_invalid_transitions_are_refused_in_chinese(officer):
    appeal = make_appeal(officer=officer)
    with pytest.raises(services.WorkflowError, match="不能回访"):
        services.record_followup(appeal, actor=officer, result="satisfied", at=at(2026, 2, 13, 11))
    services.sign(appeal, actor=officer, at=at(2026, 2, 13, 11))
    with pytest.raises(services.WorkflowError, match="不能签收"):
        services.sign(appeal, actor=officer, at=at(2026, 2, 13, 11))
    with pytest.raises(services.WorkflowError, match="答复内容"):
        services.resolve(appeal, actor=officer, answer="  ", at=at(2026, 2, 13, 12))
    assert Appeal.objects.get(pk=appeal.pk).status == Appeal.Status.SIGNED


def test_extension_must_be_requested_before_the_deadline_and_move_it_later(officer):
    appeal = make_appeal(officer=officer)
    with pytest.raises(services.WorkflowError, match="到期前"):
        services.request_extension(appeal, actor=officer, requested_due=at(2026, 3, 3, 18), reason="x",
                                   at=at(2026, 2, 26, 9))
    with pytest.raises(services.WorkflowError, match="晚于当前时限"):
        services.request_extension(appeal, actor=officer, requested_due=at(2026, 2, 25, 18), reason="x",
                                   at=at(2026, 2, 24, 9))
    assert not ExtensionRequest.objects.exists()


def test_only_a_manager_approves_and_rejection_keeps_the_due(officer, manager):
    appeal = make_appeal(officer=officer)
    request = services.request_extension(appeal, actor=officer, requested_due=at(2026, 3, 3, 18), reason="复杂",
                                         at=at(2026, 2, 24, 9))
    with pytest.raises(services.ActionNotAllowed, match="不能审批延期"):
        services.decide_extension(request, actor=officer, approve=True, at=at(2026, 2, 24, 10))
    services.decide_extension(request, actor=manager, approve=False, comment="请按期办结", at=at(2026, 2, 24, 10))
    resolution = clock(appeal, "resolution")
    assert resolution.due_at == at(2026, 2, 25, 18) and resolution.original_due_at is None


def test_late_resolution_is_breached_at_the_due_instant_and_final(officer):
    appeal = make_appeal(officer=officer)
    services.resolve(appeal, actor=officer, answer="已办结", at=at(2026, 2, 26, 10))
    resolution = clock(appeal, "resolution")
    assert resolution.state == "breached" and resolution.breached_at == at(2026, 2, 25, 18)
    assert clock(appeal, "sign").state == "breached"  # signed by the late resolution, but after 12:00


def test_unsatisfied_reopens_with_a_new_round_and_kpis_keep_the_first(officer):
    appeal = make_appeal(officer=officer)
    services.resolve(appeal, actor=officer, answer="已协调", at=at(2026, 2, 24, 10))
    services.record_followup(appeal, actor=officer, result="unsatisfied", at=at(2026, 2, 25, 10))
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.IN_PROGRESS and appeal.round == 2
    assert clock(appeal, "resolution", 2).due_at == at(2026, 2, 28, 18)
    services.resolve(appeal, actor=officer, answer="再次协调", at=at(2026, 3, 2, 10))
    services.record_followup(appeal, actor=officer, result="satisfied", at=at(2026, 3, 2, 15))
    appeal.refresh_from_db()
    assert appeal.satisfaction == "unsatisfied" and appeal.resolution_outcome == "met"
    assert appeal.status == Appeal.Status.CLOSED


def test_department_return_needs_a_reason_and_sends_it_back(officer, department_user):
    appeal = make_appeal(officer=officer)
    services.transfer(appeal, actor=officer, department=department_user.department, at=at(2026, 2, 13, 11))
    other = UserFactory(role=Role.DEPARTMENT, street=None, department=DepartmentFactory(), username="dept_other")
    with pytest.raises(services.WorkflowError):
        services.department_return(appeal, actor=other, reason="不是我们", at=at(2026, 2, 13, 12))
    with pytest.raises(services.WorkflowError, match="理由"):
        services.department_return(appeal, actor=department_user, reason="", at=at(2026, 2, 13, 12))
    services.department_return(appeal, actor=department_user, reason="属供电部门职责", at=at(2026, 2, 13, 12))
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.IN_PROGRESS and appeal.lead_department is None
    assert clock(appeal, "sign").state == "met"


def test_department_sees_only_appeals_sent_to_it(officer, department_user):
    mine, theirs = make_appeal(officer=officer), make_appeal(officer=officer)
    services.transfer(mine, actor=officer, department=department_user.department, at=at(2026, 2, 13, 11))
    services.transfer(theirs, actor=officer, department=DepartmentFactory(), at=at(2026, 2, 13, 11))
    assert list(Appeal.objects.visible_to(department_user)) == [mine]


def test_merge_cancels_the_duplicate_clocks(officer):
    first = make_appeal(officer=officer)
    duplicate = make_appeal(enterprise=first.enterprise, officer=officer)
    services.merge(duplicate, into=first, actor=officer, at=at(2026, 2, 13, 11))
    duplicate.refresh_from_db()
    assert duplicate.status == Appeal.Status.MERGED and duplicate.merged_into_id == first.pk
    assert set(duplicate.clocks.values_list("state", flat=True)) == {"cancelled"}
    with pytest.raises(services.WorkflowError):
        services.merge(first, into=first, actor=officer, at=at(2026, 2, 13, 11))


def test_followup_sampling_and_mandatory_categories(officer):
    from appeals.models import FollowupSettings

    FollowupSettings.objects.update_or_create(pk=FollowupSettings.objects.first().pk,
                                              defaults={"mode": "sample", "sample_percent": 0})
    assert make_appeal(officer=officer).followup_required is False
    cat = category("finance")
    cat.always_follow_up = True
    cat.save()
    assert make_appeal(officer=officer, code="finance").followup_required is True
    unsampled = make_appeal(officer=officer)
    services.resolve(unsampled, actor=officer, answer="已办结", at=at(2026, 2, 13, 15))
    assert Appeal.objects.get(pk=unsampled.pk).status == Appeal.Status.CLOSED


def test_policy_change_preview_then_apply_moves_open_clocks_only(officer):
    from appeals.models import DeadlineMove, SlaPolicy

    running, done = make_appeal(officer=officer), make_appeal(officer=officer)
    services.resolve(done, actor=officer, answer="已办结", at=at(2026, 2, 13, 15))
    SlaPolicy.objects.filter(category=None, urgency="").update(resolution="5wd", version=2)
    now = at(2026, 2, 13, 16)
    preview = services.recompute_open_clocks(preview=True, now=now)
    assert preview["changed"] == 1 and not DeadlineMove.objects.exists()
    services.recompute_open_clocks(preview=False, reason="policy", now=now)
    moved = clock(running, "resolution")
    assert moved.due_at == at(2026, 2, 27, 18) and moved.due_version == 2
    assert clock(done, "resolution").due_at == at(2026, 2, 25, 18)
    move = DeadlineMove.objects.get()
    assert (move.old_due_at, move.new_due_at) == (at(2026, 2, 25, 18), at(2026, 2, 27, 18))


def test_provisional_clock_recomputed_when_the_official_schedule_arrives(officer):
    from crm.models import CalendarYear, SpecialDay
    from crm.services.workcalendar import invalidate_calendar

    appeal = make_appeal(officer=officer, at_=at(2027, 9, 30, 10))
    resolution = clock(appeal, "resolution")
    assert resolution.provisional and resolution.due_at == at(2027, 10, 5, 18)
    for day in range(1, 8):
        SpecialDay.objects.create(date=dt.date(2027, 10, day), kind="holiday", name="国庆节")
    CalendarYear.objects.update_or_create(year=2027, defaults={"status": "official", "version": 2})
    invalidate_calendar()
    summary = services.recompute_open_clocks(preview=False, now=at(2027, 9, 30, 11))
    assert summary["provisional_cleared"] >= 1
    resolution.refresh_from_db()
    assert not resolution.provisional and resolution.due_at == at(2027, 10, 12, 18)
    assert appeal.deadline_moves.filter(was_provisional=True).exists()
