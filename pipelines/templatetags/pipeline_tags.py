"""`{{ project|project_name:request.user }}` names a project as the user may see it (保密项目 otherwise);
`{% if project|project_visible:request.user %}` says whether to link to it."""

from __future__ import annotations

from django import template

from pipelines.permissions import CONFIDENTIAL_LABEL, may_see_project

register = template.Library()


@register.filter
def project_name(project, user) -> str:
    if project is None:
        return ""
    return project.name if may_see_project(user, project) else str(CONFIDENTIAL_LABEL)


@register.filter
def project_visible(project, user) -> bool:
    return project is not None and may_see_project(user, project)
