"""Read queries for parks: the per-park, per-year figures, read from the rollups (space.models.ParkRollup,
ParkYearRollup) that space.services.rollup keeps current, with bounded queries.

The park list is one query for its page (the parks LEFT JOINed to their two rollup rows, ratios, the 低效 flag and
the sort computed in SQL, LIMIT/OFFSET) plus one for the ranks; the park page is one query plus a COUNT for its rank;
the map one query for all its points. Before the rollups every page grouped the 100,000 firms' figures per
request: 0.9–1.5 s at 5,000 parks (bench/space_bench.py; figures in the space3 note).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import BooleanField, Case, Count, DecimalField, F, FilteredRelation, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext_lazy

from enterprises.models import Enterprise, Park
from pipelines.models import Vacancy
from space.models import EfficiencyRule

OPEN_VACANCY = (Vacancy.Status.AVAILABLE, Vacancy.Status.RESERVED)
NOT_TENANT = (Enterprise.Status.DEREGISTERED, Enterprise.Status.MOVED_OUT)
#: Measures a list can be ranked by (and the map colours by): key → label.
MEASURES = {
    "tax_density": gettext_lazy("每万㎡税收（万元）"),
    "output_density": gettext_lazy("每万㎡产值（万元）"),
    "revenue_density": gettext_lazy("每万㎡营收（万元）"),
    "occupancy": gettext_lazy("出租率（%）"),
    "tenants": gettext_lazy("在园企业数"),
    "sishang": gettext_lazy("四上企业数"),
    "vacant_area": gettext_lazy("空置面积（㎡）"),
}
PAGE_SIZE = 50
RATIO = DecimalField(max_digits=24, decimal_places=6)
AMOUNT = DecimalField(max_digits=18, decimal_places=2)
ZERO = Value(Decimal("0"), output_field=AMOUNT)


def rule_for(street_id: int | None) -> EfficiencyRule | None:
    rules = {r.street_id: r for r in EfficiencyRule.objects.filter(Q(street_id=street_id) | Q(street__isnull=True))}
    return rules.get(street_id) or rules.get(None)


def _per_10k(field: str) -> Case:
    """A sum per 10,000 ㎡ of floor area; none without a floor area."""
    return Case(When(floor_area__gt=0, then=F(field) * Value(Decimal("10000")) / F("floor_area")), default=None,
                output_field=RATIO)


def _low_condition(rules: list[EfficiencyRule]) -> Q | None:
    """SQL for "this park is 低效": its street's rule, or the district default where the street has none."""

    def breaks(rule: EfficiencyRule) -> Q | None:
        q = None
        if rule.min_tax_per_10k is not None:
            q = Q(tax_density__lt=rule.min_tax_per_10k)
        if rule.min_occupancy is not None:
            q = q | Q(occupancy__lt=rule.min_occupancy) if q else Q(occupancy__lt=rule.min_occupancy)
        return q

    own = [r for r in rules if r.street_id is not None]
    default = next((r for r in rules if r.street_id is None), None)
    parts = [Q(street_id=r.street_id) & breaks(r) for r in own if breaks(r)]
    if default and breaks(default):
        parts.append(~Q(street_id__in=[r.street_id for r in own]) & breaks(default))
    if not parts:
        return None
    condition = parts[0]
    for part in parts[1:]:
        condition |= part
    return condition


def with_figures(parks: QuerySet, year: int, rules: list[EfficiencyRule] | None = None) -> QuerySet:
    """The parks annotated with the year's figures from the rollups (a missing rollup row reads as zeros):
    tenants, sishang, zjtx, gaoxin, revenue, output, tax, vacant_area, the densities per 10,000 ㎡, occupancy (%) and
    low_efficiency under the rules (all rules when None). Still a queryset: filter, order and slice it in SQL."""
    if rules is None:
        rules = list(EfficiencyRule.objects.all())
    qs = parks.annotate(yr=FilteredRelation("year_rollups", condition=Q(year_rollups__year=year))).annotate(
        tenants=Coalesce(F("rollup__tenants"), 0),
        vacant_area=Coalesce(F("rollup__vacant_area"), ZERO, output_field=AMOUNT),
        revenue=Coalesce(F("yr__revenue"), ZERO, output_field=AMOUNT),
        output=Coalesce(F("yr__output"), ZERO, output_field=AMOUNT),
        tax=Coalesce(F("yr__tax"), ZERO, output_field=AMOUNT),
        sishang=Coalesce(F("yr__sishang"), 0),
        zjtx=Coalesce(F("yr__zjtx"), 0),
        gaoxin=Coalesce(F("yr__gaoxin"), 0),
    ).annotate(
        tax_density=_per_10k("tax"),
        output_density=_per_10k("output"),
        revenue_density=_per_10k("revenue"),
        occupancy=Case(When(floor_area__gt=0, then=(F("floor_area") - F("vacant_area")) * Value(Decimal("100"))
                            / F("floor_area")), default=None, output_field=RATIO),
    )
    low = _low_condition(rules)
    return qs.annotate(low_efficiency=Case(When(low, then=Value(True)), default=Value(False), output_field=BooleanField())
                       if low is not None else Value(False, output_field=BooleanField()))


