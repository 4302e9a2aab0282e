"""The reminder sweep: warning at the warning share, breach (催办), escalation (督办).

Set-based: each step selects a bounded batch of clock ids through a partial index, locks them with
SKIP LOCKED (a second sweep running at the same time takes other rows or none), writes the notifications in
one INSERT … ON CONFLICT DO NOTHING on the (recipient, key) constraint, then sets the clock's marker with one
UPDATE. A worker killed between the two writes leaves the marker unset: the next sweep re-creates the same keys,
which the constraint ignores, so nobody is told twice. A moved due time bumps `due_version`, which is part of
the key, so the reminder is re-armed.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import F

from appeals.models import Appeal, SlaClock
from crm.models import Notification, NotificationPreference, Role, User
from crm.services.workcalendar import get_calendar

OPEN = (Appeal.Status.NEW, Appeal.Status.SIGNED, Appeal.Status.IN_PROGRESS, Appeal.Status.TRANSFERRED,
        Appeal.Status.RESOLVED)
METRIC_ZH = dict(SlaClock.Metric.choices)


def _lock(qs):
    if connection.features.has_select_for_update_skip_locked:
        return qs.select_for_update(skip_locked=True, of=("self",))
    return qs


def _liaisons(enterprise_ids: set[int]) -> dict[int, set[int]]:
    """Active liaison officers per enterprise, when the enterprises app provides them."""
    try:
        from enterprises.models import LiaisonAssignment
    except ImportError:
        return {}
    today = dt.date.today()
    result: dict[int, set[int]] = defaultdict(set)
    for enterprise_id, officer_id in LiaisonAssignment.objects.active_on(today).filter(
            enterprise_id__in=enterprise_ids).values_list("enterprise_id", "officer_id"):
        result[enterprise_id].add(officer_id)
    return result


def _bulk_notify(items: list[tuple[set[int], str, str, str, str, str]], now: dt.datetime) -> int:
    """The batch form of crm notify(): same unique key, same mute preferences, same office-hours delay.
    items: (recipient ids, key, kind, level, title, url)."""
    if not items:
        return 0
    calendar = get_calendar()
    opening = calendar.next_office_opening(now)
    all_ids = set().union(*(ids for ids, *_ in items))
    active = set(User.objects.filter(pk__in=all_ids, is_active=True).values_list("pk", flat=True))
    kinds = {kind for _, _, kind, *_ in items}
    muted = set(NotificationPreference.objects.filter(
        user_id__in=active, kind__in=kinds, in_app=False, email=False, webhook=False).values_list("user_id", "kind"))
    rows = [
        Notification(recipient_id=pk, key=key[:200], kind=kind, level=level, title=title[:200], url=url,
                     deliver_after=now if level == Notification.Level.URGENT else opening)
        for ids, key, kind, level, title, url in items
        for pk in ids
        if pk in active and (pk, kind) not in muted
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    return len(rows)


def _context(clock_rows: list[dict]) -> tuple[dict, dict, dict]:
    street_ids = {r["appeal__street_id"] for r in clock_rows}
    dept_ids = {r["appeal__lead_department_id"] for r in clock_rows if r["appeal__lead_department_id"]}
    managers: dict[int, set[int]] = defaultdict(set)
    for pk, street_id in User.objects.filter(role=Role.MANAGER, street_id__in=street_ids,
                                             is_active=True).values_list("pk", "street_id"):
        managers[street_id].add(pk)
    handlers: dict[int, set[int]] = defaultdict(set)
    for pk, dept_id in User.objects.filter(role=Role.DEPARTMENT, department_id__in=dept_ids,
                                           is_active=True).values_list("pk", "department_id"):
        handlers[dept_id].add(pk)
    liaisons = _liaisons({r["appeal__enterprise_id"] for r in clock_rows})
    return managers, handlers, liaisons


FIELDS = ("pk", "metric", "round", "due_version", "due_at", "appeal_id", "appeal__title", "appeal__officer_id",
          "appeal__street_id", "appeal__lead_department_id", "appeal__enterprise_id", "appeal__status")


def _responsible(row: dict, handlers: dict) -> set[int]:
    ids = {row["appeal__officer_id"]}
    if row["appeal__status"] == Appeal.Status.TRANSFERRED and row["appeal__lead_department_id"]:
        ids |= handlers.get(row["appeal__lead_department_id"], set())
    return ids


def sweep(*, now: dt.datetime, batch_size: int = 5000, pause_for_test: float = 0) -> dict:
    counts = {"warned": 0, "breached": 0, "breach_notified": 0, "escalated": 0, "notifications": 0}

    # 1. Warnings: running clocks past their warning share, not yet warned for this due version.
    while True:
        with transaction.atomic():
            rows = list(_lock(SlaClock.objects.filter(
                state=SlaClock.State.RUNNING, warn_at__lte=now, due_at__gte=now,
                warned_version__lt=F("due_version"), appeal__status__in=OPEN,
            )).order_by("warn_at").values(*FIELDS)[:batch_size])
            if not rows:
                break
            _, handlers, _ = _context(rows)
            items = [
                (_responsible(r, handlers), f"appeal-clock:{r['pk']}:warn:share:v{r['due_version']}",
                 "appeal_warning", Notification.Level.WARNING,
                 f"即将到期（{METRIC_ZH[r['metric']]}）：{r['appeal__title']}", f"/appeals/{r['appeal_id']}/")
                for r in rows
            ]
            counts["notifications"] += _bulk_notify(items, now)
            if pause_for_test:
                time.sleep(pause_for_test)  # lets the worker test kill us between the two writes
            for version, ids in _by_version(rows).items():
                SlaClock.objects.filter(pk__in=ids).update(warned_version=version)
            counts["warned"] += len(rows)

    # 2. Breaches: running clocks past due become breached at their due instant (final).
    while True:
        with transaction.atomic():
            ids = list(_lock(SlaClock.objects.filter(state=SlaClock.State.RUNNING, due_at__lt=now))
                       .order_by("due_at").values_list("pk", flat=True)[:batch_size])
            if not ids:
                break
            SlaClock.objects.filter(pk__in=ids).update(state=SlaClock.State.BREACHED, breached_at=F("due_at"))
            Appeal.objects.filter(pk__in=SlaClock.objects.filter(pk__in=ids).values("appeal_id")).update(
                has_breach=True)
            first_round = SlaClock.objects.filter(pk__in=ids, round=1)
            Appeal.objects.filter(pk__in=first_round.filter(metric="response").values("appeal_id")).update(
                response_outcome="breached")
            Appeal.objects.filter(pk__in=first_round.filter(metric="resolution").values("appeal_id")).update(
                resolution_outcome="breached")
            counts["breached"] += len(ids)

    # 3. 催办: tell the handler, the liaison and the manager about each breach of an open appeal, once.
    while True:
        with transaction.atomic():
            rows = list(_lock(SlaClock.objects.filter(
                state=SlaClock.State.BREACHED, breach_notified=False, appeal__status__in=OPEN,
            )).order_by("pk").values(*FIELDS)[:batch_size])
            if not rows:
                break
            managers, handlers, liaisons = _context(rows)
            items = [
                (_responsible(r, handlers) | liaisons.get(r["appeal__enterprise_id"], set())
                 | managers.get(r["appeal__street_id"], set()),
                 f"appeal-clock:{r['pk']}:breach:due:v{r['due_version']}", "appeal_breach",
                 Notification.Level.WARNING, f"催办：{METRIC_ZH[r['metric']]}已超时 · {r['appeal__title']}",
                 f"/appeals/{r['appeal_id']}/")
                for r in rows
            ]
            counts["notifications"] += _bulk_notify(items, now)
            SlaClock.objects.filter(pk__in=[r["pk"] for r in rows]).update(breach_notified=True)
            counts["breach_notified"] += len(rows)
    # Breaches of closed appeals need no 催办; mark them so they leave the index.
    SlaClock.objects.filter(state=SlaClock.State.BREACHED, breach_notified=False).exclude(
        appeal__status__in=OPEN).update(breach_notified=True)

    # 4. 督办: a breach still open after the policy's further period goes to the street leader.
    while True:
        with transaction.atomic():
            rows = list(_lock(SlaClock.objects.filter(
                state=SlaClock.State.BREACHED, escalated_at__isnull=True, escalate_at__lte=now,
                appeal__status__in=OPEN,
            ).exclude(metric__in=("sign", "response", "resolution"), appeal__status=Appeal.Status.RESOLVED))
                .order_by("escalate_at").values(*FIELDS)[:batch_size])
            if not rows:
                break
            managers, _, _ = _context(rows)
            items = [
                (managers.get(r["appeal__street_id"], set()),
                 f"appeal-clock:{r['pk']}:escalate:leader:v{r['due_version']}", "appeal_escalation",
                 Notification.Level.URGENT, f"督办：{r['appeal__title']}（{METRIC_ZH[r['metric']]}超时未办）",
                 f"/appeals/{r['appeal_id']}/")
                for r in rows
            ]
            counts["notifications"] += _bulk_notify(items, now)
            SlaClock.objects.filter(pk__in=[r["pk"] for r in rows]).update(escalated_at=now)
            Appeal.objects.filter(pk__in={r["appeal_id"] for r in rows}).update(escalated=True)
            counts["escalated"] += len(rows)
    return counts


def _by_version(rows: list[dict]) -> dict[int, list[int]]:
    grouped: dict[int, list[int]] = defaultdict(list)
    for r in rows:
        grouped[r["due_version"]].append(r["pk"])
    return grouped
