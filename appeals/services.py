"""The appeal workflow and its SLA clocks. Every change to an appeal goes through these functions: they check
the transition, lock the row, write the event log and move the clocks. They take explicit instants (`at`) so
the `sla replay` command drives exactly the same code with a scenario's timeline."""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from appeals import sla
from crm import filetypes
from appeals.models import (
    Appeal,
    AppealCategory,
    AppealEvent,
    DeadlineMove,
    DepartmentTask,
    ExtensionRequest,
    FollowupSettings,
    SlaClock,
)
from crm.models import Department, Role, User
from crm.services.workcalendar import get_calendar

logger = logging.getLogger(__name__)

S = Appeal.Status
OPEN_WORKING = (S.NEW, S.SIGNED, S.IN_PROGRESS, S.TRANSFERRED)
OFFICE_ACTORS = (Role.OFFICER, Role.MANAGER, Role.ADMIN)
APPROVER_ROLES = (Role.MANAGER, Role.ADMIN)

CATEGORIES = [
    ("space", "产业用房"), ("housing", "住房"), ("education", "子女教育"), ("transport", "交通"), ("labour", "招工用工"),
    ("utilities", "用水用电"), ("finance", "融资"), ("policy", "政策咨询"), ("safety", "安全/执法"), ("other", "其他"),
]


class WorkflowError(ValueError):
    """An action the workflow refuses; the message is shown to the user as is."""


# --- helpers ---------------------------------------------------------------------------------------------------
def _now(at: dt.datetime | None) -> dt.datetime:
    return at or timezone.now()


def _log(appeal: Appeal, actor: User | None, at: dt.datetime, action: str, comment: str = "",
         from_status: str = "", department: Department | None = None) -> AppealEvent:
    return AppealEvent.objects.create(appeal=appeal, actor=actor, at=at, action=action, comment=comment,
                                      from_status=from_status, to_status=appeal.status, department=department)


def _locked(appeal: Appeal) -> Appeal:
    fresh = Appeal.objects.select_for_update().get(pk=appeal.pk)
    appeal.__dict__.update(fresh.__dict__)
    return appeal


def _require(appeal: Appeal, allowed: Sequence[str], action: str) -> None:
    if appeal.status not in allowed:
        raise WorkflowError(f"诉求当前状态为“{appeal.get_status_display()}”，不能{action}。")


def _require_office(actor: User | None, action: str) -> None:
    if actor is not None and not actor.has_role(*OFFICE_ACTORS):
        raise WorkflowError(f"您的角色不能{action}。")


def _check_order(appeal: Appeal, at: dt.datetime) -> None:
    if at < appeal.received_at:
        raise WorkflowError("操作时间早于诉求受理时间。")


def new_clock(appeal: Appeal, metric: str, start: dt.datetime, targets: sla.Targets, round_: int = 1,
              calendar=None) -> SlaClock:
    calendar = calendar or get_calendar()
    spec = targets.for_metric(metric)
    due = sla.compute_due(calendar, start, spec)
    return SlaClock.objects.create(
        appeal=appeal, metric=metric, round=round_, target=spec, started_at=start, due_at=due,
        warn_at=sla.compute_warn_at(start, due, targets.warning_share),
        escalate_at=sla.compute_due(calendar, due, targets.escalate_after),
        policy_id=targets.policy_id, policy_version=targets.version,
        calendar_version=sla.calendar_version(calendar, start, due),
        provisional=calendar.span_is_provisional(start, due),
    )


def _running(appeal: Appeal, metric: str) -> SlaClock | None:
    return (SlaClock.objects.select_for_update().filter(appeal=appeal, metric=metric, state=SlaClock.State.RUNNING)
            .order_by("-round").first())


def _settle(appeal: Appeal, clock: SlaClock, at: dt.datetime) -> SlaClock:
    """Stop a running clock at `at`: met when on time, else breached at its due instant. Final either way."""
    if clock.state != SlaClock.State.RUNNING:
        return clock
    if at > clock.due_at:
        clock.state, clock.breached_at = SlaClock.State.BREACHED, clock.due_at
        Appeal.objects.filter(pk=appeal.pk).update(has_breach=True)
    else:
        clock.state, clock.met_at = SlaClock.State.MET, at
    clock.save(update_fields=["state", "met_at", "breached_at"])
    _record_outcome(appeal, clock)
    return clock


