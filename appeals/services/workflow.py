"""The appeal workflow. Every change to an appeal goes through these functions: they check the actor against
the action table (services/permissions.py), check the transition, lock the row, write the event log and move
the clocks. They take explicit instants (`at`) so the `sla replay` command drives exactly the same code with a
scenario's timeline."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils import translation

from appeals import sla
from appeals.models import Appeal, AppealCategory, DepartmentTask, ExtensionRequest, FollowupSettings, SlaClock
from appeals.services.attachments import add_attachment
from appeals.services.clocks import meet, move_due, new_clock, running, settle, targets_for_appeal, unbreach
from appeals.services.common import (
    OPEN_WORKING, S, check_order, fmt, locked, log, notify_assigned, notify_simple, now_or, require,
)
from appeals.services.permissions import WorkflowError, authorize
from crm.models import Department, Role, User
from crm.services.workcalendar import get_calendar
from enterprises.models import Enterprise, VisitProblem

__all__ = [
    "CATEGORIES", "create_appeal", "create_appeal_from_visit_problem", "decide_extension", "department_reply",
    "department_return", "department_sign", "ensure_categories", "followup_required", "merge", "record_followup",
    "request_extension", "resolve", "respond", "sign", "transfer",
]

# Problem categories have one home, the visit problem's (enterprises.models.VisitProblem.Category): an appeal's
# category table (AppealCategory, editable by administrators) is seeded from it, so a problem found on a visit
# keeps its category when it becomes an appeal.
CATEGORIES = VisitProblem.Category.choices


def followup_required(category: AppealCategory) -> bool:
    settings_row = FollowupSettings.objects.first()
    if settings_row is None or settings_row.mode == FollowupSettings.Mode.ALL or category.always_follow_up:
        return True
    return random.random() * 100 < settings_row.sample_percent  # noqa: S311 - sampling, not security


def ensure_categories() -> None:
    """The visit-problem categories as appeal categories, named in Chinese with their English name, whichever
    language the request that first needs them is in."""
    existing = set(AppealCategory.objects.values_list("code", flat=True))
    for order, (code, name) in enumerate(CATEGORIES, start=1):
        if code in existing:
            continue
        with translation.override("zh-hans"):
            name_zh = str(name)
        with translation.override("en"):
            name_en = str(name)
        AppealCategory.objects.get_or_create(code=code, defaults={"name": name_zh, "name_en": name_en,
                                                                  "order": order})


# --- intake ----------------------------------------------------------------------------------------------------
@transaction.atomic
@transaction.atomic
def create_appeal(*, enterprise, category: AppealCategory, description: str, officer: User, actor: User | None,
                  title: str = "", source: str = Appeal.Source.VISIT, urgency: str = "normal",
                  contact_name: str = "", contact_phone: str = "", at: dt.datetime | None = None,
                  attachments: Iterable = ()) -> Appeal:
    """A new appeal with its three clocks, and its attachments: all of it, or nothing (a refused file refuses the
    appeal)."""
    authorize(actor, "create")
    at = now_or(at)
    description = (description or "").strip()
    if not description:
        raise WorkflowError("请填写诉求内容。")
    if actor is not None and not Enterprise.objects.visible_to(actor).filter(pk=enterprise.pk).exists():
        raise WorkflowError("该企业不在您的服务范围内。")
    if officer.street_id and officer.street_id != enterprise.street_id:
        raise WorkflowError("责任专员不属于该企业所在街道。")
    appeal = Appeal.objects.create(
        street_id=enterprise.street_id, community_id=enterprise.community_id, enterprise=enterprise,
        category=category, source=source, urgency=urgency, title=(title or description[:40]).strip(),
        description=description, contact_name=contact_name, contact_phone=contact_phone, officer=officer,
        received_at=at, created_by=actor, followup_required=followup_required(category),
    )
    targets = targets_for_appeal(appeal)
    calendar = get_calendar()
    for metric in ("sign", "response", "resolution"):
        new_clock(appeal, metric, at, targets, calendar=calendar)
    log(appeal, actor, at, "create", description[:200])
    for upload in attachments:
        add_attachment(appeal, actor=actor, upload=upload)
    if actor is None or officer.pk != actor.pk:
        notify_assigned(appeal, [officer], at)
    return appeal


def create_appeal_from_visit_problem(*, problem, actor, at: dt.datetime | None = None) -> Appeal:
    """The seam the enterprises app calls when a visit's problem becomes an appeal. Idempotent per problem.

    The appeal carries the firm's primary contact. An officer raising it from their own visit (they logged it or
    went on it) has already taken the problem in hand, face to face: the appeal starts signed by them."""
    at = now_or(at)
    with transaction.atomic():
        existing = Appeal.objects.select_for_update().filter(visit_problem=problem).first()
        if existing:
            return existing
        visit = problem.visit
        officer = actor if actor.role == Role.OFFICER else visit.created_by
        contact = visit.enterprise.contacts.order_by("-is_primary", "pk").first()
        appeal = create_appeal(enterprise=visit.enterprise, category=_category_for_problem(problem),
                               description=problem.description, officer=officer, actor=actor,
                               source=Appeal.Source.VISIT, at=at,
                               contact_name=contact.name if contact else "",
                               contact_phone=contact.phone if contact else "")
        appeal.visit_problem = problem
        appeal.save(update_fields=["visit_problem"])
        own_visit = visit.created_by_id == actor.pk or visit.officers.filter(pk=actor.pk).exists()
        if actor.role == Role.OFFICER and own_visit:
            sign(appeal, actor=actor, at=at, comment="走访中当面受理")
    return appeal


def _category_for_problem(problem) -> AppealCategory:
    ensure_categories()
    wanted = problem.category or VisitProblem.Category.OTHER
    match = AppealCategory.objects.filter(Q(code=wanted) | Q(name=wanted)).first()
    return match or AppealCategory.objects.get(code=VisitProblem.Category.OTHER)


# --- handling by the street ---------------------------------------------------------------------------------------
@transaction.atomic
def sign(appeal: Appeal, *, actor: User | None, at: dt.datetime | None = None, comment: str = "") -> Appeal:
    authorize(actor, "sign", appeal)
    at = now_or(at)
    locked(appeal)
    require(appeal, (S.NEW,), "签收")
    check_order(appeal, at)
    before = appeal.status
    appeal.status = S.SIGNED
    appeal.save(update_fields=["status"])
    meet(appeal, at, "sign")
    log(appeal, actor, at, "sign", comment, before)
    return appeal


@transaction.atomic
def respond(appeal: Appeal, *, actor: User | None, comment: str = "", at: dt.datetime | None = None) -> Appeal:
    """First response to the enterprise (受理告知 / 电话联系). Also counts as signing."""
    authorize(actor, "respond", appeal)
    at = now_or(at)
    locked(appeal)
    require(appeal, OPEN_WORKING, "响应")
    check_order(appeal, at)
    before = appeal.status
    if appeal.status in (S.NEW, S.SIGNED):
        appeal.status = S.IN_PROGRESS
        appeal.save(update_fields=["status"])
    meet(appeal, at, "sign", "response")
    log(appeal, actor, at, "respond", comment, before)
    return appeal


@transaction.atomic
def transfer(appeal: Appeal, *, actor: User | None, department: Department,
             co_departments: Iterable[Department] = (), comment: str = "",
             at: dt.datetime | None = None) -> list[DepartmentTask]:
    """转办 to a lead department (主办) and optional co-handlers (协办). Enterprise-facing clocks keep running."""
    authorize(actor, "transfer", appeal)
    at = now_or(at)
    locked(appeal)
    require(appeal, OPEN_WORKING, "转办")
    check_order(appeal, at)
    if not department.is_active:
        raise WorkflowError(f"部门“{department}”已停用。")
    co = [d for d in co_departments if d.pk != department.pk]
    targets = targets_for_appeal(appeal)
    calendar = get_calendar()
    due = sla.compute_due(calendar, at, targets.department)
    # A new lead replaces the previous one's open handling.
    for task in appeal.department_tasks.filter(role=DepartmentTask.Role.LEAD, state__in=DepartmentTask.OPEN_STATES):
        task.state = DepartmentTask.State.WITHDRAWN
        task.save(update_fields=["state"])
    tasks = []
    for dept, role in [(department, DepartmentTask.Role.LEAD)] + [(d, DepartmentTask.Role.CO) for d in co]:
        if appeal.department_tasks.filter(department=dept, state__in=DepartmentTask.OPEN_STATES).exists():
            raise WorkflowError(f"部门“{dept}”已有未完成的办理任务。")
        tasks.append(DepartmentTask.objects.create(appeal=appeal, department=dept, role=role, assigned_at=at,
                                                   assigned_by=actor, due_at=due))
    before = appeal.status
    appeal.status, appeal.lead_department = S.TRANSFERRED, department
    appeal.save(update_fields=["status", "lead_department"])
    meet(appeal, at, "sign")
    names = "、".join(str(d) for d in co)
    log(appeal, actor, at, "transfer", (comment + (f"（协办：{names}）" if names else "")).strip(), before, department)
    handlers = User.objects.filter(role=Role.DEPARTMENT, department__in=[t.department_id for t in tasks],
                                   is_active=True)
    notify_assigned(appeal, handlers, at)
    return tasks


def _task_for(appeal: Appeal, actor: User | None, department: Department | None) -> DepartmentTask:
    department_id = department.pk if department else (actor.department_id if actor else None)
    qs = appeal.department_tasks.select_for_update().filter(state__in=DepartmentTask.OPEN_STATES)
    task = qs.filter(department_id=department_id).first() if department_id else qs.filter(
        role=DepartmentTask.Role.LEAD).first()
    if task is None:
        raise WorkflowError("没有待本部门办理的任务。")
    if actor is not None and actor.role == Role.DEPARTMENT and actor.department_id != task.department_id:
        raise WorkflowError("只能处理本部门的办理任务。")
    return task


@transaction.atomic
def department_sign(appeal: Appeal, *, actor: User | None, department: Department | None = None,
                    at: dt.datetime | None = None) -> DepartmentTask:
    authorize(actor, "department_sign", appeal)
    at = now_or(at)
    locked(appeal)
    task = _task_for(appeal, actor, department)
    if task.state != DepartmentTask.State.PENDING:
        raise WorkflowError("本部门已签收该诉求。")
    task.state, task.signed_at = DepartmentTask.State.SIGNED, at
    task.save(update_fields=["state", "signed_at"])
    log(appeal, actor, at, "department_sign", "", appeal.status, task.department)
    return task


@transaction.atomic
def department_reply(appeal: Appeal, *, actor: User | None, reply: str, department: Department | None = None,
                     at: dt.datetime | None = None) -> DepartmentTask:
    authorize(actor, "department_reply", appeal)
    at = now_or(at)
    locked(appeal)
    if not (reply or "").strip():
        raise WorkflowError("请填写答复内容。")
    task = _task_for(appeal, actor, department)
    task.state, task.replied_at, task.reply = DepartmentTask.State.REPLIED, at, reply.strip()
    task.signed_at = task.signed_at or at
    task.save(update_fields=["state", "replied_at", "reply", "signed_at"])
    log(appeal, actor, at, "department_reply", reply.strip(), appeal.status, task.department)
    notify_simple(appeal, [appeal.officer], f"appeal:{appeal.pk}:reply:{task.pk}", "appeal_replied",
                  f"{task.department.name}已答复诉求：{appeal.title}", at)
    return task


@transaction.atomic
def department_return(appeal: Appeal, *, actor: User | None, reason: str, department: Department | None = None,
                      at: dt.datetime | None = None) -> DepartmentTask:
    """退单: the department says it is not theirs. A returned lead sends the appeal back to the street."""
    authorize(actor, "return", appeal)
    at = now_or(at)
    locked(appeal)
    if not (reason or "").strip():
        raise WorkflowError("退单必须填写理由。")
    task = _task_for(appeal, actor, department)
    task.state, task.returned_at, task.return_reason = DepartmentTask.State.RETURNED, at, reason.strip()
    task.save(update_fields=["state", "returned_at", "return_reason"])
    before = appeal.status
    if task.role == DepartmentTask.Role.LEAD:
        appeal.status, appeal.lead_department = S.IN_PROGRESS, None
        appeal.save(update_fields=["status", "lead_department"])
    log(appeal, actor, at, "return", reason.strip(), before, task.department)
    notify_simple(appeal, [appeal.officer], f"appeal:{appeal.pk}:return:{task.pk}", "appeal_returned",
                  f"{task.department.name}退单：{appeal.title}", at)
    return task


# --- extensions --------------------------------------------------------------------------------------------------
@transaction.atomic
def request_extension(appeal: Appeal, *, actor: User | None, requested_due: dt.datetime, reason: str,
                      at: dt.datetime | None = None) -> ExtensionRequest:
    authorize(actor, "extend", appeal)
    at = now_or(at)
    locked(appeal)
    require(appeal, OPEN_WORKING, "申请延期")
    check_order(appeal, at)
    if not (reason or "").strip():
        raise WorkflowError("申请延期必须填写理由。")
    clock = running(appeal, "resolution")
    if clock is None:
        raise WorkflowError("办结时限已结束，不能申请延期。")
    if at > clock.due_at:
        raise WorkflowError(f"已超过办结时限（{fmt(clock.due_at)}），延期须在到期前申请。")
    if requested_due <= clock.due_at:
        raise WorkflowError(f"申请的新时限必须晚于当前时限（{fmt(clock.due_at)}）。")
    if appeal.extensions.filter(state=ExtensionRequest.State.PENDING).exists():
        raise WorkflowError("已有待审批的延期申请。")
    request = ExtensionRequest.objects.create(appeal=appeal, clock=clock, requested_by=actor, requested_at=at,
                                              reason=reason.strip(), current_due_at=clock.due_at,
                                              requested_due_at=requested_due)
    meet(appeal, at, "sign")
    log(appeal, actor, at, "extension_request", f"申请延至 {fmt(requested_due)}：{reason.strip()}", appeal.status)
    managers = User.objects.filter(role=Role.MANAGER, street_id=appeal.street_id, is_active=True)
    notify_simple(appeal, managers, f"appeal:{appeal.pk}:ext:{request.pk}", "appeal_extension",
                  f"延期申请待审批：{appeal.title}", at)
    return request


@transaction.atomic
def decide_extension(request: ExtensionRequest, *, actor: User | None, approve: bool, comment: str = "",
                     at: dt.datetime | None = None) -> ExtensionRequest:
    authorize(actor, "decide_extension", request.appeal)
    at = now_or(at)
    appeal = locked(request.appeal)
    request = ExtensionRequest.objects.select_for_update().get(pk=request.pk)
    if request.state != ExtensionRequest.State.PENDING:
        raise WorkflowError("该延期申请已审批。")
    clock = SlaClock.objects.select_for_update().get(pk=request.clock_id)
    if approve and clock.state == SlaClock.State.BREACHED and request.requested_at <= (clock.breached_at or at):
        # Requested in time, breached while waiting (by a sweep before this rule existed, or a race): the
        # breach was only pending the decision, so approving undoes it.
        unbreach(appeal, clock)
    if approve and clock.state != SlaClock.State.RUNNING:
        if not appeal.is_open:  # merged or closed: its clocks were cancelled or settled
            raise WorkflowError(f"诉求已{appeal.get_status_display()}，不能再批准延期。")
        raise WorkflowError("办结时限已结束（已办结或已超时），不能再批准延期。")
    request.state = ExtensionRequest.State.APPROVED if approve else ExtensionRequest.State.REJECTED
    request.decided_by, request.decided_at, request.decision_comment = actor, at, comment
    request.save(update_fields=["state", "decided_by", "decided_at", "decision_comment"])
    if approve:
        calendar = get_calendar()
        targets = targets_for_appeal(appeal)
        clock.original_due_at = clock.original_due_at or clock.due_at
        move_due(clock, request.requested_due_at, targets, calendar)
        clock.save()
    elif clock.state == SlaClock.State.RUNNING and at > clock.due_at:
        # The sweep held this breach while the request was pending; refused, it becomes final at the due time.
        settle(appeal, clock, at)
    log(appeal, actor, at, "extension_approved" if approve else "extension_rejected", comment, appeal.status)
    notify_simple(appeal, [request.requested_by or appeal.officer], f"appeal:{appeal.pk}:extdecided:{request.pk}",
                  "appeal_extension", f"延期申请{'已批准' if approve else '被驳回'}：{appeal.title}", at)
    return request


def _withdraw_pending_extensions(appeal: Appeal, at: dt.datetime, why: str) -> None:
    appeal.extensions.filter(state=ExtensionRequest.State.PENDING).update(
        state=ExtensionRequest.State.REJECTED, decided_at=at, decision_comment=why)


# --- resolution, follow-up, merge -------------------------------------------------------------------------------
@transaction.atomic
def resolve(appeal: Appeal, *, actor: User | None, answer: str, at: dt.datetime | None = None) -> Appeal:
    """答复/办结 with the answer given to the enterprise."""
    authorize(actor, "resolve", appeal)
    at = now_or(at)
    locked(appeal)
    require(appeal, OPEN_WORKING, "办结")
    check_order(appeal, at)
    if not (answer or "").strip():
        raise WorkflowError("办结必须填写给企业的答复内容。")
    before = appeal.status
    _withdraw_pending_extensions(appeal, at, "诉求已办结，申请自动撤销")
    appeal.department_tasks.filter(state__in=DepartmentTask.OPEN_STATES).update(state=DepartmentTask.State.WITHDRAWN)
    meet(appeal, at, "sign", "response", "resolution")
    appeal.answer, appeal.resolved_at = answer.strip(), at
    if appeal.followup_required:
        appeal.status = S.RESOLVED
        new_clock(appeal, "followup", at, targets_for_appeal(appeal), round_=appeal.round)
    else:
        appeal.status, appeal.closed_at, appeal.escalated = S.CLOSED, at, False
    appeal.save(update_fields=["answer", "resolved_at", "status", "closed_at", "escalated"])
    log(appeal, actor, at, "resolve", answer.strip(), before)
    return appeal


@transaction.atomic
def record_followup(appeal: Appeal, *, actor: User | None, result: str, comment: str = "",
                    at: dt.datetime | None = None) -> Appeal:
    """回访. Satisfied/basically closes; unsatisfied reopens it with a new resolution round."""
    authorize(actor, "followup", appeal)
    at = now_or(at)
    locked(appeal)
    require(appeal, (S.RESOLVED,), "回访")
    check_order(appeal, at)
    if result not in Appeal.Satisfaction.values:
        raise WorkflowError(f"回访结果“{result}”无效：应为 satisfied、basically 或 unsatisfied。")
    meet(appeal, at, "followup")
    before = appeal.status
    if appeal.round == 1:
        appeal.followed_up, appeal.satisfaction = True, result
    if result == Appeal.Satisfaction.UNSATISFIED:
        appeal.round += 1
        appeal.status = S.IN_PROGRESS
        new_clock(appeal, "resolution", at, targets_for_appeal(appeal), round_=appeal.round)
        action = "reopen"
    else:
        appeal.status, appeal.closed_at, appeal.escalated = S.CLOSED, at, False
        action = "followup"
    appeal.save(update_fields=["followed_up", "satisfaction", "round", "status", "closed_at", "escalated"])
    label = Appeal.Satisfaction(result).label
    log(appeal, actor, at, action, f"回访结果：{label}。{comment}".strip(), before)
    return appeal


@transaction.atomic
def merge(duplicate: Appeal, *, into: Appeal, actor: User | None, comment: str = "",
          at: dt.datetime | None = None) -> Appeal:
    """Merge a duplicate into another open appeal of the same firm: its clocks are cancelled, its department
    handling withdrawn and its pending extension request withdrawn (nothing is left waiting in a queue)."""
    authorize(actor, "merge", duplicate)
    authorize(actor, "merge", into)
    at = now_or(at)
    locked(duplicate)
    if duplicate.pk == into.pk:
        raise WorkflowError("不能把诉求合并到自身。")
    if into.enterprise_id != duplicate.enterprise_id:
        raise WorkflowError("只能合并同一企业的重复诉求。")
    if not into.is_open:
        raise WorkflowError("目标诉求已关闭或已被合并。")
    require(duplicate, OPEN_WORKING, "合并")
    before = duplicate.status
    _withdraw_pending_extensions(duplicate, at, f"诉求已合并至 #{into.pk}，申请自动撤销")
    duplicate.clocks.filter(state=SlaClock.State.RUNNING).update(state=SlaClock.State.CANCELLED)
    duplicate.department_tasks.filter(state__in=DepartmentTask.OPEN_STATES).update(
        state=DepartmentTask.State.WITHDRAWN)
    duplicate.status, duplicate.merged_into, duplicate.closed_at, duplicate.escalated = S.MERGED, into, at, False
    duplicate.save(update_fields=["status", "merged_into", "closed_at", "escalated"])
    log(duplicate, actor, at, "merge", f"合并至诉求 #{into.pk}。{comment}".strip(), before)
    log(into, actor, at, "merged_from", f"诉求 #{duplicate.pk} 作为重复诉求并入。", into.status)
    return duplicate
