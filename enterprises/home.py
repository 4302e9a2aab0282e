"""Home-page cards of the registry: firms due a visit, and the street's 四上 firms."""

from __future__ import annotations

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import Role
from crm.permissions import OFFICE_ROLES, VISIT_ROLES, user_has_role
from enterprises import selectors
from enterprises.models import Classification


def due_card(user) -> dict | None:
    if not user_has_role(user, VISIT_ROLES):
        return None
    mine = user.role == Role.OFFICER
    # The sweep costs ~0.5 s for a 16k-firm street: the home card shows a count at most 10 minutes old.
    key = f"enterprises:due-card:{user.pk}:{timezone.localdate().isoformat()}"
    count = cache.get(key)
    if count is None:
        count = len(selectors.due_visits(user, officer=user if mine else None, limit=500))
        cache.set(key, count, 600)
    return {"title": _("待走访企业"), "value": count if count < 500 else "500+",
            "url": reverse("enterprises:due_visits"), "hint": _("我挂点的企业") if mine else _("本街道")}


def sishang_card(user) -> dict | None:
    if not user_has_role(user, OFFICE_ROLES):
        return None
    year = timezone.localdate().year
    n = selectors.firms_in_kind(user, Classification.Kind.SISHANG).count()
    return {"title": _("本街道四上企业"), "value": n,
            "url": reverse("enterprises:list") + "?kind=sishang", "hint": _("%(y)s 年或最近一年名录") % {"y": year}}