def _record_outcome(appeal: Appeal, clock: SlaClock) -> None:
    if clock.round != 1:
        return
    if clock.metric == SlaClock.Metric.RESPONSE:
        appeal.response_outcome = clock.outcome
        appeal.save(update_fields=["response_outcome"])
    elif clock.metric == SlaClock.Metric.RESOLUTION:
        appeal.resolution_outcome = clock.outcome
        appeal.save(update_fields=["resolution_outcome"])


def _meet(appeal: Appeal, at: dt.datetime, *metrics: str) -> None:
    for metric in metrics:
        clock = _running(appeal, metric)
        if clock is not None:
            _settle(appeal, clock, at)


def targets_for_appeal(appeal: Appeal) -> sla.Targets:
    return sla.targets_for(appeal.category_id, appeal.urgency)


def followup_required(category: AppealCategory) -> bool:
    settings_row = FollowupSettings.objects.first()
    if settings_row is None or settings_row.mode == FollowupSettings.Mode.ALL or category.always_follow_up:
        return True
    return random.random() * 100 < settings_row.sample_percent  # noqa: S311 - sampling, not security


def ensure_categories() -> None:
    for order, (code, name) in enumerate(CATEGORIES, start=1):
        AppealCategory.objects.get_or_create(code=code, defaults={"name": name, "order": order})


# --- intake ----------------------------------------------------------------------------------------------------
@transaction.atomic
def create_appeal(*, enterprise, category: AppealCategory, description: str, officer: User, actor: User | None,
                  title: str = "", source: str = Appeal.Source.VISIT, urgency: str = "normal",
                  contact_name: str = "", contact_phone: str = "", at: dt.datetime | None = None) -> Appeal:
    at = _now(at)
    description = (description or "").strip()
    if not description:
        raise WorkflowError("请填写诉求内容。")
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
    _log(appeal, actor, at, "create", description[:200])
    if actor is None or officer.pk != actor.pk:
        _notify_assigned(appeal, [officer], at)
    return appeal


def create_appeal_from_visit_problem(*, problem, actor) -> Appeal:
    """The seam the enterprises app calls when a visit's problem becomes an appeal. Idempotent per problem."""
    with transaction.atomic():
        existing = Appeal.objects.select_for_update().filter(visit_problem=problem).first()
        if existing:
            return existing
        visit = problem.visit
        officer = actor if actor.role == Role.OFFICER else visit.created_by
        appeal = create_appeal(enterprise=visit.enterprise, category=_category_for_problem(problem),
                               description=problem.description, officer=officer, actor=actor,
                               source=Appeal.Source.VISIT)
        appeal.visit_problem = problem
        appeal.save(update_fields=["visit_problem"])
    return appeal


def _category_for_problem(problem) -> AppealCategory:
    ensure_categories()
    wanted = problem.category or "other"
    match = AppealCategory.objects.filter(Q(code=wanted) | Q(name=wanted)).first()
    return match or AppealCategory.objects.get(code="other")


# --- handling by the street ---------------------------------------------------------------------------------------
@transaction.atomic
def sign(appeal: Appeal, *, actor: User | None, at: dt.datetime | None = None, comment: str = "") -> Appeal:
    at = _now(at)
    _locked(appeal)
    _require_office(actor, "签收")
    _require(appeal, (S.NEW,), "签收")
    _check_order(appeal, at)
    before = appeal.status
    appeal.status = S.SIGNED
    appeal.save(update_fields=["status"])
    _meet(appeal, at, "sign")
    _log(appeal, actor, at, "sign", comment, before)
    return appeal


@transaction.atomic
def respond(appeal: Appeal, *, actor: User | None, comment: str = "", at: dt.datetime | None = None) -> Appeal:
    """First response to the enterprise (受理告知 / 电话联系). Also counts as signing."""
    at = _now(at)
    _locked(appeal)
    _require_office(actor, "响应")
    _require(appeal, OPEN_WORKING, "响应")
    _check_order(appeal, at)
    before = appeal.status
    if appeal.status in (S.NEW, S.SIGNED):
        appeal.status = S.IN_PROGRESS
        appeal.save(update_fields=["status"])
    _meet(appeal, at, "sign", "response")
    _log(appeal, actor, at, "respond", comment, before)
    return appeal


