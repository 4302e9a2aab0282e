"""Target metrics: the one place that says how each annual target is counted.

Each metric is `function(scope, start, end) -> MetricResult(value, rows)`: the amount reached between `start` and
`end` (inclusive) and the queryset behind it, for drill-down. Rows are projects, events or enterprises; the view
narrows them further with `.visible_to(user)`.

Attribution to a team or an officer:
- project metrics: the project's team / officer in charge;
- event metrics: the event's team / officer;
- enterprise metrics (新增四上, 专精特新, 上市, …): the firms linked to projects the team / officer brought in
  (招商落地企业). Firms reached through liaison work are counted for the street only.

Enterprise metrics are dated by the classification: its `valid_from` when present, else the day it was recorded,
clamped into the classification's year, so the months of a year add up to the year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Greatest, Least, TruncDate
from django.utils.translation import gettext_lazy as _

from enterprises.models import Classification, Enterprise
from pipelines.models import Event, Project, ScopeKind, Tier


@dataclass(frozen=True)
class Scope:
    street_id: int
    kind: str = ScopeKind.STREET
    team_id: int | None = None
    officer_id: int | None = None

    @classmethod
    def of_target(cls, target) -> Scope:
        return cls(street_id=target.street_id, kind=target.scope_kind, team_id=target.team_id,
                   officer_id=target.officer_id)


@dataclass
class MetricResult:
    value: Decimal
    rows: QuerySet | None  # None for manual metrics


@dataclass(frozen=True)
class Metric:
    code: str
    label: str
    unit: str
    func: Callable[[Scope, dt.date, dt.date], MetricResult] | None
    # "project", "event" or "enterprise": what the drill-down lists.
    row_kind: str = "project"
    help: str = ""
    # A rate (growth %, as of the period's end) rather than an amount reached within the period: snapshots are not
    # added up, and the light compares the rate with the target (selectors.rate_status).
    rate: bool = False
    # For a metric that sums a figure of its rows: that figure (a field name or an expression), so the
    # drill-down shows each row's share of the card's number. None for counts (each row counts one).
    figure: object = None

    @property
    def manual(self) -> bool:
        return self.func is None

    def compute(self, scope: Scope, start: dt.date, end: dt.date) -> MetricResult:
        if self.func is None:
            raise ValueError(f"metric {self.code} is manual")
        return self.func(scope, start, end)


METRICS: dict[str, Metric] = {}


def register(code: str, label, unit, row_kind: str = "project", help: str = "", rate: bool = False, figure=None):
    def decorator(func):
        METRICS[code] = Metric(code, label, unit, func, row_kind, help, rate, figure)
        return func

    return decorator


def register_manual(code: str, label, unit, help: str = "") -> None:
    METRICS[code] = Metric(code, label, unit, None, "", help)


def metric_label(code: str) -> str:
    metric = METRICS.get(code)
    return str(metric.label) if metric else code


def metric_choices() -> list[tuple[str, str]]:
    return [(m.code, f"{m.label}（{m.unit}）" + (" · 手工填报" if m.manual else "")) for m in METRICS.values()]


# ---------------------------------------------------------------------------------------------------------------
# Scoping helpers


def _projects(scope: Scope) -> QuerySet:
    qs = Project.objects.filter(street_id=scope.street_id)
    if scope.kind == ScopeKind.TEAM:
        qs = qs.filter(team_id=scope.team_id)
    elif scope.kind == ScopeKind.OFFICER:
        qs = qs.filter(officer_id=scope.officer_id)
    return qs


def _count(qs: QuerySet) -> MetricResult:
    return MetricResult(Decimal(qs.count()), qs)


def _sum(qs: QuerySet, field: str | Coalesce) -> MetricResult:
    total = qs.aggregate(total=Sum(field))["total"]
    return MetricResult(Decimal(total or 0), qs)


# ---------------------------------------------------------------------------------------------------------------
# Projects


def _signed(scope: Scope, start: dt.date, end: dt.date) -> QuerySet:
    return _projects(scope).filter(signed_on__range=(start, end))


@register("signed_100", _("签约百亿级项目"), _("个"))
def signed_hundred(scope, start, end):
    return _count(_signed(scope, start, end).filter(tier=Tier.HUNDRED))


@register("signed_10", _("签约十亿级项目"), _("个"))
def signed_ten(scope, start, end):
    return _count(_signed(scope, start, end).filter(tier=Tier.TEN))


@register("signed_1", _("签约亿元级项目"), _("个"))
def signed_one(scope, start, end):
    return _count(_signed(scope, start, end).filter(tier=Tier.ONE))


@register("signed_key", _("招引重点项目（亿元以上）"), _("宗"))
def signed_key(scope, start, end):
    return _count(_signed(scope, start, end).exclude(tier=Tier.BELOW))


SIGNED_INVESTMENT = "planned_investment"


@register("signed_investment", _("签约项目计划投资额"), _("亿元"), figure=SIGNED_INVESTMENT)
def signed_investment(scope, start, end):
    return _sum(_signed(scope, start, end), SIGNED_INVESTMENT)


@register("registered_firms", _("项目新增注册企业"), _("家"))
def registered_firms(scope, start, end):
    return _count(_projects(scope).filter(registered_on__range=(start, end)))


@register("counted_projects", _("项目纳统"), _("个"))
def counted_projects(scope, start, end):
    return _count(_projects(scope).filter(counted_on__range=(start, end)))


COUNTED_OUTPUT = Coalesce("actual_output", "expected_output")


@register("counted_output", _("新增纳统产值"), _("亿元"), help=_("纳统项目的纳统产值，未填报时按预计年产值"),
          figure=COUNTED_OUTPUT)
def counted_output(scope, start, end):
    return _sum(_projects(scope).filter(counted_on__range=(start, end)), COUNTED_OUTPUT)


# ---------------------------------------------------------------------------------------------------------------
# Events


@register("events_held", _("举办招商活动"), _("场"), row_kind="event")
def events_held(scope, start, end):
    qs = Event.objects.filter(street_id=scope.street_id, held_on__range=(start, end))
    if scope.kind == ScopeKind.TEAM:
        qs = qs.filter(team_id=scope.team_id)
    elif scope.kind == ScopeKind.OFFICER:
        qs = qs.filter(officer_id=scope.officer_id)
    return _count(qs)


@register("event_leads", _("活动新增项目线索"), _("个"))
def event_leads(scope, start, end):
    return _count(_projects(scope).filter(source_event__isnull=False, created_at__date__range=(start, end)))


# ---------------------------------------------------------------------------------------------------------------
# Enterprises (from classifications)


def _enterprises(scope: Scope) -> QuerySet:
    qs = Enterprise.objects.filter(street_id=scope.street_id)
    if scope.kind != ScopeKind.STREET:
        qs = qs.filter(pk__in=_projects(scope).filter(enterprise__isnull=False).values("enterprise_id"))
    return qs


def _fact_date():
    """When a classification became known: valid_from, else the day it was recorded."""
    return Coalesce("valid_from", TruncDate("created_at"))


def _dated_in_year(facts: QuerySet, start: dt.date, end: dt.date) -> QuerySet:
    """Yearly facts of start's year, dated by _fact_date() clamped into that year, falling in [start, end]."""
    year = start.year
    clamped = Least(Greatest(_fact_date(), Value(dt.date(year, 1, 1))), Value(dt.date(year, 12, 31)))
    return facts.filter(year=year).annotate(effective_on=clamped).filter(effective_on__range=(start, end))


