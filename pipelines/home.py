"""Home-page card: the user's overdue next actions (officers) or this year's signed projects (others)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from crm.models import Role
from crm.permissions import user_has_role
from pipelines.models import Project
from pipelines.permissions import READ_ROLES


def pipeline_card(user) -> dict | None:
    if not user_has_role(user, READ_ROLES):
        return None
    today = timezone.localdate()
    visible = Project.objects.visible_to(user)
    if user.role == Role.OFFICER:
        overdue = visible.open().filter(officer=user, next_action_due__lt=today).count()
        return {"title": "逾期招商待办", "value": overdue, "url": reverse("pipelines:project_list") + "?overdue=1",
                "hint": "我负责的项目中下一步工作已逾期"}
    signed = visible.filter(signed_on__year=today.year).count()
    return {"title": f"{today.year}年签约项目", "value": signed, "url": reverse("pipelines:dashboard"),
            "hint": "挂图作战"}