@transaction.atomic
def transfer(appeal: Appeal, *, actor: User | None, department: Department,
             co_departments: Iterable[Department] = (), comment: str = "",
             at: dt.datetime | None = None) -> list[DepartmentTask]:
    """转办 to a lead department (主办) and optional co-handlers (协办). Enterprise-facing clocks keep running."""
    at = _now(at)
    _locked(appeal)
    _require_office(actor, "转办")
    _require(appeal, OPEN_WORKING, "转办")
    _check_order(appeal, at)
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
    _meet(appeal, at, "sign")
    names = "、".join(str(d) for d in co)
    _log(appeal, actor, at, "transfer", (comment + (f"（协办：{names}）" if names else "")).strip(), before, department)
    handlers = User.objects.filter(role=Role.DEPARTMENT, department__in=[t.department_id for t in tasks],
                                   is_active=True)
    _notify_assigned(appeal, handlers, at)
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
    at = _now(at)
    _locked(appeal)
    task = _task_for(appeal, actor, department)
    if task.state != DepartmentTask.State.PENDING:
        raise WorkflowError("本部门已签收该诉求。")
    task.state, task.signed_at = DepartmentTask.State.SIGNED, at
    task.save(update_fields=["state", "signed_at"])
    _log(appeal, actor, at, "department_sign", "", appeal.status, task.department)
    return task


@transaction.atomic
def department_reply(appeal: Appeal, *, actor: User | None, reply: str, department: Department | None = None,
                     at: dt.datetime | None = None) -> DepartmentTask:
    at = _now(at)
    _locked(appeal)
    if not (reply or "").strip():
        raise WorkflowError("请填写答复内容。")
    task = _task_for(appeal, actor, department)
    task.state, task.replied_at, task.reply = DepartmentTask.State.REPLIED, at, reply.strip()
    task.signed_at = task.signed_at or at
    task.save(update_fields=["state", "replied_at", "reply", "signed_at"])
    _log(appeal, actor, at, "department_reply", reply.strip(), appeal.status, task.department)
    _notify_simple(appeal, [appeal.officer], f"appeal:{appeal.pk}:reply:{task.pk}", "appeal_replied",
                   f"{task.department}已答复诉求：{appeal.title}", at)
    return task


@transaction.atomic
def department_return(appeal: Appeal, *, actor: User | None, reason: str, department: Department | None = None,
                      at: dt.datetime | None = None) -> DepartmentTask:
    """退单: the department says it is not theirs. A returned lead sends the appeal back to the street."""
    at = _now(at)
    _locked(appeal)
    if not (reason or "").strip():
        raise WorkflowError("退单必须填写理由。")
    task = _task_for(appeal, actor, department)
    task.state, task.returned_at, task.return_reason = DepartmentTask.State.RETURNED, at, reason.strip()
    task.save(update_fields=["state", "returned_at", "return_reason"])
    before = appeal.status
    if task.role == DepartmentTask.Role.LEAD:
        appeal.status, appeal.lead_department = S.IN_PROGRESS, None
        appeal.save(update_fields=["status", "lead_department"])
    _log(appeal, actor, at, "return", reason.strip(), before, task.department)
    _notify_simple(appeal, [appeal.officer], f"appeal:{appeal.pk}:return:{task.pk}", "appeal_returned",
                   f"{task.department}退单：{appeal.title}", at)
    return task


