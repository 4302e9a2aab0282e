"""The 招商项目 section of the enterprise 360° page, registered in AppConfig.ready() through crm.registry."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from crm.permissions import user_has_role
from pipelines.permissions import READ_ROLES
from pipelines.selectors import projects_named_for_enterprise


def projects_section(enterprise, user) -> dict | None:
    if not user_has_role(user, READ_ROLES):
        return None
    return {
        "title": _("招商项目"),
        "template": "pipelines/_enterprise_section.html",
        "rows": list(projects_named_for_enterprise(enterprise, user)[:50]),
    }
