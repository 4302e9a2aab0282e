"""The one permission table of 惠企政策: role × action. Views check it with `check_role`; services call `require`
so a script or task is held to the same table. Row scoping (which street's firms) is `.visible_to(user)`."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from crm.models import Role
from crm.permissions import user_has_role

O, S, M, A, D = Role.OFFICER, Role.STATISTICIAN, Role.MANAGER, Role.ADMIN, Role.DISTRICT

#: Every office role reads policies, their matched firms and the dashboards; 区级领导 reads district-wide.
VIEW_ROLES = (O, S, M, A, D)
#: Create and edit a policy and its rules, open/close it.
EDIT_ROLES = (S, M, A)
#: Push a policy to the matched firms' officers.
PUSH_ROLES = (M, A)
#: Record a step of a firm's journey (告知, 有意申报 …): the officers who deliver, and their leaders.
RECORD_ROLES = (O, M, A)
#: Import a department's approvals/payments list.
IMPORT_ROLES = (S, M, A)

TABLE = {
    "view": VIEW_ROLES,
    "edit": EDIT_ROLES,
    "push": PUSH_ROLES,
    "record": RECORD_ROLES,
    "import": IMPORT_ROLES,
    "export": VIEW_ROLES,
}


def may(user, action: str) -> bool:
    return user_has_role(user, TABLE[action])


def require(user, action: str) -> None:
    if not may(user, action):
        raise PermissionDenied(_("您的角色无权执行此操作。"))
