"""Who may do what in matchmaking: one table, checked by every service (views read it for buttons and 403s)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from crm.models import Role
from crm.permissions import OFFICE_ROLES, user_has_role

# Pages that read needs, matches and introductions.
READ_ROLES = (*OFFICE_ROLES, Role.DISTRICT)
# The street-year report of 对接成效.
REPORT_ROLES = (Role.STATISTICIAN, Role.MANAGER, Role.ADMIN, Role.DISTRICT)

FIELD_ROLES = (Role.OFFICER, Role.MANAGER, Role.ADMIN)
ACTION_ROLES: dict[str, tuple[str, ...]] = {
    "edit_product": FIELD_ROLES,
    "edit_need": FIELD_ROLES,
    "introduce": FIELD_ROLES,
    "record_outcome": FIELD_ROLES,
    "manage_financial_products": (Role.MANAGER, Role.ADMIN),
}


def can(user, action: str) -> bool:
    return user_has_role(user, ACTION_ROLES[action])


def require(user, action: str) -> None:
    if not can(user, action):
        raise PermissionDenied(_("您的角色无权执行此操作。"))
