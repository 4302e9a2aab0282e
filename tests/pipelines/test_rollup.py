"""Monthly and quarterly snapshots: idempotent, closed periods keep their figure, corrections are visible."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from pipelines.models import Stage, TargetSnapshot
from pipelines.services.projects import move_stage
from pipelines.services.rollup import month, parse_period, quarter, rollup
from tests.pipelines.factories import ProjectFactory, TargetFactory

pytestmark = pytest.mark.django_db


def at(year, m, d):
    return timezone.make_aware(dt.datetime(year, m, d, 2, 0))


def sign(street, on):
    project = ProjectFactory(street=street, planned_investment=Decimal("20"), stage=Stage.NEGOTIATION)
    move_stage(project, Stage.SIGNED, actor=project.officer, on=on)
    return project


@pytest.fixture
def year():
    return dt.date.today().year - 1  # a finished year: every period can be closed


def test_rollup_creates_months_and_quarters_and_is_idempotent(street, year):
    target = TargetFactory(street=street, year=year, metric="signed_10")
    sign(street, dt.date(year, 2, 10))
    sign(street, dt.date(year, 5, 3))
    now = at(year + 1, 1, 2)
    assert rollup(year, now=now) == 16
    assert rollup(year, now=now) == 16
    assert TargetSnapshot.objects.filter(target=target).count() == 16
    snaps = {s.period_label: s for s in TargetSnapshot.objects.filter(target=target)}
    assert snaps[f"{year}-02"].value == 1 and snaps[f"{year}-05"].value == 1 and snaps[f"{year}-03"].value == 0
    assert snaps[f"{year}-Q1"].value == 1 and snaps[f"{year}-Q2"].value == 1
    assert all(s.is_final and s.corrected_value is None for s in snaps.values())


def test_closed_period_keeps_its_figure_and_records_the_correction(street, year):
    target = TargetFactory(street=street, year=year, metric="signed_10")
    sign(street, dt.date(year, 2, 10))
    rollup(year, period=quarter(year, 1), now=at(year, 4, 1))
    late = sign(street, dt.date(year, 3, 20))  # recorded late, dated back into Q1
    rollup(year, period=quarter(year, 1), now=at(year, 7, 1))
    snap = TargetSnapshot.objects.get(target=target, period_kind="quarter", period_start=dt.date(year, 1, 1))
    assert snap.value == 1 and snap.corrected_value == 2 and snap.corrected_at is not None
    # Rerunning changes nothing more.
    rollup(year, period=quarter(year, 1), now=at(year, 8, 1))
    snap.refresh_from_db()
    assert (snap.value, snap.corrected_value) == (1, 2)
    # If the data goes back to what was reported, the correction disappears.
    late.delete()
    rollup(year, period=quarter(year, 1), now=at(year, 9, 1))
    snap.refresh_from_db()
    assert (snap.value, snap.corrected_value) == (1, None)


def test_open_period_is_overwritten_until_it_ends(street, year):
    target = TargetFactory(street=street, year=year, metric="signed_10")
    sign(street, dt.date(year, 3, 2))
    rollup(year, period=month(year, 3), now=at(year, 3, 10))
    snap = TargetSnapshot.objects.get(target=target, period_kind="month", period_start=dt.date(year, 3, 1))
    assert not snap.is_final and snap.value == 1
    sign(street, dt.date(year, 3, 12))
    rollup(year, period=month(year, 3), now=at(year, 4, 1))
    snap.refresh_from_db()
    assert snap.is_final and snap.value == 2 and snap.corrected_value is None


def test_manual_metrics_are_not_snapshotted(street, year):
    TargetFactory(street=street, year=year, metric="fixed_asset_investment_manual", manual_actual=Decimal("30"))
    assert rollup(year, now=at(year + 1, 1, 2)) == 0


def test_parse_period():
    assert parse_period("2026-q2") == quarter(2026, 2)
    assert parse_period("2026-03") == month(2026, 3)
    with pytest.raises(ValueError):
        parse_period("2026-13")


def test_command_runs_one_period_and_rejects_bad_input(street, year):
    TargetFactory(street=street, year=year, metric="signed_10")
    out = StringIO()
    call_command("rollup_targets", "--year", str(year), "--period", f"{year}-Q1", stdout=out)
    assert "1" in out.getvalue()
    assert TargetSnapshot.objects.count() == 1
    with pytest.raises(CommandError):
        call_command("rollup_targets", "--year", str(year), "--period", f"{year + 1}-Q1")
    with pytest.raises(CommandError):
        call_command("rollup_targets", "--year", str(year), "--period", "Q5")
