"""A KPI drill-down lists both sides of its rate: the appeals that met the target and those that missed it,
each with its count, and the two counts add up to the rate's denominator on the dashboard."""

import pytest
from django.urls import reverse

from appeals import selectors, services
from tests.appeals.factories import at, make_appeal

pytestmark = pytest.mark.django_db

PERIOD = {"from": "2026-11-01", "to": "2026-11-30"}


@pytest.fixture
def two_sides(officer):
    on_time = make_appeal(officer=officer, at_=at(2026, 11, 3, 10), description="按时响应的诉求")
    services.respond(on_time, actor=officer, at=at(2026, 11, 3, 11))
    late = make_appeal(officer=officer, at_=at(2026, 11, 4, 10), description="超时响应的诉求")
    services.respond(late, actor=officer, at=at(2026, 11, 12, 11))
    return on_time, late


def test_both_sides_are_counted_and_add_up_to_the_denominator(manager, two_sides):
    sides = selectors.drill_sides(manager, {**PERIOD, "kpi": "response_met"})
    counts = {s["kpi"]: s["count"] for s in sides["sides"]}
    assert counts == {"response_met": 1, "response_missed": 1, "response_due": 2}
    rate = next(r for r in selectors.dashboard(manager, PERIOD)["rates"] if r["key"] == "response_rate")
    assert (rate["num"], rate["den"]) == (counts["response_met"], counts["response_due"])


def test_the_missed_side_lists_the_late_appeal_only(client_for, manager, two_sides):
    on_time, late = two_sides
    html = client_for(manager).get(reverse("appeals:list"), {**PERIOD, "kpi": "response_missed"}).content.decode()
    assert f"/appeals/{late.pk}/" in html and f"/appeals/{on_time.pk}/" not in html
    # Both sides are offered, with their counts, from the page of either side.
    assert 'data-kpi="response_met"' in html and 'data-kpi="response_missed"' in html


def test_a_drill_down_without_a_period_counts_nothing(manager, two_sides):
    """Counts are taken only over a period (as every dashboard link carries), never over the whole table."""
    sides = selectors.drill_sides(manager, {"kpi": "response_met"})
    assert [s["count"] for s in sides["sides"]] == [None, None, None]


def test_plain_filters_have_no_sides(manager):
    assert selectors.drill_sides(manager, {"kpi": "overdue"}) is None


def test_the_list_labels_its_filters(client_for, officer):
    html = client_for(officer).get(reverse("appeals:list")).content.decode()
    assert "受理日期从" in html and "受理日期至" in html and "时限情况" in html
