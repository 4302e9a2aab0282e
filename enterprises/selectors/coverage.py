"""Liaison coverage (全覆盖): firms per street and kind with an active liaison, the uncovered ones, officer load."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q

from crm.models import Role, User
from crm.scoping import sees_all_streets, visible_streets
from enterprises.models import Classification, Enterprise, LiaisonAssignment
from enterprises.selectors.common import COVERAGE_KINDS, today



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
    """Who carries how many firms (active assignments), heaviest first.

    An officer bound to a street serves only that street's firms (enterprises.services.liaison._check_officer), so
    a street's load is counted from its officers' assignments alone (liaison_officer_idx), without joining every
    firm of the street; only district-wide officers' assignments are scoped through their firms."""
    on = on or today()
    active = LiaisonAssignment.objects.active_on(on).order_by()
    scoped = active.visible_to(user)
    if user.is_active and user.street_id and user.role != Role.DEPARTMENT and not sees_all_streets(user):
        parts = [active.filter(officer__in=User.objects.filter(street_id=user.street_id).values("pk")),
                 scoped.filter(officer__street__isnull=True)]
    else:
        parts = [scoped]
    counts: dict[int, int] = {}
    for part in parts:
        for officer_id, n in part.values_list("officer_id").annotate(n=Count("enterprise_id", distinct=True)):
            counts[officer_id] = counts.get(officer_id, 0) + n
    people = User.objects.in_bulk(list(counts))
    rows = [{"officer_id": pk, "name": f"{people[pk].last_name}{people[pk].first_name}" or people[pk].username,
             "firms": n, "_username": people[pk].username} for pk, n in counts.items()]
    rows.sort(key=lambda r: (-r["firms"], r["_username"]))
    for r in rows:
        del r["_username"]
    return rows
