"""The reminder sweep: warning at the warning share, breach (催办), escalation (督办).

Set-based: each step selects a bounded batch of clock ids through a partial index and locks them with
SKIP LOCKED (a second sweep running at the same time takes other rows or none). The notifications of the
whole batch are one INSERT … SELECT … ON CONFLICT DO NOTHING (crm `notify_query`): recipients, keys, titles
and delivery times are computed in SQL, never row by row in Python. Then one UPDATE sets the clocks' marker,
in the same transaction. A worker killed between the two writes commits neither; a sweep that re-runs a batch
re-creates the same keys, which the (recipient, key) constraint ignores, so nobody is told twice. A moved due
time bumps `due_version`, which is part of the key, so the reminder is re-armed.

A clock with a pending extension request (requested before its deadline) is not breached by the sweep: the
breach waits for the manager's decision (approved → the new due time; rejected → breached at the old due time).
"""

from __future__ import annotations

import datetime as dt
import time

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef

from appeals.models import Appeal, ExtensionRequest, SlaClock
from crm.models import Notification, Role, User
from crm.services.notifications import notify_query
from crm.services.workcalendar import local_tz

OPEN = (Appeal.Status.NEW, Appeal.Status.SIGNED, Appeal.Status.IN_PROGRESS, Appeal.Status.TRANSFERRED,
        Appeal.Status.RESOLVED)
METRIC_ZH = dict(SlaClock.Metric.choices)
# SQLite binds each id as one parameter; PostgreSQL gets one array parameter.
SQLITE_MAX_BATCH = 500


def _lock(qs):
    if connection.features.has_select_for_update_skip_locked:
        return qs.select_for_update(skip_locked=True, of=("self",))
    return qs


def _ids_clause(column: str, ids: list[int]) -> tuple[str, list]:
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [ids]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _liaisons_sql(now: dt.datetime) -> tuple[str, list]:
    """Active liaison officers per enterprise, when the enterprises app provides them."""
    try:
        from enterprises.models import LiaisonAssignment
    except ImportError:
        return "", []
    today = now.astimezone(local_tz()).date()
    sql, params = LiaisonAssignment.objects.active_on(today).values("enterprise_id", "officer_id").query.sql_with_params()
    return sql, list(params)


# Who hears about a clock, by step: the responsible person (officer, plus the lead department's handlers while
# it is transferred), the enterprise's liaison officers, and the street's managers.
RECIPIENTS = {
    "warn": ("responsible",),
    "breach": ("responsible", "liaison", "manager"),
    "escalate": ("manager",),
}
MESSAGES = {
    # step: (key infix, kind, level, title prefix, title middle, title suffix)
    "warn": (":warn:share:v", "appeal_warning", Notification.Level.WARNING, "即将到期（", "）：", ""),
    "breach": (":breach:due:v", "appeal_breach", Notification.Level.WARNING, "催办：", "已超时 · ", ""),
    "escalate": (":escalate:leader:v", "appeal_escalation", Notification.Level.URGENT, "督办：", "", ""),
}


def _notify_batch(step: str, ids: list[int], now: dt.datetime) -> int:
    """One INSERT … SELECT for the notifications of a batch of clocks."""
    clock, appeal, user = SlaClock._meta.db_table, Appeal._meta.db_table, User._meta.db_table
    params: list = []
    ids_sql, ids_params = _ids_clause("c.id", ids)
    batch = (f"SELECT c.id AS clock_id, c.metric, c.due_version, a.id AS appeal_id, a.title, a.officer_id, "
             f"a.status, a.lead_department_id, a.street_id, a.enterprise_id "
             f"FROM {clock} c JOIN {appeal} a ON a.id = c.appeal_id WHERE {ids_sql}")
    params += ids_params
    branches = []
    for who in RECIPIENTS[step]:
        if who == "responsible":
            branches.append("SELECT b.clock_id, b.officer_id AS recipient_id FROM b")
            branches.append(f"SELECT b.clock_id, u.id AS recipient_id FROM b JOIN {user} u ON u.department_id = b.lead_department_id"
                            f" AND u.role = %s WHERE b.status = %s")
            params += [Role.DEPARTMENT.value, Appeal.Status.TRANSFERRED.value]
        elif who == "liaison":
            liaison_sql, liaison_params = _liaisons_sql(now)
            if liaison_sql:
                branches.append(f"SELECT b.clock_id, l.officer_id AS recipient_id FROM b JOIN ({liaison_sql}) l"
                                f" ON l.enterprise_id = b.enterprise_id")
                params += liaison_params
        elif who == "manager":
            branches.append(f"SELECT b.clock_id, u.id AS recipient_id FROM b JOIN {user} u ON u.street_id = b.street_id"
                            f" AND u.role = %s")
            params += [Role.MANAGER.value]
    infix, kind, level, prefix, middle, suffix = MESSAGES[step]
    metric_case = "CASE b.metric " + " ".join("WHEN %s THEN %s" for _ in METRIC_ZH) + " END"
    metric_params = [v for code, label in METRIC_ZH.items() for v in (code, str(label))]
    if step == "escalate":  # 督办：<title>（<metric>超时未办）
        title_sql = f"%s || b.title || %s || {metric_case} || %s"
        title_params = [prefix, "（", *metric_params, "超时未办）"]
    else:  # 即将到期（<metric>）：<title> · 催办：<metric>已超时 · <title>
        title_sql = f"%s || {metric_case} || %s || b.title"
        title_params = [prefix, *metric_params, middle]
    source = (f"WITH b AS ({batch}), r AS ({' UNION '.join(branches)}) "
              f"SELECT r.recipient_id, %s || b.clock_id || %s || b.due_version AS \"key\", %s AS kind, %s AS level, "
              f"{title_sql} AS title, '' AS body, %s || b.appeal_id || %s AS url "
              f"FROM r JOIN b ON b.clock_id = r.clock_id WHERE r.recipient_id IS NOT NULL")
    params += ["appeal-clock:", infix, kind, level.value, *title_params, "/appeals/", "/"]
    return notify_query(source, params, now=now)


