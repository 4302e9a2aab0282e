"""Read queries for the appeal pages, the dashboard and exports. Every one starts from visible_to(user).

The KPI definitions live here once (KPI_FILTERS): the dashboard counts with them and the drill-down list filters
with the same Q objects, so a number and the list behind it always agree.
"""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy

from appeals.models import Appeal, DeadlineMove, DepartmentTask, ExtensionRequest, SlaClock
from appeals.services.clocks import light
from crm.models import Role, pick_name
from crm.services.workcalendar import local_tz

S = Appeal.Status
OPEN = (S.NEW, S.SIGNED, S.IN_PROGRESS, S.TRANSFERRED, S.RESOLVED)
PAGE_SIZE = 50


def _overdue_clocks(now: dt.datetime) -> Q:
    return Q(state=SlaClock.State.RUNNING, due_at__lt=now) | Q(state=SlaClock.State.BREACHED)


def kpi_filters(now: dt.datetime) -> dict[str, Q]:
    end_of_day = dt.datetime.combine(now.astimezone(local_tz()).date(), dt.time.max, tzinfo=local_tz())
    # Breached clocks are flagged on the appeal (set-based, by the services and the sweep); clocks past due
    # that the next sweep has not reached yet come from the small partial index of running clocks.
    running_late = running_late_appeals(now)
    due_today = SlaClock.objects.filter(state=SlaClock.State.RUNNING, due_at__gte=now, due_at__lte=end_of_day,
                                        appeal=OuterRef("pk"))
    return {
        "response_due": Q(response_outcome__in=("met", "breached")),
        "response_met": Q(response_outcome="met"),
        "resolution_due": Q(resolution_outcome__in=("met", "met_extended", "breached")),
        "resolution_met": Q(resolution_outcome__in=("met", "met_extended")),
        "resolution_extended": Q(resolution_outcome="met_extended"),
        "resolution_late": Q(resolution_outcome="breached"),
        "followup_due": Q(followup_required=True, resolved_at__isnull=False) & ~Q(status=S.MERGED),
        "followed_up": Q(followed_up=True),
        "satisfied": Q(followed_up=True, satisfaction__in=("satisfied", "basically")),
        "unsatisfied": Q(followed_up=True, satisfaction="unsatisfied"),
        # The other side of each rate (its denominator without its numerator), for the drill-downs.
        "response_missed": Q(response_outcome="breached"),
        "not_satisfied": Q(followed_up=True) & ~Q(satisfaction__in=("satisfied", "basically")),
        "not_followed_up": (Q(followup_required=True, resolved_at__isnull=False, followed_up=False)
                            & ~Q(status=S.MERGED)),
        "open": Q(status__in=OPEN),
        "overdue": Q(status__in=OPEN) & (Q(has_breach=True) | Q(pk__in=running_late)),
        "due_today": Q(status__in=OPEN) & Exists(due_today),
        "escalated": Q(status__in=OPEN, escalated=True),
        "all": Q(),
    }


LATE_LIST_LIMIT = 2000


def running_late_appeals(now: dt.datetime):
    """Appeals with a running clock already past due (the sweep has not breached it yet): normally a handful.
    Read in due order with a bound, so PostgreSQL walks the partial (due_at) index of running clocks and stops
    at once - as a bare subquery the planner guesses from whole-table statistics that most running clocks are
    late and reads them all. When the sweep is far behind (more than the bound), the plain subquery it is."""
    late = SlaClock.objects.filter(state=SlaClock.State.RUNNING, due_at__lt=now)
    ids = list(late.order_by("due_at").values_list("appeal_id", flat=True)[:LATE_LIST_LIMIT + 1])
    if len(ids) > LATE_LIST_LIMIT:
        return late.values("appeal_id")
    return sorted(set(ids))


def live_counts(base: QuerySet, now: dt.datetime, filters: dict[str, Q] | None = None) -> dict[str, int]:
    """overdue / due today / escalated, counted as disjoint parts whose union is exactly the KPI filter the
    drill-down uses: "open and flagged breached" is an index-only count on the small partial index of open
    appeals, "open, not flagged, with a clock past due that the sweep has not reached yet" a handful of rows
    from the partial index of running clocks. One OR over both would make PostgreSQL visit every open row."""
    filters = filters or kpi_filters(now)
    running_late = running_late_appeals(now)
    open_ = base.filter(status__in=OPEN)
    return {
        "overdue": open_.filter(has_breach=True).count()
        + open_.filter(has_breach=False, pk__in=running_late).count(),
        "due_today": base.filter(filters["due_today"]).count(),
        "escalated": base.filter(filters["escalated"]).count(),
    }


