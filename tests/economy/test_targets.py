"""A growth-rate target in the 挂图作战 dashboard: the computed growth against the target, with its light, and the
frozen monthly snapshot."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from pipelines.models import Target, TargetSnapshot
from pipelines.selectors import progress
from pipelines.services.rollup import month, rollup
from tests.economy.factories import import_file, monthly_xlsx
from tests.economy.test_computations import MAY, A

TODAY = dt.date(2026, 6, 15)


@pytest.fixture
def may(street, tmp_path):
    import_file(tmp_path, monthly_xlsx(5, MAY), "2026-05", name="may.xlsx")  # growth 65.0 % (test_computations)


def test_growth_target_is_tracked_against_the_computed_growth(may, street):
    reached = Target.objects.create(street=street, year=2026, metric="growth_industrial_output", target_value=10)
    missed = Target.objects.create(street=street, year=2026, metric="growth_revenue", target_value=10)
    high = Target.objects.create(street=street, year=2025, metric="growth_industrial_output", target_value=10)
    row = progress(reached, TODAY)
    assert row.actual == Decimal("65.0000") and row.light == "green"
    assert progress(missed, TODAY).light == "red"  # no service figures: 0 % against 10 %
    assert progress(high, dt.date(2025, 6, 1)).actual == 0  # 2025 has no figures


def test_growth_target_light_on_the_dashboard(may, street, manager, client_for):
    Target.objects.create(street=street, year=2026, metric="growth_industrial_output", target_value=70)
    html = client_for(manager).get(reverse("pipelines:dashboard"), {"year": 2026}).content.decode()
    assert "规上工业总产值增速" in html
    assert 'class="light yellow"' in html or 'class="light red"' in html  # 65 % against 70 %: not green
    assert 'class="light green"' not in html


def test_monthly_snapshot_freezes_the_growth_and_a_revision_is_shown_as_corrected(may, street, tmp_path):
    target = Target.objects.create(street=street, year=2026, metric="growth_industrial_output", target_value=10)
    now = dt.datetime(2026, 6, 15, 12, tzinfo=dt.timezone.utc)
    rollup(2026, period=month(2026, 5), now=now)
    snap = TargetSnapshot.objects.get(target=target, period_kind="month")
    assert snap.value == Decimal("65.0000") and snap.is_final
    revised = [(A, "甲公司", "马田街道", 20, 120, 100)] + MAY[1:]  # Σytd 320, Σlast year 200 → 60 %
    import_file(tmp_path, monthly_xlsx(5, revised), "2026-05", name="may_revised.xlsx")
    rollup(2026, period=month(2026, 5), now=now)
    snap.refresh_from_db()
    assert snap.value == Decimal("65.0000") and snap.corrected_value == Decimal("60.0000")