def _batches(qs, order: str, batch_size: int):
    """Lock and yield bounded batches of clock ids, one transaction each, until none is left."""
    while True:
        with transaction.atomic():
            ids = list(_lock(qs).order_by(order).values_list("pk", flat=True)[:batch_size])
            if not ids:
                return
            yield ids


def sweep(*, now: dt.datetime, batch_size: int = 20000, pause_for_test: float = 0) -> dict:
    if connection.vendor != "postgresql":
        batch_size = min(batch_size, SQLITE_MAX_BATCH)
    counts = {"warned": 0, "breached": 0, "breach_notified": 0, "escalated": 0, "notifications": 0}

    # 1. Warnings: running clocks past their warning share, not yet warned for this due version.
    warn = SlaClock.objects.filter(state=SlaClock.State.RUNNING, warn_at__lte=now, due_at__gte=now,
                                   warned_version__lt=F("due_version"), appeal__status__in=OPEN)
    for ids in _batches(warn, "warn_at", batch_size):
        counts["notifications"] += _notify_batch("warn", ids, now)
        if pause_for_test:
            time.sleep(pause_for_test)  # lets the worker test kill us between the two writes
        SlaClock.objects.filter(pk__in=ids).update(warned_version=F("due_version"))
        counts["warned"] += len(ids)

    # 2. Breaches: running clocks past due become breached at their due instant (final) - unless an extension
    # requested in time is waiting for its decision.
    pending = ExtensionRequest.objects.filter(clock_id=OuterRef("pk"), state=ExtensionRequest.State.PENDING)
    due = SlaClock.objects.filter(state=SlaClock.State.RUNNING, due_at__lt=now).exclude(Exists(pending))
    for ids in _batches(due, "due_at", batch_size):
        breached = SlaClock.objects.filter(pk__in=ids)
        breached.update(state=SlaClock.State.BREACHED, breached_at=F("due_at"))
        Appeal.objects.filter(pk__in=breached.values("appeal_id")).update(has_breach=True)
        first_round = breached.filter(round=1)
        Appeal.objects.filter(pk__in=first_round.filter(metric="response").values("appeal_id")).update(
            response_outcome="breached")
        Appeal.objects.filter(pk__in=first_round.filter(metric="resolution").values("appeal_id")).update(
            resolution_outcome="breached")
        counts["breached"] += len(ids)

    # 3. 催办: tell the handler, the liaison and the manager about each breach of an open appeal, once.
    unnotified = SlaClock.objects.filter(state=SlaClock.State.BREACHED, breach_notified=False,
                                         appeal__status__in=OPEN)
    for ids in _batches(unnotified, "pk", batch_size):
        counts["notifications"] += _notify_batch("breach", ids, now)
        SlaClock.objects.filter(pk__in=ids).update(breach_notified=True)
        counts["breach_notified"] += len(ids)
    # Breaches of closed appeals need no 催办; mark them so they leave the index.
    SlaClock.objects.filter(state=SlaClock.State.BREACHED, breach_notified=False).exclude(
        appeal__status__in=OPEN).update(breach_notified=True)

    # 4. 督办: a breach still open after the policy's further period goes to the street leader.
    escalate = SlaClock.objects.filter(
        state=SlaClock.State.BREACHED, escalated_at__isnull=True, escalate_at__lte=now, appeal__status__in=OPEN,
    ).exclude(metric__in=("sign", "response", "resolution"), appeal__status=Appeal.Status.RESOLVED)
    for ids in _batches(escalate, "escalate_at", batch_size):
        counts["notifications"] += _notify_batch("escalate", ids, now)
        clocks = SlaClock.objects.filter(pk__in=ids)
        clocks.update(escalated_at=now)
        Appeal.objects.filter(pk__in=clocks.values("appeal_id")).update(escalated=True)
        counts["escalated"] += len(ids)
    return counts