def _set_ranks(parks: list[Park], year: int) -> None:
    """Each park's rank within its street by tax per 10,000 ㎡ (ties share a rank; parks without floor area rank
    after all others), from one query over the densities of the streets concerned."""
    streets = {p.street_id for p in parks}
    if not streets:
        return
    densities: dict[int, list] = {s: [] for s in streets}
    for street_id, density in (with_figures(Park.objects.filter(street_id__in=streets), year, rules=[])
                               .filter(tax_density__isnull=False).values_list("street_id", "tax_density")):
        densities[street_id].append(density)
    for values in densities.values():
        values.sort()
    for p in parks:
        values = densities[p.street_id]
        above = len(values) - bisect.bisect_right(values, p.tax_density) if p.tax_density is not None else len(values)
        p.rank = above + 1


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
    rules = list(EfficiencyRule.objects.all())
    parks = Park.objects.visible_to(user)
    if filters.q:
        parks = parks.filter(name__contains=filters.q)
    parks = with_figures(parks, filters.year, rules)
    if filters.low_only:
        parks = parks.filter(low_efficiency=True)
    offset = (max(page, 1) - 1) * PAGE_SIZE
    # The sort over all visible parks selects only ids (one expression per park, not every figure), then the page's
    # rows are read with their figures by primary key.
    ids = list(parks.order_by(F(filters.measure).desc(nulls_last=True), "pk")
               .values_list("pk", flat=True)[offset:offset + PAGE_SIZE + 1])
    has_next = len(ids) > PAGE_SIZE
    ids = ids[:PAGE_SIZE]
    found = {p.pk: p for p in with_figures(Park.objects.filter(pk__in=ids).select_related("street", "officer"),
                                           filters.year, rules)}
    rows = [found[pk] for pk in ids]
    _set_ranks(rows, filters.year)
    return rows, has_next


def park_with_figures(user, pk: int, year: int) -> Park:
    """One visible park with the year's figures; its rank is among the parks of its street."""
    park = with_figures(Park.objects.visible_to(user).filter(pk=pk).select_related("street", "officer"), year).first()
    if park is None:
        raise Http404
    _set_ranks([park], year)
    return park


def map_points(user, year: int, measure: str, cluster_id: int | None = None, limit: int = 5000) -> list[dict]:
    """The visible parks placed by coordinates (at most `limit`), each with the chosen measure's value, in one
    query; the "firms of an industry cluster" measure (`measure == "cluster"`) adds one GROUP BY over that cluster's
    firms."""
    parks = with_figures(Park.objects.visible_to(user).filter(longitude__isnull=False, latitude__isnull=False), year)
    fields = ["pk", "name", "longitude", "latitude", "low_efficiency", "vacant_area"]
    if measure != "cluster":
        fields.append(measure)
    rows = list(parks.order_by("pk").values(*fields)[:limit])
    if measure == "cluster":
        counts = cluster_tenants(cluster_id, [r["pk"] for r in rows]) if cluster_id else {}
        for r in rows:
            r["cluster"] = counts.get(r["pk"], 0)
    return rows


def cluster_tenants(cluster_id: int, park_ids: list[int]) -> dict[int, int]:
    """park id → its tenants (neither moved out nor deregistered) tagged with the cluster: one GROUP BY."""
    if not park_ids:
        return {}
    firms = (Enterprise.objects.filter(clusters=cluster_id, park_id__isnull=False).exclude(status__in=NOT_TENANT)
             .order_by().values("park_id").annotate(n=Count("pk")))
    wanted = set(park_ids)
    return {row["park_id"]: row["n"] for row in firms if row["park_id"] in wanted}


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