# --- extensions --------------------------------------------------------------------------------------------------
@transaction.atomic
def request_extension(appeal: Appeal, *, actor: User | None, requested_due: dt.datetime, reason: str,
                      at: dt.datetime | None = None) -> ExtensionRequest:
    at = _now(at)
    _locked(appeal)
    _require(appeal, OPEN_WORKING, "申请延期")
    _check_order(appeal, at)
    if not (reason or "").strip():
        raise WorkflowError("申请延期必须填写理由。")
    clock = _running(appeal, "resolution")
    if clock is None:
        raise WorkflowError("办结时限已结束，不能申请延期。")
    if at > clock.due_at:
        raise WorkflowError(f"已超过办结时限（{_fmt(clock.due_at)}），延期须在到期前申请。")
    if requested_due <= clock.due_at:
        raise WorkflowError(f"申请的新时限必须晚于当前时限（{_fmt(clock.due_at)}）。")
    if appeal.extensions.filter(state=ExtensionRequest.State.PENDING).exists():
        raise WorkflowError("已有待审批的延期申请。")
    request = ExtensionRequest.objects.create(appeal=appeal, clock=clock, requested_by=actor, requested_at=at,
                                              reason=reason.strip(), current_due_at=clock.due_at,
                                              requested_due_at=requested_due)
    _meet(appeal, at, "sign")
    _log(appeal, actor, at, "extension_request", f"申请延至 {_fmt(requested_due)}：{reason.strip()}", appeal.status)
    managers = User.objects.filter(role=Role.MANAGER, street_id=appeal.street_id, is_active=True)
    _notify_simple(appeal, managers, f"appeal:{appeal.pk}:ext:{request.pk}", "appeal_extension",
                   f"延期申请待审批：{appeal.title}", at)
    return request


@transaction.atomic
def decide_extension(request: ExtensionRequest, *, actor: User | None, approve: bool, comment: str = "",
                     at: dt.datetime | None = None) -> ExtensionRequest:
    at = _now(at)
    appeal = _locked(request.appeal)
    request = ExtensionRequest.objects.select_for_update().get(pk=request.pk)
    if actor is not None and not actor.has_role(*APPROVER_ROLES):
        raise WorkflowError("只有街道领导可以审批延期。")
    if request.state != ExtensionRequest.State.PENDING:
        raise WorkflowError("该延期申请已审批。")
    clock = SlaClock.objects.select_for_update().get(pk=request.clock_id)
    if approve and clock.state == SlaClock.State.BREACHED and request.requested_at <= (clock.breached_at or at):
        # Requested in time, breached while waiting (by a sweep before this rule existed, or a race): the
        # breach was only pending the decision, so approving undoes it.
        _unbreach(appeal, clock)
    if approve and clock.state != SlaClock.State.RUNNING:
        raise WorkflowError("办结时限已结束（已办结或已超时），不能再批准延期。")
    request.state = ExtensionRequest.State.APPROVED if approve else ExtensionRequest.State.REJECTED
    request.decided_by, request.decided_at, request.decision_comment = actor, at, comment
    request.save(update_fields=["state", "decided_by", "decided_at", "decision_comment"])
    if approve:
        calendar = get_calendar()
        targets = targets_for_appeal(appeal)
        clock.original_due_at = clock.original_due_at or clock.due_at
        _move_due(clock, request.requested_due_at, targets, calendar)
        clock.save()
    elif clock.state == SlaClock.State.RUNNING and at > clock.due_at:
        # The sweep held this breach while the request was pending; refused, it becomes final at the due time.
        _settle(appeal, clock, at)
    _log(appeal, actor, at, "extension_approved" if approve else "extension_rejected", comment, appeal.status)
    _notify_simple(appeal, [request.requested_by or appeal.officer], f"appeal:{appeal.pk}:extdecided:{request.pk}",
                   "appeal_extension", f"延期申请{'已批准' if approve else '被驳回'}：{appeal.title}", at)
    return request


def _unbreach(appeal: Appeal, clock: SlaClock) -> None:
    """Turn a breach that was pending an extension decision back into a running clock, and take back what the
    breach set on the appeal (first-round outcome, overdue flag, 督办 when nothing else is breached)."""
    clock.state, clock.breached_at, clock.breach_notified, clock.escalated_at = (
        SlaClock.State.RUNNING, None, False, None)
    clock.save(update_fields=["state", "breached_at", "breach_notified", "escalated_at"])
    others = SlaClock.objects.filter(appeal=appeal, state=SlaClock.State.BREACHED).exclude(pk=clock.pk)
    appeal.has_breach = others.exists()
    appeal.escalated = others.filter(escalated_at__isnull=False).exists()
    if clock.round == 1:
        appeal.resolution_outcome = ""
    appeal.save(update_fields=["has_breach", "escalated", "resolution_outcome"])


