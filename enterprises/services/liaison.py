"""Liaison service (挂点服务): assigning officers to firms in a team role, in bulk, and ending assignments.

Rows are never deleted: an assignment ends with `end_date`, so coverage "on a day" and the history of who
served a firm stay answerable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from crm.permissions import LIAISON_ROLES
from enterprises.models import Classification, Enterprise, LiaisonAssignment
from enterprises.services.standing import deferred, refresh_coverage_flags

if TYPE_CHECKING:
    from crm.models import Community, User
    from enterprises.models import Park

ASSIGNABLE_ROLES = LIAISON_ROLES
MAX_BULK = 5000


@dataclass(frozen=True)
class AssignResult:
    created: int
    already: int
    ended: int


def _check_officer(officer: User, enterprises: list[Enterprise]) -> None:
    if not officer.is_active or officer.role not in ASSIGNABLE_ROLES:
        raise ValidationError("只能指派本街道的经济专员、统计员或街道领导挂点")
    if officer.street_id is not None and any(e.street_id != officer.street_id for e in enterprises):
        raise ValidationError("挂点人员只能服务本街道的企业")


@transaction.atomic
def assign(
    enterprises: Iterable[Enterprise], *, officer: User, team_role: str, actor: User,
    start_date: dt.date | None = None, replace: bool = False, note: str = "",
) -> AssignResult:
    """Assign `officer` to every firm in one role. Firms already served by them in that role are skipped.

    With `replace`, other people's open assignments in the same role end the day before (a hand-over), so the
    history shows who served when.
    """
    if team_role not in LiaisonAssignment.TeamRole.values:
        raise ValidationError("服务团队角色无效")
    firms = list(enterprises)
    if not firms:
        raise ValidationError("请至少选择一家企业")
    if len(firms) > MAX_BULK:
        raise ValidationError(f"一次最多指派 {MAX_BULK} 家企业，请缩小筛选范围")
    _check_officer(officer, firms)
    start = start_date or timezone.localdate()
    ids = [e.pk for e in firms]
    open_rows = LiaisonAssignment.objects.filter(enterprise_id__in=ids, team_role=team_role, end_date__isnull=True)
    already = set(open_rows.filter(officer=officer).values_list("enterprise_id", flat=True))
    ended = 0
    if replace:
        others = list(open_rows.exclude(officer=officer).select_for_update())
        with deferred():  # one set-based refresh for the hand-over, not one per row
            for row in others:
                row.end_date = max(row.start_date, start - dt.timedelta(days=1))
                row._history_user = actor
                row.save(update_fields=["end_date"])
        ended = len(others)
    new_rows = [
        LiaisonAssignment(enterprise_id=pk, officer=officer, team_role=team_role, start_date=start, note=note,
                          created_by=actor)
        for pk in ids
        if pk not in already
    ]
    bulk_create_with_history(new_rows, LiaisonAssignment, batch_size=1000, default_user=actor)
    refresh_coverage_flags(ids)  # bulk_create sends no signals
    return AssignResult(created=len(new_rows), already=len(already), ended=ended)


@transaction.atomic
def end_assignment(assignment: LiaisonAssignment, *, actor: User, end_date: dt.date | None = None) -> LiaisonAssignment:
    end = end_date or timezone.localdate()
    if assignment.end_date is not None:
        raise ValidationError("该挂点已结束")
    if end < assignment.start_date:
        raise ValidationError("结束日期不能早于开始日期")
    assignment.end_date = end
    assignment._history_user = actor
    assignment.save(update_fields=["end_date"])
    return assignment


def select_firms(actor: User, *, scope: str, park: Park | None = None, community: Community | None = None,
                 ids: Iterable[int] = (), only_kind: str = ""):
    """The active firms a bulk assignment covers, as `actor` may see them: every firm of a park or a community,
    or the ticked ones (`ids`), optionally only those holding a classification of `only_kind` today."""
    firms = Enterprise.objects.visible_to(actor).filter(status=Enterprise.Status.ACTIVE)
    if scope == "park":
        firms = firms.filter(park=park)
    elif scope == "community":
        firms = firms.filter(community=community)
    else:
        firms = firms.filter(pk__in=list(ids)[:MAX_BULK])
    if only_kind:
        facts = Classification.objects.filter(kind=only_kind).current(timezone.localdate())
        firms = firms.filter(pk__in=facts.values("enterprise_id"))
    return firms[: MAX_BULK + 1]
