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
    sql, params = (LiaisonAssignment.objects.active_on(today).order_by()
                   .values("enterprise_id", "officer_id").query.sql_with_params())
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
    from enterprises.models import Enterprise

    clock, appeal, user = SlaClock._meta.db_table, Appeal._meta.db_table, User._meta.db_table
    firm = Enterprise._meta.db_table
    params: list = []
    ids_sql, ids_params = _ids_clause("c.id", ids)
    batch = (f"SELECT c.id AS clock_id, c.metric, c.due_version, a.id AS appeal_id, a.title, a.officer_id, "
             f"a.status, a.lead_department_id, a.street_id, a.enterprise_id, e.name AS firm "
             f"FROM {clock} c JOIN {appeal} a ON a.id = c.appeal_id JOIN {firm} e ON e.id = a.enterprise_id "
             f"WHERE {ids_sql}")
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
              f"{title_sql} AS title, b.firm || %s || b.appeal_id AS body, %s || b.appeal_id || %s AS url "
              f"FROM r JOIN b ON b.clock_id = r.clock_id WHERE r.recipient_id IS NOT NULL")
    # The body names the firm and the appeal number: the inbox shows it under the title (and groups by appeal).
    params += ["appeal-clock:", infix, kind, level.value, *title_params, " · 诉求 #", "/appeals/", "/"]
    return notify_query(source, params, now=now)


def _in(column: str, ids) -> tuple[str, list]:
    ids = list(ids)
    if not ids:
        return "1 = 0", []
    return _ids_clause(column, ids)