def _move_due(clock: SlaClock, due: dt.datetime, targets: sla.Targets, calendar) -> None:
    clock.due_at = due
    clock.warn_at = sla.compute_warn_at(clock.started_at, due, targets.warning_share)
    clock.escalate_at = sla.compute_due(calendar, due, targets.escalate_after)
    clock.provisional = calendar.span_is_provisional(clock.started_at, due)
    clock.calendar_version = sla.calendar_version(calendar, clock.started_at, due)
    clock.due_version += 1


# --- resolution, follow-up, merge -------------------------------------------------------------------------------
@transaction.atomic
def resolve(appeal: Appeal, *, actor: User | None, answer: str, at: dt.datetime | None = None) -> Appeal:
    """答复/办结 with the answer given to the enterprise."""
    at = _now(at)
    _locked(appeal)
    _require_office(actor, "办结")
    _require(appeal, OPEN_WORKING, "办结")
    _check_order(appeal, at)
    if not (answer or "").strip():
        raise WorkflowError("办结必须填写给企业的答复内容。")
    before = appeal.status
    appeal.extensions.filter(state=ExtensionRequest.State.PENDING).update(
        state=ExtensionRequest.State.REJECTED, decided_at=at, decision_comment="诉求已办结，申请自动撤销")
    appeal.department_tasks.filter(state__in=DepartmentTask.OPEN_STATES).update(state=DepartmentTask.State.WITHDRAWN)
    _meet(appeal, at, "sign", "response", "resolution")
    appeal.answer, appeal.resolved_at = answer.strip(), at
    if appeal.followup_required:
        appeal.status = S.RESOLVED
        new_clock(appeal, "followup", at, targets_for_appeal(appeal), round_=appeal.round)
    else:
        appeal.status, appeal.closed_at, appeal.escalated = S.CLOSED, at, False
    appeal.save(update_fields=["answer", "resolved_at", "status", "closed_at", "escalated"])
    _log(appeal, actor, at, "resolve", answer.strip(), before)
    return appeal


@transaction.atomic
def record_followup(appeal: Appeal, *, actor: User | None, result: str, comment: str = "",
                    at: dt.datetime | None = None) -> Appeal:
    """回访. Satisfied/basically closes; unsatisfied reopens it with a new resolution round."""
    at = _now(at)
    _locked(appeal)
    _require_office(actor, "回访")
    _require(appeal, (S.RESOLVED,), "回访")
    _check_order(appeal, at)
    if result not in Appeal.Satisfaction.values:
        raise WorkflowError(f"回访结果“{result}”无效：应为 satisfied、basically 或 unsatisfied。")
    _meet(appeal, at, "followup")
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
    _log(appeal, actor, at, action, f"回访结果：{label}。{comment}".strip(), before)
    return appeal


@transaction.atomic
def merge(duplicate: Appeal, *, into: Appeal, actor: User | None, comment: str = "",
          at: dt.datetime | None = None) -> Appeal:
    at = _now(at)
    _locked(duplicate)
    _require_office(actor, "合并")
    if duplicate.pk == into.pk:
        raise WorkflowError("不能把诉求合并到自身。")
    if into.enterprise_id != duplicate.enterprise_id:
        raise WorkflowError("只能合并同一企业的重复诉求。")
    if not into.is_open:
        raise WorkflowError("目标诉求已关闭或已被合并。")
    _require(duplicate, OPEN_WORKING, "合并")
    before = duplicate.status
    duplicate.clocks.filter(state=SlaClock.State.RUNNING).update(state=SlaClock.State.CANCELLED)
    duplicate.department_tasks.filter(state__in=DepartmentTask.OPEN_STATES).update(
        state=DepartmentTask.State.WITHDRAWN)
    duplicate.status, duplicate.merged_into, duplicate.closed_at, duplicate.escalated = S.MERGED, into, at, False
    duplicate.save(update_fields=["status", "merged_into", "closed_at", "escalated"])
    _log(duplicate, actor, at, "merge", f"合并至诉求 #{into.pk}。{comment}".strip(), before)
    _log(into, actor, at, "merged_from", f"诉求 #{duplicate.pk} 作为重复诉求并入。", into.status)
    return duplicate


