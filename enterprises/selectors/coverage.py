"""Liaison coverage (全覆盖): firms per street and kind with an active liaison, the uncovered ones, officer load."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q

from crm.scoping import visible_streets
from enterprises.models import Classification, Enterprise, LiaisonAssignment
from enterprises.selectors.common import COVERAGE_KINDS, today

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


def _flag(kind: str) -> str:
    return f"is_{kind}"


def _coverage_any() -> Q:
    q = Q()
    for kind in COVERAGE_KINDS:
        q |= Q(**{_flag(kind): True})
    return q


def coverage(user: User) -> list[CoverageRow]:
    """Per street and category: firms, and how many have an active liaison today (the target is 100%).

    One GROUP BY over the firms' derived standing (enterprises.services.standing), an index-only scan of
    enterprise_coverage_idx."""
    streets = {s.pk: s for s in visible_streets(user)}
    flags = [_flag(kind) for kind in COVERAGE_KINDS]
    # Grouped by every column of the index, so PostgreSQL answers from the index alone; summed here.
    groups = (Enterprise.objects.visible_to(user).filter(_coverage_any()).order_by()
              .values_list("street_id", "covered", *flags).annotate(n=Count("*")))
    totals: dict[tuple[int, str], list[int]] = {}
    for street_id, covered, *held, n in groups:
        for kind, holds in zip(COVERAGE_KINDS, held):
            if holds:
                pair = totals.setdefault((street_id, kind), [0, 0])
                pair[0] += n
                pair[1] += n if covered else 0
    return [CoverageRow(streets.get(street_id), kind, Classification.Kind(kind).label, total, covered)
            for kind in COVERAGE_KINDS
            for (street_id, k), (total, covered) in sorted(totals.items()) if k == kind]


def uncovered_firms(user: User, kind: str = "", limit: int = 200) -> list[Enterprise]:
    """Firms of a coverage kind (any of them when `kind` is empty) with no active liaison today, by street and
    name: an ordered scan of enterprise_uncovered_idx, stopped at `limit`."""
    firms = Enterprise.objects.visible_to(user).filter(_coverage_any(), covered=False)
    if kind:
        firms = firms.filter(**{_flag(kind): True})
    return list(firms.select_related("street", "community").order_by("street_id", "name", "pk")[:limit])


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


