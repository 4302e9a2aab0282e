"""Role checks for views. Row scoping lives in crm.scoping; this module only answers "may this role open
this page at all?". Wrong role → 403 with a Chinese message, anonymous → login."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .models import Role

ALL_ROLES = tuple(Role.values)
OFFICE_ROLES = (Role.OFFICER, Role.STATISTICIAN, Role.MANAGER, Role.ADMIN)
MANAGEMENT_ROLES = (Role.MANAGER, Role.ADMIN)
# System administration: the working-day calendar, notification delivery, users.
ADMIN_ROLES = (Role.ADMIN,)
# The working-day calendar page (administrators edit it, managers read it).
CALENDAR_VIEW_ROLES = (Role.ADMIN, Role.MANAGER)
# Roles that may see enterprises' personal data (contact phones, emails) unmasked.
PERSONAL_DATA_ROLES = (Role.OFFICER, Role.MANAGER, Role.ADMIN)
# 企业诉求: who opens the appeal pages (their scope decides which appeals), and who reads the oversight pages
# (dashboard, moved deadlines). Who may do each appeal action is appeals.services.permissions.ACTION_ROLES.
APPEAL_READ_ROLES = (*OFFICE_ROLES, Role.DEPARTMENT, Role.DISTRICT)
APPEAL_OVERSIGHT_ROLES = (*MANAGEMENT_ROLES, Role.DISTRICT)
# Roles with appeals to work on (their own, their street's or their department's).
APPEAL_WORK_ROLES = (Role.OFFICER, Role.MANAGER, Role.ADMIN, Role.DEPARTMENT)

# enterprises (企业库): who edits the registry, logs visits, assigns liaisons.
REGISTRY_EDIT_ROLES = (Role.STATISTICIAN, Role.ADMIN)
VISIT_ROLES = (Role.OFFICER, Role.MANAGER, Role.ADMIN)
ASSIGN_ROLES = (Role.MANAGER, Role.STATISTICIAN, Role.ADMIN)
# Who may serve a firm as its liaison (挂点), and so be picked on visits and in the list's 挂点 filter.
LIAISON_ROLES = (Role.OFFICER, Role.STATISTICIAN, Role.MANAGER)
# pipelines (招商引资): who reads it (the district role too, read-only), who works projects, who sets targets.
PIPELINE_READ_ROLES = (Role.OFFICER, Role.STATISTICIAN, Role.MANAGER, Role.ADMIN, Role.DISTRICT)
PIPELINE_WRITE_ROLES = (Role.OFFICER, Role.MANAGER, Role.ADMIN)


def user_has_role(user, roles) -> bool:
    """The one role check: an active, signed-in user whose role is in `roles`, or a superuser."""
    return bool(user.is_authenticated and user.is_active and (user.is_superuser or user.role in roles))


def check_role(user, roles) -> None:
    if not user_has_role(user, roles):
        raise PermissionDenied(_("您的角色无权访问此页面。"))


class RoleRequiredMixin(AccessMixin):
    """Class-based views: set `allowed_roles`."""

    allowed_roles: tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        check_role(request.user, self.allowed_roles)
        return super().dispatch(request, *args, **kwargs)


def role_required(*roles: str):
    """Function views: @role_required(Role.MANAGER, Role.ADMIN)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            check_role(request.user, roles)
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = roles  # type: ignore[attr-defined]
        return wrapper

    return decorator
