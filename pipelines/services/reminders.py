"""Reminders for the pipeline: overdue next actions and projects nobody has touched for 30 days.

Keys carry the due date / the last-touched day, so a rerun the same night sends nothing new, and a project that
is rescheduled or worked on and then slips again gets a fresh reminder.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from crm.services.notifications import Message, notify
from pipelines.models import Project

STALE_DAYS = 30


def _recipients(project: Project) -> list:
    users = [project.officer] if project.officer_id else []
    if not users and project.team_id and project.team.leader_id:
        users = [project.team.leader]
    return users


def send_reminders(*, now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    today = timezone.localdate(now)
    sent = {"overdue": 0, "stale": 0}
    base = Project.objects.open().select_related("officer", "team__leader")
    for project in base.filter(next_action_due__lt=today).iterator(chunk_size=500):
        days = (today - project.next_action_due).days
        sent["overdue"] += notify(_recipients(project), Message(
            key=f"pipeline-overdue:{project.pk}:{project.next_action_due:%Y%m%d}", kind="pipeline.overdue",
            title=f"招商项目下一步工作已逾期{days}天：{project.name}",
            body=f"{project.next_action}（计划{project.next_action_due}完成）",
            url=reverse("pipelines:project_detail", args=[project.pk]),
        ), now=now)
    stale_before = now - dt.timedelta(days=STALE_DAYS)
    for project in base.filter(touched_at__lt=stale_before).iterator(chunk_size=500):
        touched = timezone.localdate(project.touched_at)
        sent["stale"] += notify(_recipients(project), Message(
            key=f"pipeline-stale:{project.pk}:{touched:%Y%m%d}", kind="pipeline.stale",
            title=f"招商项目已{(today - touched).days}天未跟进：{project.name}",
            body=f"当前阶段：{project.get_stage_display()}",
            url=reverse("pipelines:project_detail", args=[project.pk]),
        ), now=now)
    return sent
