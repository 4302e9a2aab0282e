"""Read queries for the pipeline pages and exports. Every one starts from `visible_to(user)`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy

from crm.models import User
from pipelines.metrics import METRICS, Scope
from pipelines.models import PIPELINE, Project, ScopeKind, Stage, Target, TargetSnapshot
from pipelines.services.projects import next_stage

BOARD_CARDS_PER_STAGE = 15
LIST_PAGE_SIZE = 50


def projects_for_enterprise(enterprise, user: User) -> QuerySet:
    """Projects linked to a firm, as the user may see them by name (links, exports)."""
    return (Project.objects.visible_to(user).filter(enterprise=enterprise)
            .select_related("officer", "team").order_by("-touched_at"))


def projects_named_for_enterprise(enterprise, user: User) -> QuerySet:
    """Every project of the firm in the user's street scope, for the 360° page: a confidential one the user may
    not see is listed as 保密项目 (`Project.visible_name_for`), without a link."""
    return (Project.objects.in_street_scope_of(user).filter(enterprise=enterprise)
            .select_related("officer", "team").order_by("-touched_at"))


@dataclass
class ProjectFilters:
    stage: str = ""
    tier: str = ""
    cluster: int | None = None
    officer: int | None = None
    team: int | None = None
    q: str = ""
    overdue: bool = False

    @classmethod
    def from_query(cls, params) -> ProjectFilters:
        def as_int(name):
            value = params.get(name, "")
            return int(value) if value.isdigit() else None

        return cls(stage=params.get("stage", ""), tier=params.get("tier", ""), cluster=as_int("cluster"),
                   officer=as_int("officer"), team=as_int("team"), q=params.get("q", "").strip()[:50],
                   overdue=params.get("overdue") == "1")

    def apply(self, qs: QuerySet, *, with_stage: bool = True) -> QuerySet:
        if with_stage and self.stage in Stage.values:
            qs = qs.filter(stage=self.stage)
        if self.tier:
            qs = qs.filter(tier=self.tier)
        if self.cluster:
            qs = qs.filter(clusters=self.cluster)
        if self.officer:
            qs = qs.filter(officer_id=self.officer)
        if self.team:
            qs = qs.filter(team_id=self.team)
        if self.q:
            qs = qs.filter(Q(name__contains=self.q) | Q(investor_name__contains=self.q))
        if self.overdue:
            qs = qs.open().filter(next_action_due__lt=timezone.localdate())
        return qs


def board(user: User, filters: ProjectFilters) -> list[dict]:
    """Columns of the kanban: the pipeline stages plus 暂缓 (lost projects are on the list only)."""
    base = filters.apply(Project.objects.visible_to(user), with_stage=False)
    counts = dict(base.values_list("stage").annotate(n=Count("pk")).order_by())
    columns = []
    for stage in [*PIPELINE, Stage.PAUSED]:
        cards = list(base.filter(stage=stage).select_related("officer", "team")
                     .order_by("-touched_at", "-pk")[:BOARD_CARDS_PER_STAGE])
        following = next_stage(stage)
        for card in cards:
            card.next_stage_value = following
            card.next_stage_label = Stage(following).label if following else ""
        columns.append({"stage": stage, "label": stage.label, "count": counts.get(stage.value, 0), "cards": cards})
    return columns


def project_page(user: User, filters: ProjectFilters, before: int | None = None) -> tuple[list[Project], int | None]:
    """Keyset page, newest first. Returns the rows and the key of the next page (or None)."""
    qs = filters.apply(Project.objects.visible_to(user)).select_related("officer", "team").order_by("-pk")
    if filters.cluster:
        qs = qs.distinct()
    if before:
        qs = qs.filter(pk__lt=before)
    rows = list(qs[: LIST_PAGE_SIZE + 1])
    more = len(rows) > LIST_PAGE_SIZE
    rows = rows[:LIST_PAGE_SIZE]
    return rows, (rows[-1].pk if more else None)


# ---------------------------------------------------------------------------------------------------------------
# The 挂图作战 dashboard


@dataclass
class TargetProgress:
    target: Target
    label: str
    unit: str
    manual: bool
    actual: Decimal
    percent: float | None
    elapsed: float
    status: str  # ahead / on_track / behind / done
    months: list[dict] = field(default_factory=list)
    quarters: list[dict] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def light(self) -> str:
        return {"done": "green", "ahead": "green", "on_track": "yellow", "behind": "red"}[self.status]


STATUS_LABELS = {"done": gettext_lazy("已完成"), "ahead": gettext_lazy("超进度"), "on_track": gettext_lazy("基本同步"),
                 "behind": gettext_lazy("滞后")}


def year_elapsed(year: int, today: dt.date) -> float:
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    if today < start:
        return 0.0
    if today > end:
        return 100.0
    return round(((today - start).days + 1) / ((end - start).days + 1) * 100, 1)


def status_for(percent: float | None, elapsed: float) -> str:
    """The one rule for ahead/behind: within 10 points of the calendar is on track."""
    if percent is None:
        return "on_track"
    if percent >= 100:
        return "done"
    if percent >= elapsed:
        return "ahead"
    if percent >= elapsed - 10:
        return "on_track"
    return "behind"


def rate_status(actual: Decimal, target: Decimal, elapsed: float) -> str:
    """A growth-rate target ("增长10%"): the year-to-date growth already runs at the year's pace, so it is compared
    with the target itself; within 1 point below is on track."""
    if actual >= target:
        return "done" if elapsed >= 100 else "ahead"
    return "on_track" if actual >= target - 1 else "behind"


def progress(target: Target, today: dt.date, *, with_periods: bool = False,
             snapshots: list[TargetSnapshot] | None = None) -> TargetProgress:
    """`snapshots`: the target's snapshots by period start, when the caller read several targets' in one query."""
    metric = METRICS.get(target.metric)
    start, end = dt.date(target.year, 1, 1), min(dt.date(target.year, 12, 31), today)
    if metric is None or metric.manual:
        actual = target.manual_actual or Decimal(0)
    else:
        actual = metric.compute(Scope.of_target(target), start, end).value if start <= end else Decimal(0)
    percent = float(actual / target.target_value * 100) if target.target_value else None
    elapsed = year_elapsed(target.year, today)
    item = TargetProgress(
        target=target, label=str(metric.label) if metric else target.metric, unit=str(metric.unit) if metric else "",
        manual=bool(metric is None or metric.manual), actual=actual,
        percent=round(percent, 1) if percent is not None else None, elapsed=elapsed,
        status=status_for(percent, elapsed),
    )
    if metric is not None and metric.rate:
        item.status = rate_status(actual, target.target_value, elapsed)
    if with_periods:
        snaps = snapshots if snapshots is not None else (
            TargetSnapshot.objects.filter(target=target).order_by("period_start"))
        cumulative = Decimal(0)
        for snap in snaps:
            row = {"label": snap.period_label, "value": snap.value, "corrected": snap.corrected_value,
                   "final": snap.is_final, "start": snap.period_start}
            if snap.period_kind == TargetSnapshot.PeriodKind.MONTH:
                rate = metric is not None and metric.rate  # a rate's month is its year-to-date figure already
                cumulative = snap.effective_value if rate else cumulative + snap.effective_value
                row["cumulative"] = cumulative
                item.months.append(row)
            else:
                item.quarters.append(row)
    return item


def targets_for(user: User, year: int, street_id: int | None = None) -> QuerySet:
    qs = Target.objects.visible_to(user).filter(year=year).select_related("street", "team", "officer")
    if street_id:
        qs = qs.filter(street_id=street_id)
    return qs


def target_years(user: User, current: int) -> list[int]:
    """The years the 挂图作战 year select offers: every year with a target, this year and next, newest first."""
    today = timezone.localdate()
    years = set(Target.objects.visible_to(user).order_by().values_list("year", flat=True).distinct())
    return sorted(years | {today.year, today.year + 1, current}, reverse=True)


def dashboard(user: User, year: int, street_id: int | None = None, today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    targets = list(targets_for(user, year, street_id))
    order = list(METRICS)

    def key(t):
        return (t.street_id, order.index(t.metric) if t.metric in order else 99, str(t.scope_label))

    street_targets = [t for t in sorted(targets, key=key) if t.scope_kind == ScopeKind.STREET]
    snapshots: dict[int, list[TargetSnapshot]] = {t.pk: [] for t in street_targets}
    for snap in TargetSnapshot.objects.filter(target__in=street_targets).order_by("target_id", "period_start"):
        snapshots[snap.target_id].append(snap)  # one query for every street target's periods
    street_rows = [progress(t, today, with_periods=True, snapshots=snapshots[t.pk]) for t in street_targets]
    team_rows = [progress(t, today) for t in sorted(targets, key=key) if t.scope_kind == ScopeKind.TEAM]
    officer_rows = [progress(t, today) for t in sorted(targets, key=key) if t.scope_kind == ScopeKind.OFFICER]
    return {"year": year, "today": today, "elapsed": year_elapsed(year, today), "street_rows": street_rows,
            "team_rows": team_rows, "officer_rows": officer_rows}


# Metrics whose unit is an amount (亿元) rather than a count.
AMOUNT_METRICS = ("signed_investment", "counted_output", "fixed_asset_investment")


def chart_data(rows: list[TargetProgress]) -> list[dict]:
    """What pipelines/static/pipelines/dashboard.js draws: cumulative monthly progress against the target."""
    from django.utils.translation import gettext as _

    names = {"cumulative": _("累计完成"), "monthly": _("当月"), "target": _("年度目标"), "month": _("%(m)s月")}
    data = []
    for row in rows:
        if row.manual:
            continue
        data.append({
            "id": row.target.pk, "label": row.label, "unit": row.unit, "target": float(row.target.target_value),
            # Counts (个, 家, 场, 宗) get whole-number axes; the legend names are the series' own, translated.
            "is_count": bool(METRICS.get(row.target.metric)) and row.target.metric not in AMOUNT_METRICS,
            "names": names,
            "months": [r["label"][5:] for r in row.months],
            "cumulative": [float(r["cumulative"]) for r in row.months],
            "monthly": [float(r["corrected"] if r["corrected"] is not None else r["value"]) for r in row.months],
        })
    return data


def drilldown(user: User, target: Target, start: dt.date, end: dt.date):
    """The rows behind a number, within the user's street scope. Projects are all listed, so that their figures
    add up to the card's number; a confidential one the user may not see is named 保密项目 by the template."""
    metric = METRICS[target.metric]
    rows = metric.compute(Scope.of_target(target), start, end).rows
    if rows is None:
        return metric, []
    model = rows.model
    if model is Project:
        visible = (Project.objects.in_street_scope_of(user).filter(pk__in=rows.values("pk"))
                   .select_related("officer").order_by("-signed_on", "-pk"))
        if metric.figure is not None:
            visible = visible.annotate(figure=metric.figure)
        return metric, visible
    return metric, model.objects.visible_to(user).filter(pk__in=rows.values("pk"))


def figure_total(metric, rows) -> Decimal | None:
    """The sum of the drill-down rows' figures (the card's number when the user sees the whole scope)."""
    if metric.figure is None or isinstance(rows, list):
        return None
    return rows.aggregate(total=Sum("figure"))["total"] or Decimal(0)
