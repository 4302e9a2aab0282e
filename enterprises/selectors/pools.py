"""Read queries of the pool report (培育库进出情况): entries, graduations and exits by year, and the 拟上市 stages.

Kept out of selectors.py while that module is split into a package; it belongs there afterwards.
Set-based: three GROUP BY queries over the pool and 拟上市 facts the user may see, whatever the number of firms.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext

from crm.models import User
from enterprises.models import Classification

K = Classification.Kind
PREIPO_ROW = "preipo"


@dataclass
class PoolYear:
    pool: str
    label: str
    year: int
    entered: int = 0
    graduated: int = 0
    removed: int = 0


def _label(pool: str) -> str:
    if pool == PREIPO_ROW:
        return str(K.PREIPO.label)
    return str(Classification.Pool(pool).label) if pool in Classification.Pool.values else pool


def pool_report(user: User) -> dict:
    facts = Classification.objects.visible_to(user).filter(kind__in=[K.POOL, K.PREIPO]).order_by()
    pool_of = lambda row: PREIPO_ROW if row["kind"] == K.PREIPO else row["category"]  # noqa: E731
    rows: dict[tuple[str, int], PoolYear] = {}

    def row_for(pool: str, year: int) -> PoolYear:
        return rows.setdefault((pool, year), PoolYear(pool, _label(pool), year))

    for r in (facts.filter(valid_from__isnull=False).annotate(y=ExtractYear("valid_from"))
              .values("kind", "category", "y").annotate(n=Count("id"))):
        row_for(pool_of(r), r["y"]).entered += r["n"]
    for r in (facts.filter(valid_to__isnull=False).annotate(y=ExtractYear("valid_to"))
              .values("kind", "category", "outcome", "y").annotate(n=Count("id"))):
        row = row_for(pool_of(r), r["y"])
        if r["outcome"] == Classification.Outcome.GRADUATED:
            row.graduated += r["n"]
        else:
            row.removed += r["n"]
    today = timezone.localdate()
    current = facts.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
    sizes: dict[str, int] = {}
    for r in current.values("kind", "category").annotate(n=Count("id")):
        sizes[pool_of(r)] = sizes.get(pool_of(r), 0) + r["n"]
    stages = {r["category"]: r["n"] for r in current.filter(kind=K.PREIPO).values("category").annotate(n=Count("id"))}
    return {
        "rows": sorted(rows.values(), key=lambda r: (r.pool == PREIPO_ROW, r.pool, -r.year)),
        "sizes": [(_label(p), n) for p, n in sorted(sizes.items())],
        "stages": [(value, label, stages.get(value, 0)) for value, label in Classification.IpoStage.choices]
        + ([("", gettext("未注明阶段"), stages[""])] if stages.get("") else []),
    }

