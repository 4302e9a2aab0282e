"""Home-page card of the appeals app: the user's overdue appeals (officers: their own)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from appeals.models import Appeal
from appeals.selectors import kpi_filters
from crm.models import Role
from crm.permissions import user_has_role

#: Who gets the card (the roles that handle appeals).
CARD_ROLES = (Role.OFFICER, Role.MANAGER, Role.ADMIN, Role.DEPARTMENT)


def overdue_card(user) -> dict | None:
    if not user_has_role(user, CARD_ROLES):
        return None
    qs = Appeal.objects.visible_to(user)
    if user.role == Role.OFFICER:
        qs = qs.filter(officer=user)
    overdue = qs.filter(kpi_filters(timezone.now())["overdue"]).count()
    return {"title": "超时诉求", "value": overdue, "url": reverse("appeals:list") + "?kpi=overdue",
            "hint": "在办且已超时限"}
