"""The appeals' part of each role's home page: a work list, most urgent first, and the 超时 card.

Every query is bounded (LIMIT on an indexed order) and starts from Appeal.objects.visible_to(user)."""

from __future__ import annotations

import datetime as dt

from django.db.models import F, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from appeals.models import Appeal, DepartmentTask, SlaClock
from appeals.selectors import OPEN, kpi_filters
from crm.models import Role
from crm.permissions import APPEAL_WORK_ROLES, user_has_role

HOME_ROWS = 5
SOON = dt.timedelta(hours=24)


def _when(due: dt.datetime | None, now: dt.datetime) -> tuple[str, str]:
    """The due time as the row shows it, and its class: late (past), soon (within 24 h) or plain."""
    if due is None:
        return "", ""
    text = date_format(timezone.localtime(due), "m-d H:i")
    if due < now:
        return _("已超时 %(t)s") % {"t": text}, "due-late"
    return _("时限 %(t)s") % {"t": text}, "due-soon" if due - now < SOON else ""


def _with_lights(appeals: list[Appeal]) -> None:
    from appeals.services import light

    clocks: dict[int, list[SlaClock]] = {}
    for clock in SlaClock.objects.filter(appeal_id__in=[a.pk for a in appeals]):
        clocks.setdefault(clock.appeal_id, []).append(clock)
    for a in appeals:
        a.light = light(a, clocks.get(a.pk, []))


def _appeal_rows(appeals: list[Appeal], now: dt.datetime, user) -> list[dict]:
    _with_lights(appeals)
    rows = []
    for a in appeals:
        due, due_class = _when(getattr(a, "next_due", None), now)
        row = {"name": a.title, "url": reverse("appeals:detail", args=[a.pk]), "light": a.light,
               "meta": f"{a.enterprise.name} · {a.get_status_display()}", "due": due, "due_class": due_class,
               "action": _("办理"), "action_url": reverse("appeals:detail", args=[a.pk])}
        if a.status == Appeal.Status.NEW and user.role == Role.OFFICER:
            row.update(action=_("签收"), action_url=reverse("appeals:action", args=[a.pk, "sign"]), action_post=True)
        rows.append(row)
    return rows


def _next_due():
    """The appeal's most pressing clock of this round (running or already breached)."""
    return Subquery(SlaClock.objects.filter(
        appeal=OuterRef("pk"), round=OuterRef("round"),
        state__in=(SlaClock.State.RUNNING, SlaClock.State.BREACHED)).order_by("due_at").values("due_at")[:1])


def officer_appeals(user, now: dt.datetime | None = None) -> dict | None:
    """The officer's open appeals that are breached or due within three days, the most urgent first."""
    if user.role != Role.OFFICER:
        return None
    now = now or timezone.now()
    qs = (Appeal.objects.visible_to(user).filter(officer=user, status__in=OPEN)
          .annotate(next_due=_next_due()).filter(next_due__lt=now + dt.timedelta(days=3))
          .select_related("enterprise").order_by(F("next_due").asc(nulls_last=True), "pk")[:HOME_ROWS])
    return {"key": "appeals", "title": _("临近超时的诉求"), "url": reverse("appeals:list") + f"?officer={user.pk}",
            "rows": _appeal_rows(list(qs), now, user), "name_label": _("诉求"), "meta_label": _("企业 · 状态"),
            "empty": _("没有三天内到期或已超时的诉求。")}


def escalated_appeals(user, now: dt.datetime | None = None) -> dict | None:
    """Managers: the appeals in 督办 (escalated and open), the longest-waiting first."""
    if user.role != Role.MANAGER:
        return None
    now = now or timezone.now()
    qs = (Appeal.objects.visible_to(user).filter(kpi_filters(now)["escalated"]).annotate(next_due=_next_due())
          .select_related("enterprise").order_by(F("next_due").asc(nulls_last=True), "pk")[:HOME_ROWS])
    return {"key": "escalated", "title": _("督办中的诉求"), "url": reverse("appeals:list") + "?kpi=escalated",
            "rows": _appeal_rows(list(qs), now, user), "name_label": _("诉求"), "meta_label": _("企业 · 状态"),
            "empty": _("没有挂单督办的诉求。")}


def department_tasks(user, now: dt.datetime | None = None) -> dict | None:
    """The department's queue by its own internal deadline (部门内部时限): what is late for the department is
    late against that deadline, not against the enterprise-facing clock."""
    if user.role != Role.DEPARTMENT:
        return None
    now = now or timezone.now()
    tasks = list(DepartmentTask.objects.filter(
        department_id=user.department_id, state__in=DepartmentTask.OPEN_STATES,
        appeal__in=Appeal.objects.visible_to(user).values("pk"))
        .select_related("appeal", "appeal__enterprise").order_by("due_at", "pk")[:HOME_ROWS])
    rows = []
    for t in tasks:
        due, due_class = _when(t.due_at, now)
        light = "red" if t.due_at < now else "yellow" if t.due_at - now < SOON else "green"
        row = {"name": f"#{t.appeal_id} {t.appeal.title}", "url": reverse("appeals:detail", args=[t.appeal_id]),
               "light": light, "meta": f"{t.appeal.enterprise.name} · {t.get_role_display()} · {t.get_state_display()}",
               "due": due, "due_class": due_class,
               "action": _("答复"), "action_url": reverse("appeals:detail", args=[t.appeal_id])}
        if t.state == DepartmentTask.State.PENDING:
            row.update(action=_("签收"), action_url=reverse("appeals:action", args=[t.appeal_id, "department_sign"]),
                       action_post=True)
        rows.append(row)
    return {"key": "queue", "title": _("本部门待办（按部门内部时限）"), "url": reverse("appeals:queue"), "rows": rows,
            "name_label": _("诉求"), "meta_label": _("企业 · 角色 · 状态"), "due_label": _("部门内部时限"),
            "empty": _("本部门暂无待办诉求。")}


def overdue_card(user):
    """超时: officers their own appeals, managers the street's; a department its tasks past the department's
    internal deadline (an appeal the department answered on time is not late for it)."""
    if not user_has_role(user, APPEAL_WORK_ROLES):
        return None
    now = timezone.now()
    if user.role == Role.DEPARTMENT:
        late = DepartmentTask.objects.filter(
            department_id=user.department_id, state__in=DepartmentTask.OPEN_STATES, due_at__lt=now,
            appeal__in=Appeal.objects.visible_to(user).values("pk")).count()
        return {"title": _("超时待办"), "value": late, "url": reverse("appeals:queue"),
                "hint": _("已过部门内部时限、尚未答复")}
    qs = Appeal.objects.visible_to(user)
    if user.role == Role.OFFICER:
        qs = qs.filter(officer=user)
    overdue = qs.filter(kpi_filters(now)["overdue"]).count()
    return {"title": _("超时诉求"), "value": overdue, "url": reverse("appeals:list") + "?kpi=overdue",
            "hint": _("在办且已超时限")}
