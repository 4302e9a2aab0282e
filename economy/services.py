"""Economy services: watch-list notices to liaison officers after a monthly import.

A firm *enters* a watch list in a month when it is on that month's list and was not on the previous month's
(same indicator, same year). Each liaison officer serving it is told once: the notice key is
economy:watch:<list>:<firm id>:<YYYY-MM> and crm.services.notifications makes (recipient, key) unique, so a
re-import, a retried task or the beat sweep never repeats a notice.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from crm.services.notifications import Message, notify_many

from . import selectors
from .models import Indicator, MonthlyImport

LISTS = {
    "drop": "累计降幅超阈值",
    "zero": "本月零报",
    "missing": "本月未报",
    "at_risk": "退库风险",
}


def watch_ids(month: dt.date, indicator: str, street_id: int | None) -> dict[str, set[int]]:
    """Firm ids on each watch list of a month (all of them, not a page)."""
    return {
        "drop": {r.enterprise_id for r in selectors.big_drops(month, indicator, street_id, limit=None)},
        "zero": {r.enterprise_id for r in selectors.zero_reports(month, indicator, street_id, limit=None)},
        "missing": {r["enterprise_id"] for r in selectors.not_reported(month, indicator, street_id, limit=None)},
        "at_risk": {r[0] for r in selectors.at_risk_ids(month, indicator, street_id)},
    }


def entered_watch(month: dt.date, indicator: str, street_id: int | None) -> dict[str, set[int]]:
    now = watch_ids(month, indicator, street_id)
    before_month = selectors.previous_month(month)
    if before_month is None:
        return now
    before = watch_ids(before_month, indicator, street_id)
    return {name: ids - before[name] for name, ids in now.items()}


def notify_watch(month: dt.date, indicator: str, street_ids: list[int]) -> int:
    """Tell each liaison officer of the firms that entered a watch list. Returns how many notices were created."""
    from enterprises.models import Enterprise, LiaisonAssignment

    today = timezone.localdate()
    rows = []
    label = Indicator(indicator).label
    for street_id in street_ids:
        entered = entered_watch(month, indicator, street_id)
        firm_ids = set().union(*entered.values())
        if not firm_ids:
            continue
        officers: dict[int, set[int]] = {}
        for officer_id, ent_id in (LiaisonAssignment.objects.active_on(today).filter(enterprise_id__in=firm_ids)
                                   .values_list("officer_id", "enterprise_id")):
            officers.setdefault(ent_id, set()).add(officer_id)
        names = dict(Enterprise.objects.filter(pk__in=firm_ids).values_list("pk", "name"))
        for list_name, ids in entered.items():
            for ent_id in sorted(ids):
                if ent_id not in officers:
                    continue
                rows.append((sorted(officers[ent_id]), Message(
                    key=f"economy:watch:{list_name}:{ent_id}:{month:%Y-%m}", kind="economy_watch",
                    title=f"{names.get(ent_id, '')} 进入{LISTS[list_name]}名单（{label} {month:%Y-%m}）",
                    body="请联系企业了解情况，并在走访记录中说明。",
                    url=reverse("enterprises:detail", args=[ent_id]))))
    return notify_many(rows) if rows else 0


def notify_watch_entries(batch_id: int) -> int:
    """After a monthly import: the months, indicators and streets it replaced. Marks the import notified."""
    info = MonthlyImport.objects.filter(batch_id=batch_id, batch__status="committed").first()
    if info is None:
        return 0
    created = 0
    for indicator, street_ids in (info.replaced or {}).items():
        created += notify_watch(info.month, indicator, list(street_ids))
    MonthlyImport.objects.filter(pk=info.pk).update(watch_notified=True)
    return created


def notify_pending_watch() -> int:
    """Beat sweep: committed monthly imports whose notices were not sent (a lost task)."""
    created = 0
    pending = MonthlyImport.objects.filter(batch__status="committed", watch_notified=False).values_list(
        "batch_id", flat=True)
    for batch_id in list(pending[:50]):
        created += notify_watch_entries(batch_id)
    return created
