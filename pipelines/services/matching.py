"""Space matching (按图索地): score the available vacancies against a demand, best first, each with its reasons.

Score out of 100: type 30, area fit 25, floor load 15, power 10, rent 10, availability date 10. A vacancy of
another type, or less than half / more than three times the area asked for, is not a candidate at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet

from pipelines.models import SpaceDemand, SpaceType, Vacancy

# Types that can stand in for each other at a discount (研发 floors often work as offices and back).
COMPATIBLE = {(SpaceType.RND, SpaceType.OFFICE), (SpaceType.OFFICE, SpaceType.RND), (SpaceType.RND, SpaceType.FACTORY)}
MAX_CANDIDATES = 500


@dataclass
class Match:
    vacancy: Vacancy
    score: int = 0
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def score(demand: SpaceDemand, vacancy: Vacancy) -> Match | None:
    m = Match(vacancy)
    # Type
    if vacancy.space_type == demand.space_type:
        m.score += 30
        m.reasons.append(f"类型相符（{vacancy.get_space_type_display()}）")
    elif (demand.space_type, vacancy.space_type) in COMPATIBLE:
        m.score += 15
        m.warnings.append(f"类型可替代（需{demand.get_space_type_display()}，此为{vacancy.get_space_type_display()}）")
    else:
        return None
    # Area fit: 90%–130% of the need is a full fit.
    ratio = vacancy.area / demand.area
    if ratio < Decimal("0.5") or ratio > 3:
        return None
    if Decimal("0.9") <= ratio <= Decimal("1.3"):
        m.score += 25
        m.reasons.append(f"面积匹配（{vacancy.area:.0f}㎡，需求{demand.area:.0f}㎡）")
    elif ratio < Decimal("0.9"):
        m.score += 10 if ratio >= Decimal("0.7") else 3
        m.warnings.append(f"面积偏小（{vacancy.area:.0f}㎡，为需求的{ratio:.0%}）")
    else:
        m.score += 12 if ratio <= 2 else 5
        m.warnings.append(f"面积偏大（{vacancy.area:.0f}㎡，为需求的{ratio:.0%}）")
    # Floor load
    if demand.floor_load is None:
        m.score += 15
    elif vacancy.floor_load is None:
        m.score += 5
        m.warnings.append("荷载未知，需现场核实")
    elif vacancy.floor_load >= demand.floor_load:
        m.score += 15
        m.reasons.append(f"荷载满足（{vacancy.floor_load}≥{demand.floor_load} kN/㎡）")
    else:
        m.warnings.append(f"荷载不足（{vacancy.floor_load}<{demand.floor_load} kN/㎡）")
    # Power
    if demand.power_kva is None:
        m.score += 10
    elif vacancy.power_kva is None:
        m.score += 3
        m.warnings.append("配电容量未知")
    elif vacancy.power_kva >= demand.power_kva:
        m.score += 10
        m.reasons.append(f"用电满足（{vacancy.power_kva}≥{demand.power_kva} kVA）")
    else:
        m.warnings.append(f"配电不足（{vacancy.power_kva}<{demand.power_kva} kVA，需增容）")
    # Rent
    if demand.budget is None or vacancy.rent is None:
        m.score += 5
    elif vacancy.rent <= demand.budget:
        m.score += 10
        m.reasons.append(f"租金在预算内（{vacancy.rent}≤{demand.budget} 元/㎡·月）")
    elif vacancy.rent <= demand.budget * Decimal("1.2"):
        m.score += 4
        m.warnings.append(f"租金略超预算（{vacancy.rent} 元/㎡·月）")
    else:
        m.warnings.append(f"租金超预算（{vacancy.rent} 元/㎡·月）")
    # Date
    if demand.needed_by is None or vacancy.available_from is None or vacancy.available_from <= demand.needed_by:
        m.score += 10
        if demand.needed_by and vacancy.available_from:
            m.reasons.append(f"可按期入驻（{vacancy.available_from}起）")
    else:
        m.warnings.append(f"{vacancy.available_from}才可入驻，晚于需求日期")
    return m


def candidates(demand: SpaceDemand, vacancies: QuerySet) -> QuerySet:
    types = [demand.space_type] + [v for (d, v) in COMPATIBLE if d == demand.space_type]
    return (
        vacancies.filter(park__street_id=demand.street_id, status=Vacancy.Status.AVAILABLE, space_type__in=types,
                         area__gte=demand.area * Decimal("0.5"), area__lte=demand.area * 3)
        .select_related("park")
        .order_by("pk")[:MAX_CANDIDATES]
    )


def match(demand: SpaceDemand, vacancies: QuerySet | None = None, limit: int = 20) -> list[Match]:
    """Best matches first; ties go to the cheaper, then the earlier available unit."""
    vacancies = Vacancy.objects.all() if vacancies is None else vacancies
    scored = [m for v in candidates(demand, vacancies) if (m := score(demand, v)) is not None]
    scored.sort(key=lambda m: (-m.score, m.vacancy.rent if m.vacancy.rent is not None else Decimal("1e9"),
                               m.vacancy.available_from or demand.created_at.date(), m.vacancy.pk))
    return scored[:limit]
