"""Renewal projects: overdue-milestone reminders (once per milestone) and the delivered area for targets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.urls import reverse
from django.utils import timezone

from space.models import RenewalMilestone, RenewalProject


def overdue_milestones(today: dt.date | None = None) -> QuerySet:
    today = today or timezone.localdate()
    return (RenewalMilestone.objects.filter(actual_on__isnull=True, planned_on__lt=today)
            .exclude(project__status__in=(RenewalProject.Status.DELIVERED, RenewalProject.Status.SUSPENDED))
            .select_related("project"))


def send_overdue_reminders(today: dt.date | None = None) -> int:
    """Remind the responsible officer (or, with none, the team leader) once per overdue milestone.

    Idempotent: the notification key names the milestone and its planned date, so a re-planned milestone that
    falls overdue again reminds again, and a nightly re-run creates nothing new.
    """
    from crm.services.notifications import Message, notify_many

    rows = []
    for m in overdue_milestones(today).select_related("project__team")[:5000]:
        recipient = m.project.officer_id or getattr(m.project.team, "leader_id", None)
        if recipient is None:
            continue
        rows.append(([recipient], Message(
            key=f"space:milestone-overdue:{m.pk}:{m.planned_on:%Y%m%d}", kind="space.milestone_overdue",
            title=f"更新项目节点逾期：{m.project.name} · {m.name}",
            body=f"计划 {m.planned_on:%Y-%m-%d} 完成，尚未登记实际完成日期。请更新节点进度。",
            url=reverse("space:renewal_list") + f"#r{m.project_id}",
        )))
    return notify_many(rows)


def delivered_area(street_id: int, start: dt.date, end: dt.date, *, officer_id=None, team_id=None):
    milestones = RenewalMilestone.objects.filter(project__street_id=street_id, actual_on__range=(start, end),
                                                 delivered_area__isnull=False)
    if officer_id:
        milestones = milestones.filter(project__officer_id=officer_id)
    if team_id:
        milestones = milestones.filter(project__team_id=team_id)
    total = milestones.aggregate(s=Sum("delivered_area"))["s"] or Decimal("0")
    return Decimal(total), RenewalProject.objects.filter(pk__in=milestones.values("project_id"))
