"""Who may do what in 产业空间与固投: one table, checked by every service (views only read it for buttons/403).

Parks, the efficiency ranking, the map and the 固投 library are read by every office role and the district
(区级领导, read-only). Nothing in this app is confidential: a park's figures are sums over its tenants.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from crm.models import Role
from crm.permissions import user_has_role

READ_ROLES = (Role.OFFICER, Role.STATISTICIAN, Role.MANAGER, Role.ADMIN, Role.DISTRICT)

ACTION_ROLES: dict[str, tuple[str, ...]] = {
    "view": READ_ROLES,
    # 园区台账: the officers who run the parks, street leadership, administrators.
    "edit_park": (Role.OFFICER, Role.MANAGER, Role.ADMIN),
    # The 低效 rule is a street-level policy.
    "edit_rule": (Role.MANAGER, Role.ADMIN),
    # The monthly 固投 report comes through the statistician.
    "import_investment": (Role.STATISTICIAN, Role.MANAGER, Role.ADMIN),
    # Street/community outlines for the map come from the district's planning office, through the administrator.
    "upload_outline": (Role.ADMIN,),
    # 固投项目库: the statistician keeps the library (入库), officers and leadership follow their projects.
    "edit_investment": (Role.OFFICER, Role.STATISTICIAN, Role.MANAGER, Role.ADMIN),
    # 空间更新项目 and their milestones: kept like the park ledger.
    "edit_renewal": (Role.OFFICER, Role.MANAGER, Role.ADMIN),
}


def can(user, action: str) -> bool:
    return user_has_role(user, ACTION_ROLES[action])


def require(user, action: str) -> None:
    if not can(user, action):
        raise PermissionDenied(_("您的角色无权执行此操作。"))
