"""The demo street looks like a street that keeps its promises: a minority overdue, fewer under 督办."""

import pytest

pytestmark = pytest.mark.django_db


def test_demo_loads_once_with_realistic_overdue_and_escalated_shares():
    from appeals import demo
    from appeals.models import Appeal
    from crm import demo as crm_demo

    crm_demo.load()
    summary = demo.load()
    assert summary["appeals"] == 120
    # Targets ~10-15 % overdue and ~5-10 %督办; the bounds leave room for the calendar of the day it runs.
    assert 0.06 <= summary["overdue"] / 120 <= 0.18, summary
    assert 0.03 <= summary["escalated"] / 120 <= 0.11, summary
    assert summary["escalated"] <= summary["overdue"]
    assert demo.load() == {} and Appeal.objects.count() == 120
