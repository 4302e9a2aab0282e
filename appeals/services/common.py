"""Helpers shared by the appeal services: instants, row locks, the event log, state checks, notifications."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils import timezone

from appeals.models import Appeal, AppealEvent
from appeals.services.permissions import WorkflowError
from crm.models import Department, User
from crm.services.notifications import Message, notify

S = Appeal.Status
OPEN_WORKING = (S.NEW, S.SIGNED, S.IN_PROGRESS, S.TRANSFERRED)


def now_or(at: dt.datetime | None) -> dt.datetime:
    return at or timezone.now()


def log(appeal: Appeal, actor: User | None, at: dt.datetime, action: str, comment: str = "",
        from_status: str = "", department: Department | None = None) -> AppealEvent:
    return AppealEvent.objects.create(appeal=appeal, actor=actor, at=at, action=action, comment=comment,
                                      from_status=from_status, to_status=appeal.status, department=department)


def locked(appeal: Appeal) -> Appeal:
    fresh = Appeal.objects.select_for_update().get(pk=appeal.pk)
    appeal.__dict__.update(fresh.__dict__)
    return appeal


def require(appeal: Appeal, allowed: Sequence[str], action: str) -> None:
    if appeal.status not in allowed:
        raise WorkflowError(f"诉求当前状态为“{appeal.get_status_display()}”，不能{action}。")


def check_order(appeal: Appeal, at: dt.datetime) -> None:
    if at < appeal.received_at:
        raise WorkflowError("操作时间早于诉求受理时间。")


def fmt(instant: dt.datetime) -> str:
    return timezone.localtime(instant).strftime("%Y-%m-%d %H:%M")


def notify_assigned(appeal: Appeal, users, at: dt.datetime) -> None:
    notify(users, Message(key=f"appeal:{appeal.pk}:assigned:{at.timestamp():.0f}", kind="appeal_assigned",
                          title=f"新诉求待办理：{appeal.title}", body=subject(appeal),
                          url=appeal.get_absolute_url()), now=at)


def notify_simple(appeal: Appeal, users, key: str, kind: str, title: str, at: dt.datetime) -> None:
    notify([u for u in users if u is not None], Message(key=key, kind=kind, title=title, body=subject(appeal),
                                                        url=appeal.get_absolute_url()), now=at)


def subject(appeal: Appeal) -> str:
    """What a message is about, for the inbox line under its title: the firm and the appeal number."""
    return f"{appeal.enterprise.name} · 诉求 #{appeal.pk}"
