"""What every selector module shares: the one "today" and the kinds that coverage counts."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from enterprises.models import Classification

COVERAGE_KINDS = (
    Classification.Kind.SISHANG, Classification.Kind.ZJTX, Classification.Kind.SAMPLED, Classification.Kind.POOL,
)
#: Kept for callers of the old module; the definition lives on the model.
YEARLY_KINDS = Classification.YEARLY_KINDS


def today() -> dt.date:
    return timezone.localdate()


def current_facts(kind: str, on: dt.date | None = None) -> QuerySet[Classification]:
    """Facts of `kind` that hold on `on` (today by default): ClassificationQuerySet.current."""
    return Classification.objects.filter(kind=kind).current(on or today())
