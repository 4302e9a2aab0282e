"""Cultivation pools (培育库) and the 拟上市 list: firms move up the ladder ("小升规、规做精、优上市") and leave.

- `graduate_from_sishang(year)`: a firm in the 小升规 pool that is on the year's 四上 list is marked 已升规 and its
  pool membership ends. Called after a 四上 name list is committed (enterprises.signals) and when a statistician
  records a 四上 fact by hand (services.registry.add_classification).
- `set_ipo_stage(fact, stage)`: a 拟上市 firm's stage (股改 → 辅导 → 申报 → 过会 → 上市).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from crm.models import User
from enterprises.models import Classification
from enterprises.services.standing import refresh_coverage_flags

# The pools a firm leaves when it becomes 四上 (规上): the 小升规 candidates.
GRADUATE_ON_SISHANG = (Classification.Pool.SISHANG_CANDIDATE,)


@transaction.atomic
def graduate_from_sishang(year: int, *, enterprise_ids: Iterable[int] | None = None, on: dt.date | None = None,
                          actor: User | None = None) -> int:
    """End the open 小升规-pool memberships of firms on the `year` 四上 list; returns how many graduated.

    The exit date is the end of that statistical year, or `on` (today) if earlier, never before the entry:
    a firm on the 2025 list is counted as graduating in 2025 even when the list arrives in 2026.
    """
    on = on or timezone.localdate()
    exit_on = min(on, dt.date(year, 12, 31))
    sishang = Classification.objects.filter(kind=Classification.Kind.SISHANG, year=year,
                                            enterprise_id=OuterRef("enterprise_id"))
    open_pool = Classification.objects.filter(
        kind=Classification.Kind.POOL, category__in=GRADUATE_ON_SISHANG, valid_to__isnull=True,
    ).filter(Exists(sishang))
    if enterprise_ids is not None:
        open_pool = open_pool.filter(enterprise_id__in=list(enterprise_ids))
    facts = list(open_pool.select_for_update())
    for fact in facts:
        fact.valid_to = max(exit_on, fact.valid_from) if fact.valid_from else exit_on
        fact.outcome = Classification.Outcome.GRADUATED
        fact.reason = f"已升规：列入 {year} 年“四上”名录"[:200]
        fact.updated_at = timezone.now()
    if facts:
        bulk_update_with_history(facts, Classification, ["valid_to", "outcome", "reason", "updated_at"],
                                 default_user=actor, default_change_reason="graduate_from_sishang")
        refresh_coverage_flags([f.enterprise_id for f in facts])  # bulk_update sends no signals
    return len(facts)


@transaction.atomic
def set_ipo_stage(fact: Classification, stage: str, *, actor: User) -> Classification:
    """Move a 拟上市 firm to a stage; 上市 ends its place on the list (the listing itself is a `listed` fact)."""
    if fact.kind != Classification.Kind.PREIPO:
        raise ValidationError({"category": "只有拟上市企业有上市进程阶段"})
    if stage not in Classification.IpoStage.values:
        raise ValidationError({"category": "请选择股改、辅导、申报、过会或上市"})
    fact = Classification.objects.select_for_update().get(pk=fact.pk)
    fact.category = stage
    if stage == Classification.IpoStage.LISTED and fact.valid_to is None:
        fact.valid_to = max(timezone.localdate(), fact.valid_from) if fact.valid_from else timezone.localdate()
        fact.outcome = Classification.Outcome.GRADUATED
    fact._history_user = actor
    fact.save()
    return fact
