"""Read queries for parks: the per-park, per-year figures derived from the registry, in one set-based query.

Every figure is a correlated subquery per park (tenants via enterprise_park_idx, figures via the
(enterprise, year) unique index, vacancies via park_id), so one page is one SQL statement whatever the number
of firms, and no join multiplies rows. Rank is a window over the visible parks of each street.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    BooleanField, Case, Count, DecimalField, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery, Sum, Value, When,
    Window,
)
from django.db.models.functions import Coalesce, NullIf, Rank

from enterprises.models import AnnualFigure, Classification, Enterprise, Park
from pipelines.models import Vacancy
from space.models import EfficiencyRule

DEC = DecimalField(max_digits=20, decimal_places=4)
ZERO = Value(Decimal("0"), output_field=DEC)
OPEN_VACANCY = (Vacancy.Status.AVAILABLE, Vacancy.Status.RESERVED)
#: Measures a list can be ranked by (and the map colours by): key → (label, annotation).
MEASURES = {
    "tax_density": "每万㎡税收（万元）",
    "output_density": "每万㎡产值（万元）",
    "revenue_density": "每万㎡营收（万元）",
    "occupancy": "出租率（%）",
    "tenants": "在园企业数",
    "sishang": "四上企业数",
    "vacant_area": "空置面积（㎡）",
}
PAGE_SIZE = 50


def _count_sub(qs: QuerySet) -> Coalesce:
    return Coalesce(Subquery(qs.order_by().values("park_id").annotate(n=Count("*")).values("n")[:1]), 0)


def _sum_sub(qs: QuerySet, group: str, field: str) -> Coalesce:
    return Coalesce(Subquery(qs.order_by().values(group).annotate(s=Sum(field)).values("s")[:1],
                             output_field=DEC), ZERO)


def _per_10k(field: str):
    return ExpressionWrapper(F(field) * Value(Decimal("10000")) / NullIf(F("floor_area"), Value(Decimal("0"))),
                             output_field=DEC)


def rule_for(street_id: int | None) -> EfficiencyRule | None:
    rules = {r.street_id: r for r in EfficiencyRule.objects.filter(Q(street_id=street_id) | Q(street__isnull=True))}
    return rules.get(street_id) or rules.get(None)


def _low_efficiency(street_ids: list[int]):
    """A Case flagging parks that break their street's rule (or the district default)."""
    rules = {r.street_id: r for r in EfficiencyRule.objects.filter(Q(street_id__in=street_ids) | Q(street__isnull=True))}
    whens = []
    for street_id in street_ids:
        rule = rules.get(street_id) or rules.get(None)
        if rule is None:
            continue
        broken = Q()
        if rule.min_tax_per_10k is not None:
            broken |= Q(tax_density__lt=rule.min_tax_per_10k)
        if rule.min_occupancy is not None:
            broken |= Q(occupancy__lt=rule.min_occupancy)
        if broken:
            whens.append(When(Q(street_id=street_id) & broken, then=Value(True)))
    return Case(*whens, default=Value(False), output_field=BooleanField())


def with_figures(parks: QuerySet, year: int) -> QuerySet:
    """Annotate parks with the year's derived figures (see module docstring)."""
    year_start, year_end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    tenants = Enterprise.objects.filter(park_id=OuterRef("pk")).exclude(status__in=("deregistered", "moved_out"))
    figures = AnnualFigure.objects.filter(enterprise__park_id=OuterRef("pk"), year=year)
    facts = Classification.objects.filter(enterprise__park_id=OuterRef("pk")).annotate(park_id=F("enterprise__park_id"))
    valid = (Q(valid_from__isnull=True) | Q(valid_from__lte=year_end)) & (Q(valid_to__isnull=True) | Q(valid_to__gte=year_start))
    vacancies = Vacancy.objects.filter(park_id=OuterRef("pk"), status__in=OPEN_VACANCY)
    street_ids = list(parks.order_by().values_list("street_id", flat=True).distinct())
    return parks.annotate(
        tenants=_count_sub(tenants),
        sishang=_count_sub(facts.filter(kind="sishang", year=year)),
        zjtx=_count_sub(facts.filter(valid, kind="zjtx", category__in=("provincial", "little_giant"), year__lte=year)),
        gaoxin=_count_sub(facts.filter(valid, kind="gaoxin")),
        revenue=_sum_sub(figures, "enterprise__park_id", "revenue"),
        output=_sum_sub(figures, "enterprise__park_id", "output_value"),
        tax=_sum_sub(figures, "enterprise__park_id", "tax"),
        vacant_area=_sum_sub(vacancies, "park_id", "area"),
    ).annotate(
        tax_density=_per_10k("tax"),
        output_density=_per_10k("output"),
        revenue_density=_per_10k("revenue"),
        occupancy=ExpressionWrapper(
            (F("floor_area") - F("vacant_area")) * Value(Decimal("100")) / NullIf(F("floor_area"), Value(Decimal("0"))),
            output_field=DEC),
    ).annotate(
        low_efficiency=_low_efficiency(street_ids),
        rank=Window(Rank(), partition_by=[F("street_id")], order_by=F("tax_density").desc(nulls_last=True)),
    )


