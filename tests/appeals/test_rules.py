"""Rules that were broken on purpose while the suite stayed green (issue 16), each with a test that fails on the
broken rule: extensions and merging, the warned marker of the sweep, 按时办结率 by hand, the categories' home."""

import datetime as dt

import pytest

from appeals import selectors, services
from appeals.models import AppealCategory, ExtensionRequest, SlaClock
from crm.models import Notification
from enterprises.models import Visit, VisitProblem
from tests.appeals.factories import at, make_appeal
from tests.enterprises.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


def resolution(appeal) -> SlaClock:
    return SlaClock.objects.get(appeal=appeal, metric="resolution", round=1)


# --- extensions and merging ------------------------------------------------------------------------------------
@pytest.fixture
def merged_with_request(officer):
    """An appeal with a pending extension request, then merged into another appeal of the same firm."""
    duplicate = make_appeal(officer=officer)
    first = make_appeal(enterprise=duplicate.enterprise, officer=officer)
    request = services.request_extension(duplicate, actor=officer, requested_due=at(2026, 3, 3, 18),
                                         reason="需多部门踏勘", at=at(2026, 2, 24, 9))
    services.merge(duplicate, into=first, actor=officer, at=at(2026, 2, 24, 10))
    return duplicate, request


def test_merging_withdraws_the_pending_extension_request(merged_with_request, manager):
    duplicate, request = merged_with_request
    request.refresh_from_db()
    assert request.state == ExtensionRequest.State.REJECTED and "合并" in request.decision_comment
    assert request not in list(selectors.pending_extensions(manager))


def test_approving_an_extension_of_a_merged_appeal_is_refused(merged_with_request, manager):
    """Even a request left pending by an older merge (before merging withdrew it) cannot move a clock of an
    appeal that is no longer worked on."""
    duplicate, request = merged_with_request
    ExtensionRequest.objects.filter(pk=request.pk).update(state=ExtensionRequest.State.PENDING, decided_at=None)
    before = resolution(duplicate)
    with pytest.raises(services.WorkflowError, match="已合并"):
        services.decide_extension(request, actor=manager, approve=True, at=at(2026, 2, 24, 11))
    after = resolution(duplicate)
    assert (after.due_at, after.original_due_at, after.state) == (before.due_at, None, SlaClock.State.CANCELLED)
    request.refresh_from_db()
    assert request.state == ExtensionRequest.State.PENDING


# --- the warned marker -----------------------------------------------------------------------------------------
def test_a_second_warning_sweep_warns_nobody(officer):
    """The marker (warned_version) stops a second sweep from warning again - not the notification's unique key,
    which would hide a lost marker by deduplicating the message."""
    appeal = make_appeal(officer=officer)
    first = services.sweep(now=at(2026, 2, 13, 11, 40))  # sign clock 10:00→12:00, 75 % at 11:30
    sign = SlaClock.objects.get(appeal=appeal, metric="sign")
    assert first["warned"] == 1 and sign.warned_version == sign.due_version
    second = services.sweep(now=at(2026, 2, 13, 11, 45))
    assert second["warned"] == 0 and second["notifications"] == 0
    assert Notification.objects.filter(kind="appeal_warning").count() == 1


# --- 按时办结率 by hand --------------------------------------------------------------------------------------------
def test_on_time_resolution_rate_against_a_hand_computation(officer, manager):
    """In November: A answered on time, B answered after its original deadline but within an approved
    extension (on time), C answered late, D still open and not yet due. By hand: on time = {A, B} = 2, due =
    {A, B, C} = 3 (D is not due yet, so it is in neither), 按时办结率 = 2 / 3 = 66.7 %."""
    received = at(2026, 11, 2, 10)
    a, b, c = (make_appeal(officer=officer, at_=received) for _ in range(3))
    original_due = resolution(b).due_at
    services.resolve(a, actor=officer, answer="已办结", at=original_due - dt.timedelta(days=1))
    request = services.request_extension(b, actor=officer, requested_due=original_due + dt.timedelta(days=7),
                                         reason="需协调供电局", at=original_due - dt.timedelta(hours=3))
    services.decide_extension(request, actor=manager, approve=True, at=original_due - dt.timedelta(hours=2))
    services.resolve(b, actor=officer, answer="已办结", at=original_due + dt.timedelta(days=2))
    services.resolve(c, actor=officer, answer="已办结", at=original_due + dt.timedelta(days=2))
    now = at(2026, 11, 27, 12)
    make_appeal(officer=officer, at_=now - dt.timedelta(hours=2))  # D: open, not yet due
    assert resolution(b).outcome == "met_extended" and resolution(c).outcome == "breached"

    data = selectors.dashboard(manager, {"from": "2026-11-01", "to": "2026-11-30"}, now=now)
    rate = next(r for r in data["rates"] if r["key"] == "resolution_rate")
    assert (rate["num"], rate["den"], rate["value"]) == (2, 3, 66.7)


# --- problem categories: one home -------------------------------------------------------------------------------
@pytest.mark.parametrize("code", VisitProblem.Category.values)
def test_every_visit_problem_category_becomes_an_appeal_of_the_same_category(code, officer):
    services.ensure_categories()
    assert AppealCategory.objects.filter(code=code).exists()
    visit = Visit.objects.create(enterprise=EnterpriseFactory(street=officer.street), created_by=officer,
                                 date=dt.date(2026, 11, 2))
    problem = VisitProblem.objects.create(visit=visit, description="走访发现的问题", category=code)
    appeal = services.create_appeal_from_visit_problem(problem=problem, actor=officer)
    assert appeal.category.code == code


def test_the_appeal_categories_are_the_visit_problem_categories():
    assert [(code, str(label)) for code, label in services.CATEGORIES] == [
        (code, str(label)) for code, label in VisitProblem.Category.choices]

