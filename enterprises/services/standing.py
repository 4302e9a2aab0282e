"""A firm's derived standing for the whole-street pages: `Enterprise.last_visit_on`, `covered` (an active
LiaisonAssignment today) and `is_<kind>` (a Classification of that kind holds today).

One rule, one place: the flags are derived here, set-based, from the same querysets the rest of the product uses
(`LiaisonQuerySet.active_on`, `ClassificationQuerySet.current`), so an assignment made for a park's tenants, a
name-list import or an admin edit counts the moment its rows exist — provided the writer calls in:

- single-row ORM writes (services, admin, factories) are caught by the signals in enterprises.signals;
- bulk writes (bulk_create, QuerySet.update/delete, COPY) call `refresh_coverage_flags(ids)` /
  `refresh_last_visits(ids)` themselves afterwards — bulk_create and COPY send no signals;
- `deferred()` batches the signal-driven refreshes of a block into one set-based refresh at its end;
- the nightly task (`enterprises.refresh_standing`) re-derives the date-bound flags for everyone: an assignment or a
  fact that starts or ends that day, and the new statistical year on 1 January. It writes only rows that change.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import connection
from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from enterprises.models import Classification, Enterprise, LiaisonAssignment, Visit

#: kind → the Enterprise column saying "a fact of this kind holds today".
KIND_FLAGS = {kind: f"is_{kind}" for kind in Classification.Kind.values}
FLAG_COLUMNS = ("covered", *KIND_FLAGS.values())
CHUNK = 2000  # ids per statement when given as a list (SQLite allows 32,766 parameters, PostgreSQL 65,535)

_local = threading.local()

Ids = Iterable[int] | QuerySet | None


def _chunks(ids: Ids) -> Iterator[list[int] | QuerySet | None]:
    """None (everyone), a queryset of ids (one statement, as a subquery) or lists of at most CHUNK ids."""
    if ids is None or isinstance(ids, QuerySet):
        yield ids
        return
    unique = sorted({int(i) for i in ids if i is not None})
    for i in range(0, len(unique), CHUNK):
        yield unique[i:i + CHUNK]


def _sql(qs: QuerySet) -> tuple[str, tuple]:
    sql, params = qs.query.sql_with_params()
    return sql, tuple(params)


def refresh_coverage_flags(enterprise_ids: Ids = None, on: dt.date | None = None) -> int:
    """Re-derive `covered` and `is_<kind>` for these firms (a list of ids or a queryset of ids; None = every
    firm) as of `on` (today). One UPDATE per CHUNK ids; only rows whose flags change are written. Returns how many
    rows changed. Call it after any bulk write of LiaisonAssignment or Classification rows."""
    if _deferring(enterprise_ids, "flags"):
        return 0
    on = on or timezone.localdate()
    changed = 0
    for ids in _chunks(enterprise_ids):
        if ids is not None and not isinstance(ids, QuerySet) and not ids:
            continue
        live = LiaisonAssignment.objects.active_on(on).order_by()
        facts = Classification.objects.current(on).order_by()
        flagged = Enterprise.objects.filter(_any_flag()).order_by()
        if ids is not None:
            live, facts, flagged = (live.filter(enterprise_id__in=ids), facts.filter(enterprise_id__in=ids),
                                    flagged.filter(pk__in=ids))
        live_sql, live_params = _sql(live.values_list("enterprise_id"))
        facts_sql, facts_params = _sql(facts.values_list("enterprise_id", "kind"))
        flagged_sql, flagged_params = _sql(flagged.values_list("id"))
        kinds = list(KIND_FLAGS)
        zeros = ", ".join("0" for _ in kinds)
        per_kind = ", ".join(f"CASE WHEN f.kind = '{k}' THEN 1 ELSE 0 END" for k in kinds)
        maxes = ", ".join(f"MAX(k_{k}) AS k_{k}" for k in kinds)
        named_zeros = ", ".join(f"0 AS k_{k}" for k in kinds)  # a UNION's columns are named by its first SELECT
        sets = ", ".join([f"covered = (n.c = 1)", *(f"{KIND_FLAGS[k]} = (n.k_{k} = 1)" for k in kinds)])
        differs = " OR ".join([f"e.covered <> (n.c = 1)", *(f"e.{KIND_FLAGS[k]} <> (n.k_{k} = 1)" for k in kinds)])
        table = Enterprise._meta.db_table
        sql = f"""
            UPDATE {table} AS e SET {sets}
            FROM (
                SELECT id, MAX(c) AS c, {maxes} FROM (
                    SELECT l.enterprise_id AS id, 1 AS c, {named_zeros} FROM ({live_sql}) l
                    UNION ALL SELECT f.enterprise_id, 0, {per_kind} FROM ({facts_sql}) f
                    UNION ALL SELECT g.id, 0, {zeros} FROM ({flagged_sql}) g
                ) AS u GROUP BY id
            ) AS n
            WHERE e.id = n.id AND ({differs})"""
        with connection.cursor() as cursor:
            cursor.execute(sql, live_params + facts_params + flagged_params)
            changed += max(cursor.rowcount, 0)
    return changed


VISITOR_WINDOW_DAYS = 30  # selectors.visits.over_visited: different visitors in the 30 days up to today


def _visitors_since(on: dt.date):
    """Per firm (OuterRef "pk"): different people on its visits in (on - 30 days, on]."""
    through = Visit.officers.through
    return (through.objects.filter(visit__enterprise_id=OuterRef("pk"),
                                   visit__date__gt=on - dt.timedelta(days=VISITOR_WINDOW_DAYS), visit__date__lte=on)
            .order_by().values("visit__enterprise_id").annotate(n=Count("user_id", distinct=True)).values("n"))


def refresh_last_visits(enterprise_ids: Ids = None, on: dt.date | None = None) -> int:
    """Re-derive the visit standing of these firms: `last_visit_on` (their latest visit) and `visitors_30d`
    (different people in the last 30 days); None = every firm. Call it after any bulk write or delete of Visit
    rows or of their officers. Returns how many rows were written."""
    if _deferring(enterprise_ids, "visits"):
        return 0
    on = on or timezone.localdate()
    if enterprise_ids is None:
        return _refresh_all_last_visits(on)
    latest = Visit.objects.filter(enterprise_id=OuterRef("pk")).order_by().values("enterprise_id").annotate(
        d=Max("date")).values("d")
    written = 0
    for ids in _chunks(enterprise_ids):
        if ids:
            written += Enterprise.objects.filter(pk__in=ids).update(
                last_visit_on=Subquery(latest), visitors_30d=Coalesce(Subquery(_visitors_since(on)), 0))
    return written


def _refresh_all_last_visits(on: dt.date) -> int:
    """Every firm, set-based, writing only the rows that differ (seeding, reconciling)."""
    table, visits = Enterprise._meta.db_table, Visit._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"""
            UPDATE {table} AS e SET last_visit_on = v.d
            FROM (SELECT enterprise_id, MAX(date) AS d FROM {visits} GROUP BY enterprise_id) AS v
            WHERE e.id = v.enterprise_id AND (e.last_visit_on IS NULL OR e.last_visit_on <> v.d)""")
        written = max(cursor.rowcount, 0)
        cursor.execute(f"""
            UPDATE {table} SET last_visit_on = NULL WHERE last_visit_on IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM {visits} v WHERE v.enterprise_id = {table}.id)""")
        written += max(cursor.rowcount, 0)
    return written + _refresh_visitors(on)


def _refresh_visitors(on: dt.date) -> int:
    """`visitors_30d` for every firm: counted for those with visits in the window, back to 0 for the rest that
    still count some; set-based, only rows that change are written."""
    table, visits = Enterprise._meta.db_table, Visit._meta.db_table
    through = Visit.officers.through._meta.db_table
    since = on - dt.timedelta(days=VISITOR_WINDOW_DAYS)
    with connection.cursor() as cursor:
        cursor.execute(f"""
            UPDATE {table} AS e SET visitors_30d = COALESCE(n.n, 0)
            FROM (SELECT f.id, w.n FROM {table} f LEFT JOIN (
                      SELECT v.enterprise_id, COUNT(DISTINCT t.user_id) AS n FROM {visits} v
                      JOIN {through} t ON t.visit_id = v.id WHERE v.date > %s AND v.date <= %s
                      GROUP BY v.enterprise_id) w ON w.enterprise_id = f.id
                  WHERE f.visitors_30d > 0 OR w.n IS NOT NULL) AS n
            WHERE e.id = n.id AND e.visitors_30d <> COALESCE(n.n, 0)""", [since, on])
        return max(cursor.rowcount, 0)


def refresh_standing(on: dt.date | None = None) -> int:
    """The nightly re-derivation for every firm of what depends on the date: coverage flags (assignments and facts
    starting or ending, the statistical year) and the 30-day visitor counts (visits leaving the window)."""
    on = on or timezone.localdate()
    return refresh_coverage_flags(None, on) + _refresh_visitors(on)


def _any_flag() -> Q:
    q = Q(covered=True)
    for column in KIND_FLAGS.values():
        q |= Q(**{column: True})
    return q


# --- batching the refreshes the signals ask for -----------------------------------------------------------------


@contextmanager
def deferred() -> Iterator[None]:
    """Inside the block, refreshes asked for with ids (by signals or callers) are collected and run once, set-based,
    when the block ends. Nests; a refresh of everyone (ids=None) is never deferred."""
    outer = getattr(_local, "pending", None)
    if outer is not None:
        yield
        return
    _local.pending = {"flags": set(), "visits": set()}
    try:
        yield
        pending = _local.pending
    finally:
        del _local.pending
    if pending["visits"]:
        refresh_last_visits(pending["visits"])
    if pending["flags"]:
        refresh_coverage_flags(pending["flags"])


def _deferring(ids: Ids, what: str) -> bool:
    pending = getattr(_local, "pending", None)
    if pending is None or ids is None or isinstance(ids, QuerySet):
        return False
    pending[what].update(int(i) for i in ids if i is not None)
    return True
