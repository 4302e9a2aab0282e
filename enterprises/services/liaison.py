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
from django.db.models import F, Q, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from crm.permissions import LIAISON_ROLES
from enterprises.models import Classification, Enterprise, LiaisonAssignment, Park
from enterprises.services.standing import deferred, refresh_coverage_flags

if TYPE_CHECKING:
    from crm.models import Community, User

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
        # A park's officer serves its tenants through the park: that changes with the park, not by a hand-over.
        others = list(open_rows.exclude(officer=officer).filter(via_park__isnull=True).select_for_update())
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
    if assignment.via_park_id is not None:
        raise ValidationError("该挂点随园区指派：请在园区台账中更换责任专员，或调整企业所在园区")
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


# --- 园区包干: a park's responsible officer serves its tenants -------------------------------------------------

PARK_ROLE = LiaisonAssignment.TeamRole.SERVICE_OFFICER
PARK_NOTE = "园区责任专员（随园区指派）"
#: Beyond this many ids a scoped sync becomes a whole-registry one (one statement either way, no huge IN lists).
SCOPE_LIMIT = 2000


@dataclass(frozen=True)
class ParkSyncResult:
    created: int
    ended: int


def _in(column: str, ids: list[int]) -> tuple[str, list[int]]:
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _record_history(ids: list[int], history_type: str, actor: User | None, now) -> None:
    """The history rows simple_history would have written for `ids`, in one INSERT … SELECT per chunk."""
    if not ids:
        return
    from django.db import connection

    qn = connection.ops.quote_name
    history = LiaisonAssignment.history.model
    columns = [f.column for f in LiaisonAssignment._meta.concrete_fields]
    cols = ", ".join(qn(c) for c in columns)
    for i in range(0, len(ids), SCOPE_LIMIT):
        where, params = _in("id", ids[i:i + SCOPE_LIMIT])
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {qn(history._meta.db_table)} ({cols}, history_date, history_change_reason, history_type, "
                f"history_user_id) SELECT {cols}, %s, %s, %s, %s FROM {qn(LiaisonAssignment._meta.db_table)} "
                f"WHERE {where}",
                [now, "园区包干", history_type, actor.pk if actor else None, *params])


