"""The enterprises' part of each role's home page: the officer's due visits (with 记录走访), the manager's
liaison coverage, and the 待走访 card. Both read the firms' derived standing (enterprises.services.standing) through
partial indexes, so they are computed on every request and never cached: a visit or an assignment just recorded
shows at once."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Role
from crm.permissions import OFFICE_ROLES, VISIT_ROLES, user_has_role
from enterprises import selectors
from enterprises.models import Classification

HOME_ROWS = 5
DUE_BOUND = 500


def due_summary(user) -> dict:
    """{"count", "rows"}: how many firms are due a visit (bounded at DUE_BOUND) and the most overdue ones.

    The home page's card and its work list both show it: it is computed once per request, memoised on the request's
    user object (a new object per request, so nothing outlives the page)."""
    memo = getattr(user, "_due_summary", None)
    if memo is None:
        memo = user._due_summary = _due_summary(user)
    return memo


def _due_summary(user) -> dict:
    mine = user.role == Role.OFFICER
    due = selectors.due_visits(user, officer=user if mine else None, limit=DUE_BOUND)
    rows = []
    for d in due[:HOME_ROWS]:
        overdue = d.overdue_days
        rows.append({
            "name": d.enterprise.name, "url": reverse("enterprises:detail", args=[d.enterprise.pk]),
            "light": "red" if overdue > 30 else "yellow" if overdue > 0 else "green",
            "meta": " · ".join([*(str(r) for r in d.reasons), _("每 %(n)s 天") % {"n": d.interval}]),
            "due": (_("上次 %(d)s") % {"d": d.last_visit.isoformat()}) if d.last_visit else _("从未走访"),
            "due_class": "due-late" if overdue > 30 else "",
            "action": _("记录走访"),
            "action_url": reverse("enterprises:visit_create") + f"?enterprise={d.enterprise.pk}",
        })
    return {"count": len(due), "rows": rows}


def due_list(user) -> dict | None:
    if user.role != Role.OFFICER:
        return None
    summary = due_summary(user)
    count = summary["count"]
    return {"key": "due", "title": _("待走访企业"), "url": reverse("enterprises:due_visits"), "rows": summary["rows"],
            "summary": (_("共 %(n)s 家") % {"n": count if count < DUE_BOUND else f"{DUE_BOUND}+"}) if count else "",
            "name_label": _("企业"), "meta_label": _("规则"), "due_label": _("最近走访"),
            "empty": _("挂点企业都已按周期走访。")}


def coverage_list(user) -> dict | None:
    """Managers: liaison coverage by category (target 100%), the least covered first, with the firms missing."""
    if user.role != Role.MANAGER:
        return None
    rows = []
    for r in sorted(selectors.coverage(user), key=lambda r: r.rate):
        rate = round(r.rate, 1)
        rows.append({
            "name": f"{r.label}" + (f" · {r.street.name}" if r.street and not user.street_id else ""),
            "url": reverse("enterprises:coverage") + f"?kind={r.kind}",
            "light": "green" if r.uncovered == 0 else "yellow" if rate >= 90 else "red",
            "meta": _("%(c)s / %(t)s 家已挂点") % {"c": r.covered, "t": r.total},
            "due": f"{rate}%", "due_class": "" if r.uncovered == 0 else "due-late",
            "action": _("指派挂点") if r.uncovered else "",
            "action_url": reverse("enterprises:coverage") + f"?kind={r.kind}",
        })
    return {"key": "coverage", "title": _("挂点服务覆盖率"), "url": reverse("enterprises:coverage"), "rows": rows,
            "name_label": _("类别"), "meta_label": _("已挂点"), "due_label": _("覆盖率"),
            "empty": _("暂无需挂点的分类企业。")}


def due_card(user):
    if not user_has_role(user, VISIT_ROLES):
        return None
    count = due_summary(user)["count"]
    return {"title": _("待走访企业"), "value": count if count < DUE_BOUND else f"{DUE_BOUND}+",
            "url": reverse("enterprises:due_visits"),
            "hint": _("我挂点的企业") if user.role == Role.OFFICER else _("本街道")}


def sishang_card(user) -> dict | None:
    if not user_has_role(user, OFFICE_ROLES):
        return None
    year = timezone.localdate().year
    n = selectors.firms_in_kind(user, Classification.Kind.SISHANG).count()
    return {"title": _("本街道四上企业"), "value": n,
            "url": reverse("enterprises:list") + "?kind=sishang", "hint": _("%(y)s 年或最近一年名录") % {"y": year}}
