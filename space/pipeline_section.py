"""The 固投 section of a 招商 project's page (pipelines), added through crm.registry so pipelines imports nothing
from space: a project that has reached construction links to its 固投 project, or offers to create it."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from pipelines.models import Stage
from space.permissions import can

#: A project "has reached construction" when it is there or further along the line, or was there before being
#: paused or lost.
REACHED = (Stage.CONSTRUCTION.value, Stage.PRODUCTION.value, Stage.COUNTED.value)


def has_reached_construction(project) -> bool:
    return project.stage in REACHED or project.stage_changes.filter(to_stage__in=REACHED).exists()


def investment_section(project, user) -> dict | None:
    if not can(user, "view"):
        return None
    from space.models import InvestmentProject

    linked = list(InvestmentProject.objects.visible_to(user).filter(pipeline_project=project).order_by("code")[:10])
    reached = bool(linked) or has_reached_construction(project)
    if not reached:
        return None
    return {
        "title": _("固投项目"),
        "template": "space/_pipeline_section.html",
        "linked": linked,
        "can_edit": can(user, "edit_investment"),
        "create_url": (reverse("space:investment_create") + f"?pipeline_project={project.pk}"
                       if not linked and can(user, "edit_investment") else ""),
    }
