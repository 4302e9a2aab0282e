"""Liaison coverage (全覆盖): firms per street and kind with an active liaison, the uncovered ones, officer load."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q

from crm.scoping import visible_streets
from enterprises.models import Classification, Enterprise, LiaisonAssignment
from enterprises.selectors.common import COVERAGE_KINDS, current_facts, today

if TYPE_CHECKING:
    from crm.models import User


@dataclass
class CoverageRow:
    street: Any
    kind: str
    label: str
    total: int
    covered: int

    @property
    def uncovered(self) -> int:
        return self.total - self.covered

    @property
    def rate(self) -> float:
        return 100.0 * self.covered / self.total if self.total else 100.0


def coverage(user: User, on: dt.date | None = None) -> list[CoverageRow]:
    """Per street and category: firms, and how many have an active liaison (the target is 100%)."""
    on = on or today()
    active = LiaisonAssignment.objects.active_on(on).values("enterprise_id")
    streets = {s.pk: s for s in visible_streets(user)}
    rows = []
    for kind in COVERAGE_KINDS:
        firms = Enterprise.objects.visible_to(user).filter(pk__in=current_facts(kind, on).values("enterprise_id"))
        totals = dict(firms.values_list("street_id").annotate(n=Count("pk")).order_by())
        covered = dict(firms.filter(pk__in=active).values_list("street_id").annotate(n=Count("pk")).order_by())
        for street_id, total in sorted(totals.items()):
            rows.append(CoverageRow(streets.get(street_id), kind, Classification.Kind(kind).label, total,
                                    covered.get(street_id, 0)))
    return rows


def uncovered_firms(user: User, kind: str = "", on: dt.date | None = None, limit: int = 200) -> list[Enterprise]:
    on = on or today()
    kinds = [kind] if kind else list(COVERAGE_KINDS)
    facts = Classification.objects.none()
    q = Q()
    for k in kinds:
        q |= Q(pk__in=current_facts(k, on).values("enterprise_id"))
    facts = Enterprise.objects.visible_to(user).filter(q)
    return list(
        facts.exclude(pk__in=LiaisonAssignment.objects.active_on(on).values("enterprise_id"))
        .select_related("street", "community").order_by("street", "name")[:limit]
    )


def officer_load(user: User, on: dt.date | None = None) -> list[dict[str, Any]]:
    """Who carries how many firms (active assignments), heaviest first."""
    on = on or today()
    rows = (
        LiaisonAssignment.objects.visible_to(user).active_on(on)
        .values("officer_id", "officer__username", "officer__last_name", "officer__first_name")
        .annotate(firms=Count("enterprise_id", distinct=True)).order_by("-firms", "officer__username")
    )
    return [
        {"officer_id": r["officer_id"], "name": f"{r['officer__last_name']}{r['officer__first_name']}" or
         r["officer__username"], "firms": r["firms"]}
        for r in rows
    ]