def _fmt(instant: dt.datetime) -> str:
    return timezone.localtime(instant).strftime("%Y-%m-%d %H:%M")


# --- lights ------------------------------------------------------------------------------------------------------
def light(appeal: Appeal, clocks: Iterable[SlaClock], now: dt.datetime | None = None) -> str:
    """green on track · yellow past the warning share · red breached · purple 督办 (escalated)."""
    now = _now(now)
    if not appeal.is_open:
        return "grey"
    if appeal.escalated:
        return "purple"
    colour = "green"
    for clock in clocks:
        if clock.state == SlaClock.State.BREACHED and clock.round == appeal.round or (
                clock.state == SlaClock.State.RUNNING and now > clock.due_at):
            return "red"
        if clock.state == SlaClock.State.RUNNING and now >= clock.warn_at:
            colour = "yellow"
    return colour


# --- notifications -----------------------------------------------------------------------------------------------
def _notify_assigned(appeal: Appeal, users, at: dt.datetime) -> None:
    from crm.services.notifications import Message, notify

    notify(users, Message(key=f"appeal:{appeal.pk}:assigned:{at.timestamp():.0f}", kind="appeal_assigned",
                          title=f"新诉求待办理：{appeal.title}", body=_subject(appeal),
                          url=f"/appeals/{appeal.pk}/"), now=at)


def _notify_simple(appeal: Appeal, users, key: str, kind: str, title: str, at: dt.datetime) -> None:
    from crm.services.notifications import Message, notify

    notify([u for u in users if u is not None], Message(key=key, kind=kind, title=title, body=_subject(appeal),
                                                        url=f"/appeals/{appeal.pk}/"), now=at)


def _subject(appeal: Appeal) -> str:
    """What a message is about, for the inbox line under its title: the firm and the appeal number."""
    return f"{appeal.enterprise.name} · 诉求 #{appeal.pk}"


# --- policy and calendar changes ----------------------------------------------------------------------------------
def recompute_open_clocks(*, preview: bool = True, reason: str = DeadlineMove.Reason.CALENDAR,
                          now: dt.datetime | None = None, batch_size: int = 2000) -> dict:
    """Recompute the due time of every running clock from its start with today's policy and calendar.

    Preview counts what would change; apply writes it in batches, bumps each moved clock's due version (which
    re-arms its reminders) and records a DeadlineMove row per moved clock for the managers' list. Clocks moved
    by an approved extension keep their approved due time. Met, breached and cancelled clocks never change.
    """
    now = _now(now)
    calendar = get_calendar()
    targets_cache: dict[tuple[int, str], sla.Targets] = {}
    summary = {"checked": 0, "changed": 0, "breaches_appear": 0, "breaches_disappear": 0,
               "provisional_cleared": 0, "samples": []}
    last_id = 0
    while True:
        batch = list(
            SlaClock.objects.filter(state=SlaClock.State.RUNNING, pk__gt=last_id)
            .select_related("appeal").order_by("pk")[:batch_size]
        )
        if not batch:
            break
        last_id = batch[-1].pk
        changed, moves = [], []
        for clock in batch:
            summary["checked"] += 1
            key = (clock.appeal.category_id, clock.appeal.urgency)
            if key not in targets_cache:
                targets_cache[key] = sla.targets_for(*key)
            targets = targets_cache[key]
            spec = clock.target if clock.original_due_at else targets.for_metric(clock.metric)
            new_due = clock.due_at if clock.original_due_at else sla.compute_due(calendar, clock.started_at, spec)
            new_provisional = calendar.span_is_provisional(clock.started_at, new_due)
            new_cal_version = sla.calendar_version(calendar, clock.started_at, new_due)
            if (new_due == clock.due_at and new_provisional == clock.provisional
                    and new_cal_version == clock.calendar_version and targets.version == clock.policy_version
                    and spec == clock.target):
                continue
            if clock.provisional and not new_provisional:
                summary["provisional_cleared"] += 1
            if new_due != clock.due_at:
                summary["changed"] += 1
                if clock.due_at >= now > new_due:
                    summary["breaches_appear"] += 1
                elif clock.due_at < now <= new_due:
                    summary["breaches_disappear"] += 1
                if len(summary["samples"]) < 20:
                    summary["samples"].append({"appeal_id": clock.appeal_id, "metric": clock.get_metric_display(),
                                               "old_due": clock.due_at, "new_due": new_due})
                moves.append(DeadlineMove(appeal_id=clock.appeal_id, clock=clock, old_due_at=clock.due_at,
                                          new_due_at=new_due, was_provisional=clock.provisional, reason=reason))
                _move_due(clock, new_due, targets, calendar)
            clock.provisional, clock.calendar_version = new_provisional, new_cal_version
            clock.target, clock.policy_id, clock.policy_version = spec, targets.policy_id, targets.version
            changed.append(clock)
        if not preview and changed:
            with transaction.atomic():
                # Only clocks still running: a clock met or breached meanwhile stays final.
                still_running = set(SlaClock.objects.select_for_update().filter(
                    pk__in=[c.pk for c in changed], state=SlaClock.State.RUNNING).values_list("pk", flat=True))
                SlaClock.objects.bulk_update(
                    [c for c in changed if c.pk in still_running],
                    ["due_at", "warn_at", "escalate_at", "provisional", "calendar_version", "due_version",
                     "target", "policy", "policy_version"],
                )
                DeadlineMove.objects.bulk_create([m for m in moves if m.clock_id in still_running])
    return summary


