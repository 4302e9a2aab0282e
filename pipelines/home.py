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
    from django.utils.translation import gettext as _

    today = timezone.localdate()
    visible = Project.objects.visible_to(user)
    if user.role == Role.OFFICER:
        overdue = visible.open().filter(officer=user, next_action_due__lt=today).count()
        return {"title": _("逾期招商待办"), "value": overdue, "url": reverse("pipelines:project_list") + "?overdue=1",
                "hint": _("我负责的项目中下一步工作已逾期")}
    signed = visible.filter(signed_on__year=today.year).count()
    return {"title": _("%(y)s年签约项目") % {"y": today.year}, "value": signed, "url": reverse("pipelines:dashboard"),
            "hint": _("挂图作战")}


def target_list(user) -> dict | None:
    """Managers' home: this year's street targets, the furthest behind the calendar first (挂图作战 in short)."""
    from django.core.cache import cache
    from django.utils.formats import number_format
    from django.utils.translation import get_language, gettext as _

    from pipelines.models import ScopeKind
    from pipelines.selectors import progress, targets_for, year_elapsed

    if not user.is_authenticated or user.role != Role.MANAGER:
        return None
    today = timezone.localdate()
    # Two minutes: a target just set shows soon; the key carries when the user was created (ids may be reused).
    key = (f"pipelines:targets-home:{user.pk}.{int(user.date_joined.timestamp())}:{get_language()}:"
           f"{today.isoformat()}")
    rows = cache.get(key)
    if rows is None:
        targets = [t for t in targets_for(user, today.year) if t.scope_kind == ScopeKind.STREET]
        order = {"behind": 0, "on_track": 1, "ahead": 2, "done": 3}
        items = sorted((progress(t, today) for t in targets), key=lambda p: (order[p.status], p.percent or 0))
        rows = [{
            "name": p.label, "url": reverse("pipelines:drilldown", args=[p.target.pk]) if not p.manual else
            reverse("pipelines:dashboard"), "light": p.light,
            "meta": _("完成 %(a)s / 目标 %(t)s %(u)s") % {"a": number_format(p.actual.normalize() if p.actual else 0),
                                                      "t": number_format(p.target.target_value.normalize()),
                                                      "u": p.unit},
            "due": (f"{p.percent}% · " if p.percent is not None else "") + str(p.status_label),
            "due_class": "due-late" if p.status == "behind" else "",
        } for p in items[:8]]
        cache.set(key, rows, 120)
    return {"key": "targets", "title": _("%(y)s 年目标进度") % {"y": today.year}, "url": reverse("pipelines:dashboard"),
            "summary": _("时序进度 %(e)s%%") % {"e": year_elapsed(today.year, today)}, "rows": rows,
            "name_label": _("指标"), "meta_label": _("完成 / 目标"), "due_label": _("完成率"),
            "empty": _("本年度尚未设置街道目标。")}
