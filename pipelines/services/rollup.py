"""Nightly rollup of targets into monthly and quarterly snapshots.

A snapshot holds the amount reached within its period. While the period is running, each run overwrites it.
The first run after the period has ended closes it (`is_final`): from then on `value` never changes, and a
different recomputed figure (data corrected later) is stored in `corrected_value` — shown as 修正后 X. Rerunning
any period is therefore safe and idempotent.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from pipelines.metrics import METRICS, Scope
from pipelines.models import Target, TargetSnapshot, period_label

PeriodKind = TargetSnapshot.PeriodKind


@dataclass(frozen=True)
class Period:
    kind: str
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        return period_label(self.kind, self.start)


def month(year: int, m: int) -> Period:
    return Period(PeriodKind.MONTH, dt.date(year, m, 1), dt.date(year, m, calendar.monthrange(year, m)[1]))


def quarter(year: int, q: int) -> Period:
    first = 3 * (q - 1) + 1
    return Period(PeriodKind.QUARTER, dt.date(year, first, 1), month(year, first + 2).end)


def periods_of_year(year: int, today: dt.date) -> list[Period]:
    """Months and quarters of the year that have started by today."""
    all_periods = [month(year, m) for m in range(1, 13)] + [quarter(year, q) for q in range(1, 5)]
    return [p for p in all_periods if p.start <= today]


def parse_period(text: str) -> Period:
    """'2026-Q1' or '2026-03'."""
    text = text.strip().upper()
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", text):
        return quarter(int(m[1]), int(m[2]))
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
        if 1 <= int(m[2]) <= 12:
            return month(int(m[1]), int(m[2]))
    raise ValueError(f"无法识别的统计周期：{text}（应为 2026-Q1 或 2026-03）")


def snapshot_target(target: Target, period: Period, *, now: dt.datetime) -> TargetSnapshot | None:
    metric = METRICS.get(target.metric)
    if metric is None or metric.manual:
        return None
    value = metric.compute(Scope.of_target(target), period.start, period.end).value
    ended = period.end < timezone.localdate(now)
    with transaction.atomic():
        snap, created = TargetSnapshot.objects.select_for_update().get_or_create(
            target=target, period_kind=period.kind, period_start=period.start,
            defaults={"period_end": period.end, "value": value, "computed_at": now, "is_final": ended},
        )
        if created:
            return snap
        if not snap.is_final:
            snap.value, snap.computed_at, snap.is_final = value, now, ended
            snap.save(update_fields=["value", "computed_at", "is_final"])
        elif value != snap.value:
            if snap.corrected_value != value:
                snap.corrected_value, snap.corrected_at = value, now
                snap.save(update_fields=["corrected_value", "corrected_at"])
        elif snap.corrected_value is not None:
            # The data went back to what was reported: no correction any more.
            snap.corrected_value, snap.corrected_at = None, now
            snap.save(update_fields=["corrected_value", "corrected_at"])
    return snap


def rollup(year: int, *, period: Period | None = None, street_id: int | None = None,
           now: dt.datetime | None = None) -> int:
    """Compute the snapshots of every target of the year (optionally one period / one street). Returns how many."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if period is not None and period.start.year != year:
        raise ValueError("统计周期与年度不一致")
    periods = [period] if period else periods_of_year(year, today)
    targets = Target.objects.filter(year=year).select_related("street")
    if street_id:
        targets = targets.filter(street_id=street_id)
    count = 0
    for target in targets:
        for p in periods:
            if snapshot_target(target, p, now=now) is not None:
                count += 1
    return count