def _new_by_year(kind: str, categories: list[str] | None, scope, start, end, *, before: str = "previous") -> MetricResult:
    """Firms with a fact of `kind` for the year, that had none the previous year (or ever before)."""
    facts = Classification.objects.filter(kind=kind)
    if categories:
        facts = facts.filter(category__in=categories)
    current = _dated_in_year(facts, start, end)
    earlier = facts.filter(year=start.year - 1) if before == "previous" else facts.filter(year__lt=start.year)
    qs = _enterprises(scope).filter(pk__in=current.values("enterprise_id")).exclude(
        pk__in=earlier.values("enterprise_id")
    )
    return _count(qs)


@register("new_sishang", _("新增“四上”企业"), _("家"), row_kind="enterprise",
          help=_("当年列入四上名录、上年未列入的企业"))
def new_sishang(scope, start, end):
    return _new_by_year("sishang", None, scope, start, end)


@register("new_zjtx", _("新增专精特新企业"), _("家"), row_kind="enterprise",
          help=_("当年首次认定为市级、省级专精特新或国家级小巨人"))
def new_zjtx(scope, start, end):
    return _new_by_year("zjtx", ["municipal", "provincial", "little_giant"], scope, start, end, before="ever")


@register("new_little_giant", _("新增国家级专精特新“小巨人”"), _("家"), row_kind="enterprise")
def new_little_giant(scope, start, end):
    return _new_by_year("zjtx", ["little_giant"], scope, start, end, before="ever")


@register("new_listed", _("新增上市公司"), _("家"), row_kind="enterprise")
def new_listed(scope, start, end):
    listed = Classification.objects.filter(kind="listed", valid_from__range=(start, end))
    earlier = Classification.objects.filter(kind="listed", valid_from__lt=start)
    return _count(_enterprises(scope).filter(pk__in=listed.values("enterprise_id")).exclude(
        pk__in=earlier.values("enterprise_id")))


# ---------------------------------------------------------------------------------------------------------------
# Manual: the system holds no data for these.

@register("fixed_asset_investment", _("固定资产投资"), _("亿元"), row_kind="investment",
          help=_("固投项目库各项目月度完成投资之和（space 应用导入的区固投月报）"))
def fixed_asset_investment(scope, start, end):
    from space.services.investment import completed

    total, rows = completed(scope.street_id, start, end,
                            officer_id=scope.officer_id if scope.kind == ScopeKind.OFFICER else None,
                            team_id=scope.team_id if scope.kind == ScopeKind.TEAM else None)
    return MetricResult((total / Decimal("10000")).quantize(Decimal("0.0001")), rows)  # 万元 → 亿元


# Fallback only for a street that has no 固投 project library yet.
register_manual("fixed_asset_investment_manual", _("固定资产投资（手工填报·未建固投项目库时使用）"), _("亿元"),
                help=_("由发改/统计部门提供，手工填报；建立固投项目库后请改用“固定资产投资”"))
register_manual("new_billion_output_firms", _("新增年产值10亿以上企业"), _("家"), help=_("手工填报"))


def compute(code: str, scope: Scope, start: dt.date, end: dt.date) -> MetricResult:
    return METRICS[code].compute(scope, start, end)


