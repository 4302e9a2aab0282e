"""Reminders for the pipeline: overdue next actions and projects nobody has touched for 30 days.

Keys carry the due date / the last-touched day, so a rerun the same night sends nothing new, and a project that
is rescheduled or worked on and then slips again gets a fresh reminder.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from crm.services.notifications import Message, notify_many
from pipelines.models import Project

STALE_DAYS = 30
BATCH = 500


def _recipient(project: Project):
    if project.officer_id:
        return project.officer
    if project.team_id and project.team.leader_id:
        return project.team.leader
    return None


def _recipients(project: Project) -> list:
    recipient = _recipient(project)
    return [recipient.pk] if recipient is not None else []


def _name(project: Project) -> str:
    """The project's name as its recipient may see it: a team leader outside a confidential project's team reads
    保密项目 (pipelines.permissions), like on every page."""
    recipient = _recipient(project)
    return project.visible_name_for(recipient) if recipient is not None else project.name


def _send(projects, make_message, now) -> int:
    """One set-based INSERT per batch through crm's notify_many: keys already sent are skipped by the
    unique (recipient, key) constraint, so a rerun creates nothing."""
    sent = 0
    batch: list[tuple[list, Message]] = []
    for project in projects.iterator(chunk_size=BATCH):
        batch.append((_recipients(project), make_message(project)))
        if len(batch) >= BATCH:
            sent += notify_many(batch, now=now)
            batch = []
    if batch:
        sent += notify_many(batch, now=now)
    return sent


def send_reminders(*, now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    today = timezone.localdate(now)
    base = Project.objects.open().select_related("officer", "team__leader").order_by("pk")

    def overdue(project):
        return Message(
            key=f"pipeline-overdue:{project.pk}:{project.next_action_due:%Y%m%d}", kind="pipeline.overdue",
            title=f"招商项目下一步工作已逾期{(today - project.next_action_due).days}天：{_name(project)}",
            body=f"{project.next_action}（计划{project.next_action_due}完成）",
            url=reverse("pipelines:project_detail", args=[project.pk]),
        )

    def stale(project):
        touched = timezone.localdate(project.touched_at)
        return Message(
            key=f"pipeline-stale:{project.pk}:{touched:%Y%m%d}", kind="pipeline.stale",
            title=f"招商项目已{(today - touched).days}天未跟进：{_name(project)}",
            body=f"当前阶段：{project.get_stage_display()}",
            url=reverse("pipelines:project_detail", args=[project.pk]),
        )

    return {
        "overdue": _send(base.filter(next_action_due__lt=today), overdue, now),
        "stale": _send(base.filter(touched_at__lt=now - dt.timedelta(days=STALE_DAYS)), stale, now),
    }