@transaction.atomic
def sync_park_liaisons(*, park_ids: Iterable[int] | None = None, enterprise_ids: Iterable[int] | None = None,
                       actor: User | None = None, on: dt.date | None = None) -> ParkSyncResult:
    """Make the park-derived assignments (`via_park`) match the parks' responsible officers and tenants, set-based.

    A firm that is active, sits in a park of its own street whose officer is an active user, has that officer as
    企业服务专员 through the park. Open park-derived rows that no longer match (the firm left the park, moved out or
    was deregistered, the park changed or lost its officer, the officer left) end on `on` (today); missing ones
    are inserted in one INSERT … SELECT. A firm the officer already serves by hand keeps its own row (nothing is
    added beside it), and hand-made rows (`via_park` empty) are never touched.

    Scope: the given parks, or the given firms, or every park (both None: the nightly and after-import
    reconcile). Two statements and their history rows whatever the number of firms.
    """
    from django.db import connection

    today = on or timezone.localdate()
    now = timezone.now()
    parks = None if park_ids is None else sorted(set(park_ids))
    firms = None if enterprise_ids is None else sorted(set(enterprise_ids))
    if (parks is not None and len(parks) > SCOPE_LIMIT) or (firms is not None and len(firms) > SCOPE_LIMIT):
        parks = firms = None
    if parks == [] or firms == []:
        return ParkSyncResult(0, 0)

    # 1. End the open park-derived rows that no longer hold.
    from crm.models import User as UserModel

    stale = LiaisonAssignment.objects.order_by().filter(via_park__isnull=False, end_date__isnull=True).filter(
        ~Q(enterprise__park_id=F("via_park_id"))
        | ~Q(enterprise__status=Enterprise.Status.ACTIVE)
        | ~Q(enterprise__street_id=F("via_park__street_id"))
        | ~Q(via_park__officer_id=F("officer_id"))
        | Q(officer_id__in=UserModel.objects.filter(is_active=False).values("pk"))
    )
    if parks is not None:
        stale = stale.filter(via_park_id__in=parks)
    if firms is not None:
        stale = stale.filter(enterprise_id__in=firms)
    ended_rows = list(stale.values_list("id", "enterprise_id"))
    ended_ids = [pk for pk, _ in ended_rows]
    for i in range(0, len(ended_ids), SCOPE_LIMIT):
        LiaisonAssignment.objects.filter(id__in=ended_ids[i:i + SCOPE_LIMIT], end_date__isnull=True).update(
            end_date=Greatest(F("start_date"), Value(today)))

    # 2. Insert the missing ones: every active tenant of a park with an active officer, unless that officer already
    # serves the firm in the role (by hand or through the park).
    qn = connection.ops.quote_name
    la, ent, park = (qn(m._meta.db_table) for m in (LiaisonAssignment, Enterprise, Park))
    user = qn(UserModel._meta.db_table)
    where, params = ["p.officer_id IS NOT NULL", "u.is_active", "e.status = %s", "e.street_id = p.street_id"], [
        Enterprise.Status.ACTIVE.value]
    if parks is not None:
        clause, ids = _in("p.id", parks)
        where.append(clause)
        params += ids
    if firms is not None:
        clause, ids = _in("e.id", firms)
        where.append(clause)
        params += ids
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {la} (enterprise_id, officer_id, team_role, start_date, end_date, note, via_park_id, "
            f"created_by_id, created_at) "
            f"SELECT e.id, p.officer_id, %s, %s, NULL, %s, p.id, %s, %s "
            f"FROM {ent} e JOIN {park} p ON p.id = e.park_id JOIN {user} u ON u.id = p.officer_id "
            f"WHERE {' AND '.join(where)} AND NOT EXISTS (SELECT 1 FROM {la} a WHERE a.enterprise_id = e.id "
            f"AND a.officer_id = p.officer_id AND a.team_role = %s AND a.end_date IS NULL) "
            f"ON CONFLICT DO NOTHING RETURNING id, enterprise_id",
            [PARK_ROLE.value, today, PARK_NOTE, actor.pk if actor else None, now, *params, PARK_ROLE.value])
        created_rows = cursor.fetchall()
    created_ids = [pk for pk, _ in created_rows]
    if len(created_ids) > 10 * SCOPE_LIMIT and connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # a first reconcile at scale: plan the next statements on fresh stats
            cursor.execute(f"ANALYZE {la}")

    _record_history(ended_ids, "~", actor, now)
    _record_history(created_ids, "+", actor, now)
    if ended_rows or created_rows:
        touched = {e for _, e in ended_rows} | {e for _, e in created_rows}
        # Written in raw SQL (no model signals): the firms' coverage flags (None: every firm).
        refresh_coverage_flags(None if len(touched) > SCOPE_LIMIT else sorted(touched))
    return ParkSyncResult(created=len(created_ids), ended=len(ended_ids))


def end_park_liaisons(park_ids: Iterable[int], *, on: dt.date | None = None) -> int:
    """End the open rows held through these parks (a park about to be deleted)."""
    today = on or timezone.localdate()
    rows = LiaisonAssignment.objects.filter(via_park_id__in=list(park_ids), end_date__isnull=True)
    ids = list(rows.values_list("id", flat=True))
    if ids:
        firms = sorted(set(LiaisonAssignment.objects.filter(id__in=ids).values_list("enterprise_id", flat=True)))
        LiaisonAssignment.objects.filter(id__in=ids).update(end_date=Greatest(F("start_date"), Value(today)))
        _record_history(ids, "~", None, timezone.now())
        refresh_coverage_flags(firms)
    return len(ids)