# --- the reminder sweep -------------------------------------------------------------------------------------------
def sweep(*, now: dt.datetime | None = None, batch_size: int = 50000, pause_for_test: float = 0) -> dict:
    """Warn, breach, notify and escalate, set-based. Safe to run twice at once and to kill half-way: every
    notification has a unique key (clock, kind, threshold, due version) and markers are set after sending."""
    from appeals import reminders

    return reminders.sweep(now=_now(now), batch_size=batch_size, pause_for_test=pause_for_test)


def clocks_for(appeal: Appeal) -> list[SlaClock]:
    return list(appeal.clocks.all().order_by("metric", "round"))


def ensure_default_policy() -> None:
    from appeals.models import SlaPolicy

    SlaPolicy.objects.get_or_create(category=None, urgency="")


def open_statuses() -> tuple[str, ...]:
    return tuple(OPEN_WORKING)


__all__ = [
    "WorkflowError", "create_appeal", "create_appeal_from_visit_problem", "sign", "respond", "transfer",
    "department_sign", "department_reply", "department_return", "request_extension", "decide_extension",
    "resolve", "record_followup", "merge", "light", "recompute_open_clocks", "sweep", "F",
]


# --- attachments and policies -------------------------------------------------------------------------------------
MAX_ATTACHMENT_BYTES = 15 * 1024 * 1024


def add_attachment(appeal: Appeal, *, actor: User | None, upload) -> None:
    from appeals.models import AppealAttachment

    if upload.size > MAX_ATTACHMENT_BYTES:
        raise WorkflowError(f"附件“{upload.name}”超过 15MB。")
    try:
        filetypes.check_upload(upload)
    except filetypes.FileTypeError as exc:
        raise WorkflowError(str(exc)) from exc
    AppealAttachment.objects.create(appeal=appeal, file=upload, name=upload.name[:200], uploaded_by=actor)
    _log(appeal, actor, timezone.now(), "attach", upload.name[:200], appeal.status)


def preview_policy_change(form) -> dict:
    """Save the edited policy inside a savepoint, count what would move, roll back: nothing changes."""
    result: dict = {}
    try:
        with transaction.atomic():
            policy = form.save(commit=False)
            policy.version = (policy.version or 0) + 1
            policy.save()
            result = recompute_open_clocks(preview=True, reason=DeadlineMove.Reason.POLICY)
            raise _PreviewRollback
    except _PreviewRollback:
        pass
    return result


class _PreviewRollback(Exception):
    pass


def save_policy(form, *, actor: User | None):
    from appeals.tasks import recompute_open_clocks_task

    with transaction.atomic():
        policy = form.save(commit=False)
        policy.version = (policy.version or 0) + 1
        policy.save()
        transaction.on_commit(lambda: recompute_open_clocks_task.delay(reason=DeadlineMove.Reason.POLICY))
    return policy