KPI_LABELS = {
    "response_met": gettext_lazy("按时响应"),
    "response_due": gettext_lazy("应响应"),
    "resolution_met": gettext_lazy("按时办结"),
    "resolution_due": gettext_lazy("应办结"),
    "resolution_extended": gettext_lazy("延期后按时办结"),
    "resolution_late": gettext_lazy("超时办结"),
    "followup_due": gettext_lazy("应回访"),
    "followed_up": gettext_lazy("已回访"),
    "satisfied": gettext_lazy("满意（含基本满意）"),
    "unsatisfied": gettext_lazy("不满意"),
    "open": gettext_lazy("在办"),
    "response_missed": gettext_lazy("未按时响应"),
    "not_satisfied": gettext_lazy("不满意（回访结果）"),
    "not_followed_up": gettext_lazy("应回访未回访"),
    "overdue": gettext_lazy("当前超时"),
    "due_today": gettext_lazy("今日到期"),
    "escalated": gettext_lazy("挂单督办"),
    "all": gettext_lazy("全部"),
}
RATES = [
    ("response_rate", gettext_lazy("响应率"), "response_met", "response_due"),
    ("resolution_rate", gettext_lazy("按时办结率"), "resolution_met", "resolution_due"),
    ("satisfaction_rate", gettext_lazy("满意率"), "satisfied", "followed_up"),
    ("followup_rate", gettext_lazy("回访率"), "followed_up", "followup_due"),
]
# Each rate's two sides: met (its numerator) and missed (the rest of its denominator).
RATE_SIDES = {
    "response_rate": ("response_met", "response_missed", "response_due"),
    "resolution_rate": ("resolution_met", "resolution_late", "resolution_due"),
    "satisfaction_rate": ("satisfied", "not_satisfied", "followed_up"),
    "followup_rate": ("followed_up", "not_followed_up", "followup_due"),
}
DIMENSIONS = {
    "street": ("street", "street__name", gettext_lazy("街道")),
    "community": ("community", "community__name", gettext_lazy("社区")),
    "category": ("category", "category__name", gettext_lazy("类别")),
    "department": ("lead_department", "lead_department__name", gettext_lazy("主办部门")),
    "officer": ("officer", "officer__last_name", gettext_lazy("责任专员")),
}
# Dimensions whose rows have an English name (crm.models.bilingual): read with the Chinese one, shown by pick_name.
DIMENSION_NAMES_EN = {"category": "category__name_en", "department": "lead_department__name_en"}
COUNTED = ("response_met", "response_due", "resolution_met", "resolution_due", "resolution_extended",
           "followed_up", "followup_due", "satisfied")


def appeals_for_enterprise(enterprise, user, limit: int = 20) -> QuerySet:
    """For the enterprise 360° page: this firm's appeals the user may see, newest first."""
    return (Appeal.objects.visible_to(user).filter(enterprise=enterprise)
            .select_related("category", "officer").order_by("-received_at", "-id")[:limit])


def filtered_appeals(user, params, now: dt.datetime | None = None) -> QuerySet:
    """The list and the drill-down: filters from the query string, all optional, bad values ignored."""
    now = now or timezone.now()
    qs = Appeal.objects.visible_to(user)
    kpi = params.get("kpi")
    if kpi in kpi_filters(now):
        qs = qs.filter(kpi_filters(now)[kpi])
    for key, field in (("status", "status"), ("urgency", "urgency"), ("source", "source")):
        if params.get(key):
            qs = qs.filter(**{field: params[key]})
    for key, field in (("street", "street_id"), ("community", "community_id"), ("category", "category_id"),
                       ("department", "lead_department_id"), ("officer", "officer_id"),
                       ("enterprise", "enterprise_id")):
        value = params.get(key)
        if value and str(value).isdigit():
            qs = qs.filter(**{field: int(value)})
        elif value == "none":
            qs = qs.filter(**{field: None})
    start, end = period(params, now)
    qs = qs.filter(received_at__gte=start, received_at__lt=end) if params.get("from") or params.get("to") else qs
    if params.get("q"):
        qs = qs.filter(Q(title__icontains=params["q"]) | Q(enterprise__name__icontains=params["q"]))
    return qs