def _tune_transaction() -> None:
    """PostgreSQL, this transaction only: no JIT (compiling costs more than it saves on these batch-sized
    statements) and no wait for the WAL flush at commit - the sweep is idempotent, so a batch lost to a server
    crash is simply redone by the next sweep (its notifications and markers are lost together)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off; SET LOCAL synchronous_commit = off")


def _batches(qs, order: str, fields: tuple[str, ...], batch_size: int):
    """Lock and yield bounded batches of clock rows, one transaction per batch (the caller's work on a batch
    runs inside it), until none is left."""
    previous = None
    while True:
        with transaction.atomic():
            _tune_transaction()
            rows = list(_lock(qs).order_by(order).values_list(*fields)[:batch_size])
            if not rows or rows == previous:  # nothing left, or a batch the step could not move on: stop
                return
            yield rows
            previous = rows


BREACH_FIELDS = ("pk", "metric", "round", "state", "breach_notified", "escalated_at", "escalate_at", "appeal_id",
                 "appeal__status")
FINAL_BEFORE_RESOLUTION = ("sign", "response", "resolution")


def _write_breach_markers(rows: list[tuple], escalate: set[int], now: dt.datetime,
                          appeals: dict[int, tuple[bool, bool, bool, bool]]) -> None:
    """Every clock of the batch: breached (at its due instant if it was running), told (closed appeals' breaches
    need no 催办, so they leave the "to tell" index too), escalated when in `escalate`. Every touched appeal:
    (has_breach, response breached, resolution breached, escalated) flags, only ever switched on.
    PostgreSQL joins the batch as unnest(arrays) (a CASE over `= ANY(array)` would scan the array per row);
    SQLite batches are small, so CASE over IN lists is fine there."""
    clock_table, appeal_table = SlaClock._meta.db_table, Appeal._meta.db_table
    now_db = connection.ops.adapt_datetimefield_value(now)
    running, breached = SlaClock.State.RUNNING.value, SlaClock.State.BREACHED.value
    ids = [r[0] for r in rows]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {clock_table} c SET state = %s, "
                f"breached_at = CASE WHEN c.state = %s THEN c.due_at ELSE c.breached_at END, breach_notified = true, "
                f"escalated_at = CASE WHEN x.esc THEN %s ELSE c.escalated_at END "
                f"FROM unnest(%s::bigint[], %s::boolean[]) AS x(id, esc) WHERE c.id = x.id",
                [breached, running, now_db, ids, [pk in escalate for pk in ids]])
            if appeals:
                keys = list(appeals)
                flags = list(zip(*(appeals[k] for k in keys), strict=True))
                cursor.execute(
                    f"UPDATE {appeal_table} a SET has_breach = a.has_breach OR x.b, "
                    f"response_outcome = CASE WHEN x.resp THEN 'breached' ELSE a.response_outcome END, "
                    f"resolution_outcome = CASE WHEN x.reso THEN 'breached' ELSE a.resolution_outcome END, "
                    f"escalated = a.escalated OR x.esc "
                    f"FROM unnest(%s::bigint[], %s::boolean[], %s::boolean[], %s::boolean[], %s::boolean[]) "
                    f"AS x(id, b, resp, reso, esc) WHERE a.id = x.id",
                    [keys, *(list(f) for f in flags)])
            return
        all_sql, all_params = _in("id", ids)
        esc_sql, esc_params = _in("id", escalate)
        cursor.execute(
            f"UPDATE {clock_table} SET state = %s, "
            f"breached_at = CASE WHEN state = %s THEN due_at ELSE breached_at END, breach_notified = %s, "
            f"escalated_at = CASE WHEN {esc_sql} THEN %s ELSE escalated_at END WHERE {all_sql}",
            [breached, running, True, *esc_params, now_db, *all_params])
        if appeals:
            parts, params = [], []
            for index, (column, value) in enumerate((("has_breach", True), ("response_outcome", "breached"),
                                                     ("resolution_outcome", "breached"), ("escalated", True))):
                flag_sql, flag_params = _in("id", [k for k, f in appeals.items() if f[index]])
                parts.append(f"{column} = CASE WHEN {flag_sql} THEN %s ELSE {column} END")
                params += [*flag_params, value]
            where_sql, where_params = _in("id", appeals)
            cursor.execute(f"UPDATE {appeal_table} SET {', '.join(parts)} WHERE {where_sql}", [*params, *where_params])


def _settle_breaches(rows: list[tuple], now: dt.datetime) -> dict:
    """For a locked batch of clocks that are breached or about to be: breach the running ones at their due
    instant, send 催办 for breaches of open appeals not told yet, escalate (督办) those past their escalation
    instant, then write every marker with one UPDATE of the clocks and one of their appeals. In the cold case
    (many clocks crossing everything at once) each clock is written once, not once per threshold."""
    to_breach, to_notify, to_escalate = [], [], []
    response_appeals, resolution_appeals, escalated_appeals, breached_appeals = set(), set(), set(), set()
    for pk, metric, round_, state, notified, escalated_at, escalate_at, appeal_id, status in rows:
        is_open = status in OPEN
        if state == SlaClock.State.RUNNING:
            to_breach.append(pk)
            breached_appeals.add(appeal_id)
            if round_ == 1 and metric == "response":
                response_appeals.add(appeal_id)
            elif round_ == 1 and metric == "resolution":
                resolution_appeals.add(appeal_id)
        if is_open and not notified:
            to_notify.append(pk)
        if (is_open and escalated_at is None and escalate_at <= now
                and not (metric in FINAL_BEFORE_RESOLUTION and status == Appeal.Status.RESOLVED)):
            to_escalate.append(pk)
            escalated_appeals.add(appeal_id)
    created = 0
    if to_notify:
        created += _notify_batch("breach", to_notify, now)
    if to_escalate:
        created += _notify_batch("escalate", to_escalate, now)
    _write_breach_markers(rows, set(to_escalate), now, appeals={
        appeal_id: (appeal_id in breached_appeals, appeal_id in response_appeals, appeal_id in resolution_appeals,
                    appeal_id in escalated_appeals)
        for appeal_id in breached_appeals | escalated_appeals})
    return {"breached": len(to_breach), "breach_notified": len(to_notify), "escalated": len(to_escalate),
            "notifications": created}


def sweep(*, now: dt.datetime, batch_size: int = 50000, pause_for_test: float = 0) -> dict:
    if connection.vendor != "postgresql":
        # Each id is a bound parameter on SQLite, and an UPDATE names the batch a few times.
        batch_size = min(batch_size, SQLITE_MAX_BATCH)
    counts = {"warned": 0, "breached": 0, "breach_notified": 0, "escalated": 0, "notifications": 0}

    # 1. Warnings: running clocks past their warning share, not yet warned for this due version.
    warn = SlaClock.objects.filter(state=SlaClock.State.RUNNING, warn_at__lte=now, due_at__gte=now,
                                   warned_version__lt=F("due_version"), appeal__status__in=OPEN)
    for rows in _batches(warn, "warn_at", ("pk",), batch_size):
        ids = [pk for pk, in rows]
        counts["notifications"] += _notify_batch("warn", ids, now)
        if pause_for_test:
            time.sleep(pause_for_test)  # lets the worker test kill us between the two writes
        SlaClock.objects.filter(pk__in=ids).update(warned_version=F("due_version"))
        counts["warned"] += len(ids)

    # 2. Breaches: running clocks past due become breached at their due instant (final) - unless an extension
    # requested in time is waiting for its decision - with their 催办 and, when already due, their 督办.
    pending = ExtensionRequest.objects.filter(clock_id=OuterRef("pk"), state=ExtensionRequest.State.PENDING)
    steps = [
        (SlaClock.objects.filter(state=SlaClock.State.RUNNING, due_at__lt=now).exclude(Exists(pending)), "due_at"),
        # 3. 催办 for breaches recorded elsewhere (a late action settles its clock as breached).
        (SlaClock.objects.filter(state=SlaClock.State.BREACHED, breach_notified=False), "pk"),
        # 4. 督办: a breach still open after the policy's further period goes to the street leader.
        (SlaClock.objects.filter(state=SlaClock.State.BREACHED, escalated_at__isnull=True, escalate_at__lte=now,
                                 appeal__status__in=OPEN)
         .exclude(metric__in=FINAL_BEFORE_RESOLUTION, appeal__status=Appeal.Status.RESOLVED), "escalate_at"),
    ]
    for qs, order in steps:
        for rows in _batches(qs, order, BREACH_FIELDS, batch_size):
            for key, value in _settle_breaches(rows, now).items():
                counts[key] += value
    return counts
