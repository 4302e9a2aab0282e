"""Who may do what to an appeal: the one table of appeal actions × roles, checked by every service.

Views only ask this table whether to show a button or to answer 403; the services check it again, so a
forged POST or a caller outside the views is refused the same way. `actor=None` is the system itself (the
`sla replay` command, the demo loader, sweeps) and is always allowed."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from appeals.models import Appeal
from crm.models import Role, User
from crm.permissions import user_has_role
from crm.scoping import sees_all_streets

__all__ = ["ACTION_ROLES", "ActionNotAllowed", "WorkflowError", "allowed", "authorize", "recompute_street"]

STREET_HANDLERS = (Role.OFFICER, Role.MANAGER, Role.ADMIN)
DEPARTMENT_HANDLERS = (Role.DEPARTMENT, Role.ADMIN)
APPROVERS = (Role.MANAGER, Role.ADMIN)

# action → (roles allowed, what the action is called in a refusal). The slugs are the URL's
# (/appeals/<id>/do/<action>/) plus the actions that have pages of their own.
ACTION_ROLES: dict[str, tuple[tuple[str, ...], str]] = {
    "create": (STREET_HANDLERS, "登记诉求"),
    "sign": (STREET_HANDLERS, "签收"),
    "respond": (STREET_HANDLERS, "响应企业"),
    "transfer": (STREET_HANDLERS, "转办"),
    "department_sign": (DEPARTMENT_HANDLERS, "部门签收"),
    "department_reply": (DEPARTMENT_HANDLERS, "部门答复"),
    "return": (DEPARTMENT_HANDLERS, "退单"),
    "extend": (STREET_HANDLERS, "申请延期"),
    "decide_extension": (APPROVERS, "审批延期"),
    "resolve": (STREET_HANDLERS, "办结"),
    "followup": (STREET_HANDLERS, "回访"),
    "merge": (STREET_HANDLERS, "合并诉求"),
    "attach": (STREET_HANDLERS + (Role.DEPARTMENT,), "上传附件"),
    # Recompute open clocks after a calendar or policy change: a street manager recomputes their street, the
    # district-wide roles (administrator, a manager without a street) the whole district.
    "recompute": (APPROVERS, "重算时限"),
    "edit_policy": ((Role.ADMIN,), "修改时限策略"),
}


class WorkflowError(ValueError):
    """An action the workflow refuses; the message is shown to the user as is."""


class ActionNotAllowed(WorkflowError, PermissionDenied):
    """The actor's role (or scope) may not do this action: 403 in a view, a WorkflowError to other callers."""


def allowed(actor: User | None, action: str) -> bool:
    """May this actor's role do `action` at all? (The buttons a page shows.)"""
    return actor is None or user_has_role(actor, ACTION_ROLES[action][0])


def authorize(actor: User | None, action: str, appeal: Appeal | None = None) -> None:
    """Refuse the action unless the actor's role may do it and, for an existing appeal, the actor may see it."""
    if actor is None:
        return
    roles, label = ACTION_ROLES[action]
    if not user_has_role(actor, roles):
        raise ActionNotAllowed(f"您的角色（{actor.get_role_display()}）不能{label}。")
    if appeal is not None and appeal.pk and not Appeal.objects.visible_to(actor).filter(pk=appeal.pk).exists():
        raise ActionNotAllowed(f"该诉求不在您的办理范围内，不能{label}。")


def recompute_street(actor: User | None) -> int | None:
    """The street whose clocks this actor recomputes: None = every street (district-wide roles only)."""
    authorize(actor, "recompute")
    if actor is None or sees_all_streets(actor):
        return None
    if not actor.street_id:
        raise ActionNotAllowed("您的账号未设置所属街道，不能重算时限。")
    return actor.street_id