def drill_sides(user, params, now: dt.datetime | None = None) -> dict | None:
    """A KPI drill-down lists both sides of its rate: the appeals that met the target and those that missed it,
    each with its count (one grouped count over the same filters and period, never the whole table: counts are
    given only when the drill-down carries a period, as every dashboard link does)."""
    kpi = params.get("kpi")
    # A KPI that is one rate's numerator and another's denominator (已回访) belongs to the rate it is met for.
    rate = next((r for position in range(3) for r, sides in RATE_SIDES.items() if sides[position] == kpi), None)
    if rate is None:
        return None
    met, missed, due = RATE_SIDES[rate]
    now = now or timezone.now()
    label = str(next(label for key, label, _n, _d in RATES if key == rate))
    counts = None
    if params.get("from") or params.get("to"):
        rest = {k: v for k, v in params.items() if k not in ("kpi", "after")}
        filters = kpi_filters(now)
        counts = filtered_appeals(user, rest, now).filter(filters[due]).aggregate(
            met=Count("id", filter=filters[met]), missed=Count("id", filter=filters[missed]))
    sides = [{"kpi": met, "label": str(KPI_LABELS[met]), "count": counts["met"] if counts else None},
             {"kpi": missed, "label": str(KPI_LABELS[missed]), "count": counts["missed"] if counts else None},
             {"kpi": due, "label": str(KPI_LABELS[due]),
              "count": (counts["met"] + counts["missed"]) if counts else None}]
    for side in sides:
        side["current"] = side["kpi"] == kpi
    return {"rate": label, "sides": sides}