@dataclass
class ParkFilters:
    year: int
    measure: str = "tax_density"
    low_only: bool = False
    q: str = ""

    @classmethod
    def from_query(cls, params, default_year: int) -> ParkFilters:
        year = params.get("year", "")
        measure = params.get("measure", "")
        return cls(
            year=int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else default_year,
            measure=measure if measure in MEASURES else "tax_density",
            low_only=params.get("low") == "1",
            q=(params.get("q") or "").strip()[:50],
        )


def park_page(user, filters: ParkFilters, page: int = 1) -> tuple[list[Park], bool]:
    """One bounded page of visible parks with their figures, ordered by the chosen measure (best first)."""
    parks = Park.objects.visible_to(user).select_related("street", "officer")
    if filters.q:
        parks = parks.filter(name__contains=filters.q)
    qs = with_figures(parks, filters.year)
    if filters.low_only:
        qs = qs.filter(low_efficiency=True)
    offset = (max(page, 1) - 1) * PAGE_SIZE
    rows = list(qs.order_by(F(filters.measure).desc(nulls_last=True), "pk")[offset:offset + PAGE_SIZE + 1])
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def park_with_figures(user, pk: int, year: int) -> Park:
    """One visible park with the year's figures; its rank is among the parks of its street."""
    from django.http import Http404

    park = Park.objects.visible_to(user).filter(pk=pk).values("street_id").first()
    if park is None:
        raise Http404
    street_parks = Park.objects.filter(street_id=park["street_id"])
    # The rank is a window over the whole street, so it is read from the street's ranking (pk, rank pairs only);
    # filtering the ranked query by pk would rank the one row alone.
    rank = dict(with_figures(street_parks, year).values_list("pk", "rank")).get(pk)
    found = with_figures(street_parks.filter(pk=pk).select_related("street", "officer"), year).first()
    if found is None:
        raise Http404
    found.rank = rank
    return found


def tenants_of(park: Park, limit: int = 50) -> list[Enterprise]:
    return list(Enterprise.objects.filter(park=park).order_by("name")[:limit])


def open_vacancies_of(park: Park) -> list[Vacancy]:
    return list(Vacancy.objects.filter(park=park, status__in=OPEN_VACANCY).order_by("building", "unit_name")[:100])


def matching_demands(user, park: Park, limit: int = 30) -> list[dict]:
    """按图索地: the open space demands of the park's street that one of its vacancies fits, best first.

    Bounded: the newest `limit` open demands the user may see, each scored by pipelines' matching against this
    park's vacancies only (one candidate query per demand).
    """
    from pipelines.models import Project, SpaceDemand
    from pipelines.services.matching import match

    demands = (SpaceDemand.objects.visible_to(user).filter(street_id=park.street_id, is_open=True)
               .filter(Q(project__isnull=True) | Q(project__in=Project.objects.visible_to(user)))
               .select_related("project", "enterprise").order_by("-created_at")[:limit])
    vacancies = Vacancy.objects.filter(park=park)
    found = []
    for demand in demands:
        matches = match(demand, vacancies, limit=1)
        if matches:
            found.append({"demand": demand, "best": matches[0]})
    found.sort(key=lambda f: -f["best"].score)
    return found
