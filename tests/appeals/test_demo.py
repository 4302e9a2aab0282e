"""The demo street looks like a street that keeps its promises: a minority overdue, fewer under 督办.

The demo is built backwards from "now"; the test fixes "now" (a Monday in November 2026, on the official 2026
calendar), so the same appeals, clocks and shares come out whatever day the suite runs."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from appeals import demo
from appeals.models import Appeal
from crm import demo as crm_demo

pytestmark = pytest.mark.django_db

FIXED_NOW = dt.datetime(2026, 11, 16, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def fixed_now(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: FIXED_NOW)
    return FIXED_NOW


def test_demo_loads_once_with_realistic_overdue_and_escalated_shares(fixed_now):
    crm_demo.load()
    summary = demo.load()
    assert summary["appeals"] == 120
    # Targets ~10-15 % overdue and ~5-10 % 督办.
    assert 0.06 <= summary["overdue"] / 120 <= 0.18, summary
    assert 0.03 <= summary["escalated"] / 120 <= 0.11, summary
    assert summary["escalated"] <= summary["overdue"]
    assert Appeal.objects.filter(received_at__gt=fixed_now).count() == 0
    assert demo.load() == {} and Appeal.objects.count() == 120