def period(params, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """[from, to) in Asia/Shanghai days; default the last 90 days."""
    tz = local_tz()
    today = now.astimezone(tz).date()

    def day(key, default):
        try:
            return dt.date.fromisoformat(params.get(key) or "")
        except ValueError:
            return default

    start = day("from", today - dt.timedelta(days=89))
    end = day("to", today)
    return dt.datetime.combine(start, dt.time(), tzinfo=tz), dt.datetime.combine(end + dt.timedelta(days=1),
                                                                                  dt.time(), tzinfo=tz)


def page(qs: QuerySet, after: str | None) -> tuple[list[Appeal], str | None]:
    """Keyset pagination on (received_at, id) descending: no OFFSET, no COUNT."""
    qs = qs.select_related("enterprise", "category", "officer", "lead_department").order_by("-received_at", "-id")
    if after and "_" in after:
        stamp, _, pk = after.partition("_")
        try:
            instant = dt.datetime.fromisoformat(stamp.replace(" ", "+"))
            qs = qs.filter(Q(received_at__lt=instant) | Q(received_at=instant, id__lt=int(pk)))
        except ValueError:
            pass
    rows = list(qs[: PAGE_SIZE + 1])
    next_key = None
    if len(rows) > PAGE_SIZE:
        rows = rows[:PAGE_SIZE]
        last = rows[-1]
        next_key = f"{last.received_at.isoformat()}_{last.pk}"
    clocks: dict[int, list[SlaClock]] = {}
    for clock in SlaClock.objects.filter(appeal_id__in=[r.pk for r in rows]):
        clocks.setdefault(clock.appeal_id, []).append(clock)
    for row in rows:
        row.light = light(row, clocks.get(row.pk, []))
        # The most pressing deadline of this round (running or breached), for the list's 时限 column.
        pending = [c.due_at for c in clocks.get(row.pk, []) if c.round == row.round and c.state in (
            SlaClock.State.RUNNING, SlaClock.State.BREACHED)]
        row.next_due = min(pending) if pending and row.is_open else None
    return rows, next_key


def _rates(row: dict) -> list[dict]:
    result = []
    for key, label, num, den in RATES:
        n, d = row.get(f"n_{num}") or 0, row.get(f"n_{den}") or 0
        result.append({"key": key, "label": str(label), "num": n, "den": d, "num_kpi": num, "den_kpi": den,
                       "value": round(100 * n / d, 1) if d else None,
                       "formula": f"{label} = {KPI_LABELS[num]} {n} ÷ {KPI_LABELS[den]} {d}"})
    return result


def dashboard(user, params, now: dt.datetime | None = None) -> dict:
    """The managers' SLA dashboard: rates with their formulas, live counts, breakdowns and trends.

    Each block is one grouped aggregate over the period's appeals (index street+received_at)."""
    now = now or timezone.now()
    filters = kpi_filters(now)
    base = Appeal.objects.visible_to(user)
    start, end = period(params, now)
    in_period = base.filter(received_at__gte=start, received_at__lt=end)
    # Aliases are prefixed: an aggregate may not share a name with a model field (followed_up).
    aggregates = {f"n_{k}": Count("id", filter=filters[k]) for k in COUNTED}
    live = live_counts(base, now, filters)
    dim = params.get("by") if params.get("by") in DIMENSIONS else "category"
    field, name_field, label = DIMENSIONS[dim]
    label = str(label)
    # One scan of the period: every group of the chosen dimension (bounded by the number of categories,
    # communities, departments or officers), and the totals as their sum - each appeal is in exactly one group
    # (the unassigned ones in the NULL group), so the sum is the period's total.
    name_en_field = DIMENSION_NAMES_EN.get(dim)
    columns = (field, name_field, name_en_field) if name_en_field else (field, name_field)
    groups = list(in_period.values(*columns).annotate(total=Count("id"), **aggregates).order_by("-total"))
    totals = {key: sum(g[key] for g in groups) for key in ("total", *aggregates)}
    rows = groups[:50]
    for row in rows:
        name = pick_name(row[name_field], row.get(name_en_field)) if name_en_field else row[name_field]
        row["id"], row["name"], row["rates"] = row[field], name or _("（未指定）"), _rates(row)
    breakdowns = {"dim": dim, "label": label, "rows": rows, "more": len(groups) - len(rows)}
    return {"totals": totals, "rates": _rates(totals), "live": live, "breakdown": breakdowns,
            "trends": _trends(user, base, aggregates, now), "start": start.date(),
            "end": (end - dt.timedelta(days=1)).date()}


def _trends(user, base, aggregates, now: dt.datetime) -> dict:
    """A year by month and 26 weeks by week. Past periods do not change, so the series is cached for ten
    minutes per scope: scanning a year of appeals on every view would cost more than the rest of the page."""
    cache_key = f"appeals:trends:{user.role}:{user.street_id}:{user.department_id}:{now.astimezone(local_tz()).date()}"
    cached = cache.get(cache_key)
    if cached is not None:
        return cached
    trend_start = now - dt.timedelta(days=365)
    trends = {}
    for key, trunc, since in (("month", TruncMonth("received_at", tzinfo=local_tz()), trend_start),
                              ("week", TruncWeek("received_at", tzinfo=local_tz()), now - dt.timedelta(weeks=27))):
        series = list(base.filter(received_at__gte=since).annotate(p=trunc).values("p").annotate(
            total=Count("id"), **{f"n_{k}": aggregates[f"n_{k}"] for k in (
                "response_met", "response_due", "resolution_met", "resolution_due", "satisfied", "followed_up")}
        ).order_by("p"))
        if key == "week":
            series = series[-26:]
        trends[key] = [{"period": s["p"].astimezone(local_tz()).date().isoformat(), "total": s["total"],
                        "response_rate": _pct(s["n_response_met"], s["n_response_due"]),
                        "resolution_rate": _pct(s["n_resolution_met"], s["n_resolution_due"]),
                        "satisfaction_rate": _pct(s["n_satisfied"], s["n_followed_up"])} for s in series]
    cache.set(cache_key, trends, 600)
    return trends


def _pct(n, d):
    return round(100 * n / d, 1) if d else None


def department_queue(user) -> QuerySet:
    tasks = DepartmentTask.objects.filter(appeal__in=Appeal.objects.visible_to(user).values("pk"))
    if user.role == Role.DEPARTMENT:
        tasks = tasks.filter(department_id=user.department_id)
    return (tasks.filter(state__in=DepartmentTask.OPEN_STATES).select_related("appeal", "appeal__enterprise",
                                                                               "department")
            .order_by("due_at")[:200])


def pending_extensions(user) -> QuerySet:
    return (ExtensionRequest.objects.visible_to(user).filter(state=ExtensionRequest.State.PENDING)
            .select_related("appeal", "appeal__enterprise", "requested_by").order_by("requested_at")[:200])


def moved_deadlines(user) -> QuerySet:
    return (DeadlineMove.objects.visible_to(user).select_related("appeal", "clock")
            .order_by("-moved_at", "-id")[:300])
