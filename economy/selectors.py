"""Every number of the economy pages, the export and `economy report`, one definition each (set-based SQL).

Scope: a street (the street the bureau's file filed the figure under) or the district (every street).
- firms, Σ本年累计 (ytd), Σ上年同期累计 (ytd_last_year; empty counts as 0) over the firms with a row for that month
  and indicator in scope (read from the StreetMonthTotal rollup, which economy.rollup computes from the figures
  after every import);
- growth (同口径) = (Σytd − Σytd_last_year) ÷ Σytd_last_year, None when Σytd_last_year is 0;
- a firm's increment = ytd − ytd_last_year; 拉动 (pp) = increment ÷ the scope's Σytd_last_year × 100 (the pulls of a
  scope add up to its growth); 贡献率 = increment ÷ the scope's total increment × 100;
- pull: the top N by 拉动 among positive increments, largest first; drag: the most negative first; exact ties by
  USCC ascending (the denominator is the scope's constant, so ordering by increment orders by 拉动 exactly);
- a street's share = its Σytd ÷ the district's; rank among the district's streets by Σytd (largest first, equal
  sums share a rank);
- big drops: ytd fell by more than `share` (default settings.ECONOMY_DROP_SHARE = 20 %) against last year;
- 零报: 本月 = 0; 未报: on the list the month before (same year, same scope) with no row this month;
- 退库: on last year's 四上 list, not on this year's; at risk: this month's firms whose ytd annualised by the months
  elapsed (ytd × 12 ÷ m) is below the threshold of their industry (enterprises.SishangThreshold of the year);
- 新纳统: on this year's 四上 list, not on last year's.
Exact Decimals throughout; rounding only where a number is printed (see `rounded`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Count, DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises.models import Classification, Enterprise, LiaisonAssignment

from .models import Indicator, MonthlyFigure, StreetMonthTotal

ZERO = Decimal("0")
HUNDRED = Decimal("100")
_DEC = DecimalField(max_digits=20, decimal_places=2)


def drop_share() -> Decimal:
    return Decimal(str(getattr(settings, "ECONOMY_DROP_SHARE", "0.20")))


def rounded(value: Decimal | None, places: int) -> str | None:
    """Half-up rounding for printing only."""
    if value is None:
        return None
    return str(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def amount(value: Decimal | None) -> str | None:
    """万元 as the bureau writes them: one decimal, two when the data has them."""
    if value is None:
        return None
    one = value.quantize(Decimal("0.1"))
    return str(one) if one == value else str(value.quantize(Decimal("0.01")))


def growth_of(ytd: Decimal, last_year: Decimal) -> Decimal | None:
    """Growth in percent, exact; None when last year is zero."""
    if not last_year:
        return None
    return (ytd - last_year) * HUNDRED / last_year


def latest_month(indicator: str | None = None, street_id: int | None = None) -> dt.date | None:
    """The newest month with figures: one index probe per indicator."""
    found = []
    for ind in ([indicator] if indicator else Indicator.values):
        qs = MonthlyFigure.objects.filter(indicator=ind)
        if street_id:
            qs = qs.filter(street_id=street_id)
        month = qs.order_by("-month").values_list("month", flat=True).first()
        if month:
            found.append(month)
    return max(found, default=None)


def in_scope(month: dt.date, indicator: str, street_id: int | None = None):
    qs = MonthlyFigure.objects.filter(month=month, indicator=indicator)
    return qs if street_id is None else qs.filter(street_id=street_id)


def _last_year():
    return Coalesce(F("ytd_last_year"), Value(ZERO), output_field=_DEC)


@dataclass
class Totals:
    firms: int
    ytd: Decimal
    ytd_last_year: Decimal
    value: Decimal

    @property
    def growth(self) -> Decimal | None:
        return growth_of(self.ytd, self.ytd_last_year)

    @property
    def increment(self) -> Decimal:
        return self.ytd - self.ytd_last_year


def _rollup(month: dt.date, indicator: str, street_id: int | None = None):
    """The rollup rows (economy.rollup: the sums of MonthlyFigure by street, refreshed by every import)."""
    qs = StreetMonthTotal.objects.filter(month=month, indicator=indicator)
    return qs if street_id is None else qs.filter(street_id=street_id)


def totals(month: dt.date, indicator: str, street_id: int | None = None) -> Totals:
    row = _rollup(month, indicator, street_id).aggregate(
        firms=Sum("firms"), ytd=Sum("ytd"), ly=Sum("ytd_last_year"), value=Sum("value"))
    return Totals(row["firms"] or 0, row["ytd"] or ZERO, row["ly"] or ZERO, row["value"] or ZERO)


def month_has_data(month: dt.date, indicator: str, street_id: int | None = None) -> bool:
    return _rollup(month, indicator, street_id).filter(firms__gt=0).exists()


@dataclass
class FirmPull:
    enterprise_id: int
    code: str
    name: str
    street_id: int
    ytd: Decimal
    ytd_last_year: Decimal
    increment: Decimal
    pull_pts: Decimal | None
    contribution_pct: Decimal | None
    officer: str | None = None


def _officer_name():
    today = timezone.localdate()
    active = (LiaisonAssignment.objects.filter(enterprise_id=OuterRef("enterprise_id"), start_date__lte=today)
              .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
              .order_by("-team_role", "start_date", "id"))  # service_officer sorts before the other roles
    return Subquery(active.values("officer__first_name")[:1]), Subquery(active.values("officer__username")[:1])


def _pulls(qs, total: Totals, limit: int | None) -> list[FirmPull]:
    first, username = _officer_name()
    rows = qs.annotate(ly=_last_year(), inc=F("ytd") - _last_year(), officer_first=first,
                       officer_user=username).values_list(
        "enterprise_id", "enterprise__uscc", "enterprise__name", "street_id", "ytd", "ly", "inc", "officer_first",
        "officer_user")
    if limit is not None:
        rows = rows[:limit]
    out = []
    total_inc = total.increment
    for ent_id, code, name, sid, ytd, ly, inc, officer_first, officer_user in rows:
        out.append(FirmPull(
            ent_id, code, name, sid, ytd, ly, inc,
            inc * HUNDRED / total.ytd_last_year if total.ytd_last_year else None,
            inc * HUNDRED / total_inc if total_inc else None,
            officer_first or officer_user))
    return out


def _top(base, top: int, largest: bool):
    """The top N by increment with exact ties by USCC: first the N-th increment from the figures alone (an
    index-only top-N sort), then only the rows at or beyond it are joined to the registry and ordered by code."""
    qs = base.filter(inc__gt=0) if largest else base.filter(inc__lt=0)
    edge = list(qs.order_by("-inc" if largest else "inc").values_list("inc", flat=True)[top - 1:top])
    if edge:
        qs = qs.filter(inc__gte=edge[0]) if largest else qs.filter(inc__lte=edge[0])
    return qs.order_by("-inc" if largest else "inc", "enterprise__uscc")


def pull_drag(month: dt.date, indicator: str, street_id: int | None = None, top: int = 10,
              total: Totals | None = None) -> tuple[list[FirmPull], list[FirmPull]]:
    total = total or totals(month, indicator, street_id)
    base = in_scope(month, indicator, street_id).annotate(inc=F("ytd") - _last_year())
    pull = _pulls(_top(base, top, largest=True), total, top)
    drag = _pulls(_top(base, top, largest=False), total, top)
    return pull, drag


def firms(month: dt.date, indicator: str, street_id: int | None = None, *, kind: str = "all",
          offset: int = 0, limit: int = 100) -> tuple[list[FirmPull], bool]:
    """The firms behind a number (drill-down), bounded: (a page of rows, whether there are more)."""
    total = totals(month, indicator, street_id)
    qs = in_scope(month, indicator, street_id).annotate(inc=F("ytd") - _last_year())
    if kind == "pull":
        qs = qs.filter(inc__gt=0).order_by("-inc", "enterprise__uscc")
    elif kind == "drag":
        qs = qs.filter(inc__lt=0).order_by("inc", "enterprise__uscc")
    elif kind == "drop":
        qs = big_drops_qs(month, indicator, street_id)
    elif kind == "zero":
        qs = qs.filter(value=0).order_by("enterprise__uscc")
    else:
        qs = qs.order_by("-ytd", "enterprise__uscc")
    rows = _pulls(qs[offset:offset + limit + 1], total, None)
    return rows[:limit], len(rows) > limit


def big_drops_qs(month: dt.date, indicator: str, street_id: int | None = None, share: Decimal | None = None):
    share = drop_share() if share is None else share
    return (in_scope(month, indicator, street_id).annotate(inc=F("ytd") - _last_year())
            .filter(ytd_last_year__gt=0, ytd__lt=F("ytd_last_year") * (1 - share))
            .order_by("inc", "enterprise__uscc"))


def big_drops(month, indicator, street_id=None, share=None, limit: int = 50) -> list[FirmPull]:
    return _pulls(big_drops_qs(month, indicator, street_id, share), totals(month, indicator, street_id), limit)


def zero_reports(month, indicator, street_id=None, limit: int = 50) -> list[FirmPull]:
    qs = in_scope(month, indicator, street_id).filter(value=0).order_by("enterprise__uscc")
    return _pulls(qs, totals(month, indicator, street_id), limit)


def previous_month(month: dt.date) -> dt.date | None:
    """The month before in the same statistical year (January has none: the year's list starts anew)."""
    return None if month.month == 1 else month.replace(month=month.month - 1)


def not_reported(month, indicator, street_id=None, limit: int | None = 50) -> list[dict]:
    """Firms on the previous month's list (same year, same scope) with no row this month."""
    from django.db.models import Exists

    before = previous_month(month)
    if before is None:
        return []
    this = MonthlyFigure.objects.filter(month=month, indicator=indicator, enterprise_id=OuterRef("enterprise_id"))
    missing = in_scope(before, indicator, street_id).exclude(Exists(this)).values("enterprise_id")
    previous = MonthlyFigure.objects.filter(month=before, indicator=indicator, enterprise_id=OuterRef("pk"))
    rows = _with_officer(Enterprise.objects.filter(pk__in=missing).annotate(
        ytd_before=Subquery(previous.values("ytd")[:1])), limit)
    return rows


@dataclass
class StreetRow:
    street_id: int
    code: str
    name: str
    firms: int
    ytd: Decimal
    ytd_last_year: Decimal
    rank: int
    share_pct: Decimal | None

    @property
    def growth(self) -> Decimal | None:
        return growth_of(self.ytd, self.ytd_last_year)


def street_ranking(month: dt.date, indicator: str) -> list[StreetRow]:
    """Every street with figures that month, ranked by Σytd (largest first; equal sums share a rank)."""
    rows = list(_rollup(month, indicator).values("street_id", "street__code", "street__name", "firms", "ytd",
                                                 ly=F("ytd_last_year")).order_by("-ytd", "street__code"))
    district = sum((r["ytd"] for r in rows), ZERO)
    out, rank, previous = [], 0, None
    for i, r in enumerate(rows, start=1):
        if r["ytd"] != previous:
            rank, previous = i, r["ytd"]
        out.append(StreetRow(r["street_id"], r["street__code"], r["street__name"], r["firms"], r["ytd"], r["ly"],
                             rank, r["ytd"] * HUNDRED / district if district else None))
    return out


def street_position(month: dt.date, indicator: str, street_id: int) -> StreetRow | None:
    return next((r for r in street_ranking(month, indicator) if r.street_id == street_id), None)


def by_group(month: dt.date, indicator: str, street_id: int | None, group: str) -> list[dict]:
    """Sums by community or by park (the firm's community/park in the registry) within a scope."""
    key = {"community": "enterprise__community", "park": "enterprise__park"}[group]
    rows = (in_scope(month, indicator, street_id).values(f"{key}_id", f"{key}__name")
            .annotate(firms=Count("*"), ytd=Sum("ytd"), ly=Sum(_last_year())).order_by("-ytd"))
    return [{"id": r[f"{key}_id"], "name": r[f"{key}__name"] or _("（未登记）"), "firms": r["firms"], "ytd": r["ytd"],
             "ytd_last_year": r["ly"], "growth": growth_of(r["ytd"], r["ly"])} for r in rows]


def trend(indicator: str, street_id: int | None, until: dt.date, months: int = 24) -> list[dict]:
    """Monthly series of a scope: Σ本月, Σytd, Σytd_last_year and growth per month, oldest first."""
    back = until.year * 12 + until.month - 1 - months  # the month before the first one shown
    start = dt.date(back // 12, back % 12 + 1, 1)
    qs = StreetMonthTotal.objects.filter(indicator=indicator, month__gt=start, month__lte=until)
    if street_id is not None:
        qs = qs.filter(street_id=street_id)
    rows = qs.values("month").annotate(value=Sum("value"), ytd=Sum("ytd"), ly=Sum("ytd_last_year"),
                                       firms=Sum("firms")).order_by("month")
    out = [{"month": r["month"], "value": r["value"], "ytd": r["ytd"], "ytd_last_year": r["ly"], "firms": r["firms"],
            "growth": growth_of(r["ytd"], r["ly"])} for r in rows]
    return out[-months:]


def firm_series(enterprise_id: int) -> list[dict]:
    """A firm's months, all indicators, newest first (its 360° page)."""
    rows = (MonthlyFigure.objects.filter(enterprise_id=enterprise_id).order_by("-month", "indicator")
            .values("month", "indicator", "value", "ytd", "ytd_last_year", "reported_growth")[:120])
    labels = dict(Indicator.choices)
    return [{**r, "indicator_label": labels.get(r["indicator"], r["indicator"]),
             "growth": growth_of(r["ytd"], r["ytd_last_year"] or ZERO)} for r in rows]


# --------------------------------------------------------------------------------------------------- watch lists


def _sishang_firms(street_id: int | None, year: int):
    qs = Classification.objects.filter(kind=Classification.Kind.SISHANG, year=year)
    return qs if street_id is None else qs.filter(enterprise__street_id=street_id)


def _with_officer(qs, limit: int | None) -> list[dict]:
    today = timezone.localdate()
    active = (LiaisonAssignment.objects.filter(enterprise_id=OuterRef("pk"), start_date__lte=today)
              .filter(Q(end_date__isnull=True) | Q(end_date__gte=today)).order_by("-team_role", "start_date", "id"))
    rows = qs.annotate(officer_first=Subquery(active.values("officer__first_name")[:1]),
                       officer_user=Subquery(active.values("officer__username")[:1]),
                       officer_id=Subquery(active.values("officer_id")[:1])).order_by("uscc")
    return [{"enterprise_id": e.pk, "code": e.uscc, "name": e.name, "officer": e.officer_first or e.officer_user,
             "officer_id": e.officer_id, "ytd_before": getattr(e, "ytd_before", None)} for e in rows[:limit]]


def _on_one_list_only(street_id: int | None, on_year: int, off_year: int, limit: int | None) -> list[dict]:
    """Firms on the 四上 list of `on_year` (in the street) that are not on `off_year`'s: an anti-join, the page of
    codes picked before the registry rows are read."""
    from django.db.models import Exists

    other = Classification.objects.filter(kind=Classification.Kind.SISHANG, year=off_year,
                                          enterprise_id=OuterRef("enterprise_id"))
    ids = list(_sishang_firms(street_id, on_year).exclude(Exists(other)).order_by("enterprise__uscc")
               .values_list("enterprise_id", flat=True)[:limit])
    return _with_officer(Enterprise.objects.filter(pk__in=ids), limit)


def withdrawn(year: int, street_id: int | None = None, limit: int | None = 100) -> list[dict]:
    """退库: on last year's 四上 list, not on this year's."""
    return _on_one_list_only(street_id, year - 1, year, limit)


def new_entrants(year: int, street_id: int | None = None, limit: int | None = 100) -> list[dict]:
    """新纳统: on this year's 四上 list, not on last year's."""
    return _on_one_list_only(street_id, year, year - 1, limit)


def at_risk_ids(month: dt.date, indicator: str, street_id: int | None = None,
                limit: int | None = None) -> list[tuple[int, Decimal, Decimal]]:
    """(enterprise id, annualised ytd, threshold) of this month's firms whose ytd × 12 ÷ m is below the 四上
    threshold of their industry (the most specific SishangThreshold row of the rule year, as
    enterprises.services.classification.matching_threshold picks it; a firm without an industry gets the lowest
    non-zero threshold of the indicator's categories)."""
    from enterprises.models import SishangThreshold

    from .models import INDICATOR_CATEGORIES

    rule_year = (SishangThreshold.objects.filter(year__lte=month.year).order_by("-year")
                 .values_list("year", flat=True).first())
    if rule_year is None:
        return []
    fallback = (SishangThreshold.objects.filter(year=rule_year, category__in=INDICATOR_CATEGORIES[indicator],
                                                min_revenue__gt=0).order_by("min_revenue")
                .values_list("min_revenue", flat=True).first())
    t = SishangThreshold._meta.db_table
    f = MonthlyFigure._meta.db_table
    e = Enterprise._meta.db_table
    ic = Enterprise._meta.get_field("industry").related_model._meta.db_table
    street_sql = "AND f.street_id = %(street)s" if street_id else ""
    sql = f"""
        SELECT f.enterprise_id, f.ytd * 12 / %(m)s AS annualised, COALESCE(th.min_revenue, %(fallback)s) AS threshold
        FROM {f} f
        JOIN {e} e ON e.id = f.enterprise_id
        LEFT JOIN {ic} ic ON ic.id = e.industry_id
        LEFT JOIN LATERAL (
            SELECT t.min_revenue
            FROM {t} t CROSS JOIN LATERAL unnest(string_to_array(t.industry_prefixes, ',')) AS p(raw)
            WHERE t.year = %(rule_year)s AND ic.id IS NOT NULL AND (
                (trim(p.raw) ~ '^[A-Z]$' AND trim(p.raw) = ic.section)
                OR (trim(p.raw) !~ '^[A-Z]$' AND trim(p.raw) <> '' AND ic.code LIKE trim(p.raw) || '%%'))
            ORDER BY CASE WHEN trim(p.raw) ~ '^[A-Z]$' THEN 1 ELSE length(trim(p.raw)) + 1 END DESC
            LIMIT 1
        ) th ON true
        WHERE f.month = %(month)s AND f.indicator = %(indicator)s {street_sql}
          AND COALESCE(th.min_revenue, %(fallback)s) > 0
          AND f.ytd * 12 < COALESCE(th.min_revenue, %(fallback)s) * %(m)s
        ORDER BY f.ytd * 12 / %(m)s, f.enterprise_id
        LIMIT %(limit)s
    """
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, {"m": month.month, "fallback": fallback, "rule_year": rule_year, "month": month,
                             "indicator": indicator, "street": street_id, "limit": limit})
        return [(r[0], Decimal(r[1]), Decimal(r[2])) for r in cursor.fetchall()]


def at_risk(month: dt.date, indicator: str, street_id: int | None = None, limit: int = 100) -> list[dict]:
    found = at_risk_ids(month, indicator, street_id, limit)
    figures = {r[0]: r for r in found}
    rows = _with_officer(Enterprise.objects.filter(pk__in=list(figures)), limit)
    for row in rows:
        _id, annualised, threshold = figures[row["enterprise_id"]]
        row.update(annualised=annualised, threshold=threshold)
    return sorted(rows, key=lambda r: r["annualised"])


# --------------------------------------------------------------------------------------------------- report


def report(month: dt.date, indicator: str, street_id: int | None = None, top: int = 10) -> dict:
    """The `economy report` object: the same selectors as the pages, rounded half-up for printing only."""
    from crm.models import Street

    total = totals(month, indicator, street_id)
    pull, drag = pull_drag(month, indicator, street_id, top, total)
    street_code = Street.objects.filter(pk=street_id).values_list("code", flat=True).first() if street_id else None
    out = {
        "month": f"{month:%Y-%m}", "indicator": indicator, "street": street_code, "firms": total.firms,
        "ytd": amount(total.ytd), "ytd_last_year": amount(total.ytd_last_year),
        "growth_pct": rounded(total.growth, 1),
        "pull": [{"code": p.code, "pull_pts": rounded(p.pull_pts, 2)} for p in pull],
        "drag": [{"code": p.code, "pull_pts": rounded(p.pull_pts, 2)} for p in drag],
    }
    if street_id is None:
        out["streets"] = [{"code": s.code, "ytd": amount(s.ytd), "growth_pct": rounded(s.growth, 1), "rank": s.rank}
                          for s in street_ranking(month, indicator)]
    return out
