"""Due-visit reminders: each liaison officer gets one message per week listing the firms they should visit."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.urls import reverse

from crm.models import Street
from crm.services.notifications import Message, notify
from enterprises.models import Enterprise
from enterprises.selectors import due_in_streets, today


def notify_due_visits(on: dt.date | None = None) -> int:
    """Notify every officer with due firms. The key holds the ISO week, so reruns in the same week (retries, a
    second beat) create nothing new. Returns the number of notifications created."""
    on = on or today()
    year, week, _ = on.isocalendar()
    due = due_in_streets(Street.objects.all(), Enterprise.objects.all(), limit=100_000)
    per_officer: dict[int, tuple[object, list]] = defaultdict(lambda: (None, []))
    for item in due:
        for assignment in item.liaisons:
            officer, firms = per_officer[assignment.officer_id]
            firms.append(item.enterprise.name)
            per_officer[assignment.officer_id] = (assignment.officer, firms)
    created = 0
    url = reverse("enterprises:due_visits") + "?mine=1"
    for officer_id, (officer, firms) in per_officer.items():
        names = "、".join(sorted(set(firms))[:10]) + ("等" if len(set(firms)) > 10 else "")
        message = Message(
            key=f"visit-due:{officer_id}:{year}-W{week:02d}", kind="visit_due",
            title=f"本周有 {len(set(firms))} 家挂点企业待走访", body=names, url=url,
        )
        created += notify([officer], message)
    return created
