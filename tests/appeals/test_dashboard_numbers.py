"""The dashboard's fast paths (totals summed from the grouped scan, live counts as disjoint index-friendly
parts, the bounded list of late running clocks) give exactly the straightforward computation, and every
figure equals the size of its drill-down list."""

import pytest
from django.db.models import Count

from appeals import selectors, services
from appeals.models import Appeal, SlaClock
from tests.appeals.factories import at, make_appeal
from tests.crm.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 20, 12)
PARAMS = {"from": "2026-11-01", "to": "2026-11-30"}


@pytest.fixture
def mixed(officer, manager):
    """Appeals in every state: on time, late, extended, followed up, open and overdue (swept or not yet),
    due today, escalated, another officer, a department, outside the period and in another street."""
    second = UserFactory(role="officer", street=officer.street, username="officer2_mt")
    dept = DepartmentFactory()
    made = []
    for day in range(2, 12):
        appeal = make_appeal(officer=officer if day % 2 else second, at_=at(2026, 11, day, 10),
                             code=("labour", "finance", "other")[day % 3])
        made.append(appeal)
        if day % 4 == 0:
            services.transfer(appeal, actor=officer, department=dept, at=at(2026, 11, day, 10, 30))
        if day <= 8:
            services.respond(appeal, actor=officer, at=at(2026, 11, day, 11 if day % 3 else 19))
            services.resolve(appeal, actor=officer, answer="已办结", at=at(2026, 11, day + (1 if day % 2 else 6), 10))
            if day <= 5:
                services.record_followup(appeal, actor=officer, result="satisfied" if day != 4 else "unsatisfied",
                                         at=at(2026, 11, day + 7, 10))
    services.sweep(now=at(2026, 11, 17, 9))  # some breaches flagged and escalated by the sweep...
    make_appeal(officer=officer, at_=at(2026, 11, 19, 10))  # ...and some late clocks not swept yet at NOW
    make_appeal(officer=officer, at_=at(2026, 11, 20, 9))  # due today
    make_appeal(officer=officer, at_=at(2026, 10, 2, 10))  # outside the period
    make_appeal(at_=at(2026, 11, 5, 10))  # another street
    return made


def straightforward(user):
    filters = selectors.kpi_filters(NOW)
    start, end = selectors.period(PARAMS, NOW)
    in_period = Appeal.objects.visible_to(user).filter(received_at__gte=start, received_at__lt=end)
    totals = in_period.aggregate(total=Count("id"), **{f"n_{k}": Count("id", filter=filters[k])
                                                       for k in selectors.COUNTED})
    live = {k: Appeal.objects.visible_to(user).filter(filters[k]).count() for k in ("overdue", "due_today",
                                                                                     "escalated")}
    return totals, live


@pytest.mark.parametrize("by", ["category", "officer", "department", "community", "street"])
def test_dashboard_equals_the_straightforward_computation(mixed, manager, by):
    data = selectors.dashboard(manager, {**PARAMS, "by": by}, now=NOW)
    totals, live = straightforward(manager)
    assert data["totals"] == totals and data["live"] == live
    assert sum(row["total"] for row in data["breakdown"]["rows"]) == totals["total"]
    assert live["overdue"] > 0 and live["due_today"] > 0 and live["escalated"] > 0
    assert SlaClock.objects.filter(state="running", due_at__lt=NOW).exists()  # the not-yet-swept path is used


def test_every_dashboard_figure_equals_its_drill_down(mixed, manager):
    data = selectors.dashboard(manager, PARAMS, now=NOW)
    for rate in data["rates"]:
        for kpi, figure in ((rate["num_kpi"], rate["num"]), (rate["den_kpi"], rate["den"])):
            assert selectors.filtered_appeals(manager, {**PARAMS, "kpi": kpi}, now=NOW).count() == figure
    for kpi, figure in data["live"].items():
        assert selectors.filtered_appeals(manager, {"kpi": kpi}, now=NOW).count() == figure


def test_overdue_falls_back_to_the_subquery_when_the_sweep_is_far_behind(mixed, manager, monkeypatch):
    _, live = straightforward(manager)
    monkeypatch.setattr(selectors, "LATE_LIST_LIMIT", 1)
    assert not isinstance(selectors.running_late_appeals(NOW), list)
    assert selectors.dashboard(manager, PARAMS, now=NOW)["live"] == live
