"""Set-based writes of an import: binary COPY on PostgreSQL, bulk_create on SQLite.

`NewFirmWriter` writes new firms from a second thread while the commit is still validating and diffing the rest of
the file. PostgreSQL does the heavy part of an import (heap, seven btrees, two trigram GIN indexes, key checks) in
its own process, so the two cores work at once instead of taking turns. It shares the commit's connection, and so
its transaction: a failure anywhere rolls everything back.
"""

from __future__ import annotations

import io
import itertools
import json
import queue
import threading
from collections import defaultdict
from contextlib import contextmanager
from typing import TYPE_CHECKING, Callable

import psycopg
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from psycopg.copy import FileWriter

from enterprises.models import AnnualFigure, Classification, Enterprise
from enterprises.services.standing import deferred, refresh_coverage_flags

from .errors import ImportRefused
from .initials import name_initials
from .models import ImportChange

if TYPE_CHECKING:
    from .diff import Plan

CHUNK = 2000
FIGURE_FIELDS = ("revenue", "output_value", "employees", "tax")
ENTERPRISE_COLUMNS = ("uscc", "name", "name_initials", "street_id", "community_id", "industry_id", "address",
                      "legal_representative", "created_at", "updated_at")
FIGURE_COLUMNS = ("enterprise_id", "year", "source", "updated_at", *FIGURE_FIELDS)
FACT_COLUMNS = ("enterprise_id", "kind", "category", "year", "valid_from", "valid_to", "certificate_no", "exchange",
                "stock_code", "reason", "source", "created_at", "updated_at")
ENTERPRISE_ID_COLUMNS = ("id", *ENTERPRISE_COLUMNS)  # new firms, with ids drawn from the sequence beforehand
CHANGE_COLUMNS = ("batch_id", "enterprise_id", "action", "target", "field", "before", "after", "row", "created_at")
# The analysis ran in this transaction, but another one may have created the same firm since: the unique index then
# refuses the insert and the whole commit rolls back.
RACED = "提交期间有企业被其他操作同时创建，请重新预览后再提交"


# --- one row of each table, shared by the batch writes (apply) and the streaming writer --------------------------


def enterprise_row(create: dict, now) -> tuple:
    return (create["uscc"], create["name"], name_initials(create["name"]), create["street_id"],
            create.get("community_id"), create.get("industry_id"), create.get("address") or "",
            (create.get("legal_representative") or "")[:50], now, now)


def figure_row(ent_id: int, year: int, values: dict, source: str, now) -> tuple:
    return (ent_id, year, source, now, *(values.get(k) for k in FIGURE_FIELDS))


def fact_row(ent_id: int, fact: dict, reason: str, source: str, now) -> tuple:
    return (ent_id, fact["kind"], fact["category"] or "", fact["year"], fact["valid_from"], fact["valid_to"],
            fact["certificate_no"], fact["exchange"], fact["stock_code"], reason, source, now, now)


def created_change_row(batch_id: int, ent_id: int, create: dict, now) -> tuple:
    return (batch_id, ent_id, ImportChange.Action.CREATED.value, "enterprise", "", "", create["name"][:300],
            create["row"], now)


def defer_gin_merges() -> None:
    """New rows go to the GIN indexes' pending lists (name and initials trigrams) instead of being merged into the
    trees one by one; autovacuum merges them later. For the current transaction only; idempotent."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL gin_pending_list_limit = '256MB'")


# --- COPY ----------------------------------------------------------------------------------------------------------

# PostgreSQL's binary COPY stream (see COPY, "Binary Format"): a signature and two empty 32-bit header fields, the
# tuples, and a 16-bit -1 as trailer.
COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
COPY_TRAILER = b"\xff\xff"


class CopyInto:
    """`COPY table (columns) FROM STDIN (FORMAT BINARY)` for a model, prepared once: the columns a caller does not
    give get the model's Python-side defaults (Django sets no database defaults)."""

    def __init__(self, model, columns: tuple[str, ...]):
        given = [model._meta.get_field(c[:-3] if c.endswith("_id") else c) for c in columns]
        extra_fields = [f for f in model._meta.concrete_fields if not f.primary_key and f.attname not in columns]
        fields = given + extra_fields
        qn = connection.ops.quote_name
        self.sql = (f"COPY {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
                    f"FROM STDIN (FORMAT BINARY)")
        # 'varchar(200)' → 'varchar', 'numeric(16, 2)' → 'numeric', 'timestamp with time zone' as it is.
        self.types = [f.db_type(connection).split("(")[0].strip() for f in fields]
        extra = []
        for i, f in enumerate(extra_fields, start=len(given)):
            value = f.get_default()
            if value is not None and f.get_internal_type() == "JSONField":
                # A constant JSON default is encoded once, in jsonb's binary wire form (version 1, then the text),
                # and sent as raw bytes: dumping it per row cost ~0.5 s per 100,000 firms.
                value, self.types[i] = b"\x01" + json.dumps(value).encode(), "bytea"
            elif value is not None:
                value = f.get_db_prep_save(value, connection)
            extra.append(value)
        self.extra = tuple(extra)
        self.model = model

    def run(self, raw_cursor, rows) -> None:
        """Stream `rows` (tuples in `columns` order) through a psycopg cursor; the server indexes them as they
        arrive."""
        with raw_cursor.copy(self.sql) as copy:
            copy.set_types(self.types)
            self._write_rows(copy, rows)

    def encode(self, raw_cursor, rows) -> bytes:
        """`rows` in COPY's binary tuple format, without the stream's header and trailer: encoded on this thread,
        sent later by `send`. `raw_cursor` only lends its type adapters; nothing is executed."""
        buffer = io.BytesIO()
        with psycopg.Copy(raw_cursor, binary=True, writer=FileWriter(buffer)) as copy:
            copy.set_types(self.types)
            self._write_rows(copy, rows)
        data = buffer.getbuffer()
        if len(data) == len(COPY_HEADER) + len(COPY_TRAILER):
            return b""
        assert data[:len(COPY_HEADER)] == COPY_HEADER and data[-len(COPY_TRAILER):] == COPY_TRAILER
        return bytes(data[len(COPY_HEADER):-len(COPY_TRAILER)])

    def send(self, raw_cursor, blocks: list[bytes]) -> None:
        """One COPY of tuples `encode` made (non-empty blocks: the caller skips a table with nothing to send)."""
        with raw_cursor.copy(self.sql) as copy:
            copy.write(COPY_HEADER)
            for block in blocks:
                copy.write(block)
            copy.write(COPY_TRAILER)

    def _write_rows(self, copy, rows) -> None:
        extra = self.extra
        write = copy.write_row
        if extra:
            for row in rows:
                write(row + extra)
        else:
            for row in rows:
                write(row)


def insert_rows(model, columns: tuple[str, ...], rows) -> None:
    """Set-based insert of plain tuples in `columns` order. PostgreSQL: binary COPY (no model instances, no per-row
    SQL, no text parsing on the server); SQLite: bulk_create in batches."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            CopyInto(model, columns).run(cursor.cursor, rows)
        return
    batch = []
    for row in rows:
        batch.append(model(**dict(zip(columns, row))))
        if len(batch) >= 500:
            model.objects.bulk_create(batch)
            batch = []
    if batch:
        model.objects.bulk_create(batch)


def draw_ids(raw_cursor, n: int) -> list[int]:
    """`n` new registry ids from the table's sequence, in one query (its name resolved once, not per row), so new
    firms can be written by COPY with no RETURNING and no staging table."""
    raw_cursor.execute("SELECT nextval(seq) FROM CAST(pg_get_serial_sequence(%s, 'id') AS regclass) AS seq, "
                       "generate_series(1, %s)", [Enterprise._meta.db_table, n])
    return [pk for (pk,) in raw_cursor.fetchall()]


@contextmanager
def refused_if_raced():
    """A code someone else registered since the analysis makes the unique index refuse the COPY."""
    try:
        yield
    except psycopg.errors.UniqueViolation:
        raise ImportRefused(RACED) from None


def insert_enterprises(creates: list[dict], now) -> dict[str, int]:
    """New firms → code → id. PostgreSQL: one binary COPY; SQLite: bulk_create."""
    if not creates:
        return {}
    if connection.vendor != "postgresql":
        objs = [Enterprise(**dict(zip(ENTERPRISE_COLUMNS, enterprise_row(c, now)))) for c in creates]
        try:
            with transaction.atomic():
                Enterprise.objects.bulk_create(objs, batch_size=500)
        except IntegrityError:
            raise ImportRefused(RACED) from None
        return {o.uscc: o.id for o in objs}
    with connection.cursor() as cursor, refused_if_raced():
        ids = draw_ids(cursor.cursor, len(creates))
        CopyInto(Enterprise, ENTERPRISE_ID_COLUMNS).run(
            cursor.cursor, ((pk, *enterprise_row(c, now)) for pk, c in zip(ids, creates)))
    return {c["uscc"]: pk for pk, c in zip(ids, creates)}


# --- streaming --------------------------------------------------------------------------------------------------


class NewFirmWriter:
    """Writes new firms from a second thread while the caller goes on (PostgreSQL only).

    Use inside the commit's transaction:

        with NewFirmWriter(batch_id, now) as writer:
            writer.reserve(n)  # ids for at most n new firms
            ...writer.add(create, figure, fact, reason)...  # typically from analyse(new_firms=writer)

    The caller's thread turns every firm into COPY tuples (the firm, its annual figures, its fact, its "created"
    change) and hands them over HANDOFF firms at a time; the writer's thread only sends bytes, so it hardly ever
    needs the GIL and the server is fed as fast as the caller validates. The writer takes everything waiting, up to
    CHUNK firms, each time it is free: the server starts on the file's first firms at once and never idles while
    firms are ready. Each chunk is four COPYs, one per table. Leaving the block waits for the last chunk and raises
    the writer's error, if it had one; leaving it by an exception stops the writer first, so the transaction can
    roll back."""

    CHUNK = 20_000  # at most this many firms per COPY: each statement boundary idles the server for a round trip
    HANDOFF = 500  # firms per handover: cheap for the caller, small enough that the server starts at once
    BACKLOG = 3 * CHUNK // HANDOFF  # handovers the writer may fall behind before the caller waits (bounds memory)

    def __init__(self, batch_id: int, now):
        self.batch_id, self.now, self.source = batch_id, now, f"import:{batch_id}"
        self.error: BaseException | None = None
        self.ids: list[int] = []
        # Everything that reads Django's thread-local connection is prepared here, on the caller's thread.
        self.tables = (CopyInto(Enterprise, ENTERPRISE_ID_COLUMNS), CopyInto(AnnualFigure, FIGURE_COLUMNS),
                       CopyInto(Classification, FACT_COLUMNS), CopyInto(ImportChange, CHANGE_COLUMNS))
        self.pending: tuple[list, ...] = ([], [], [], [])  # rows per table, in `tables` order
        self.handoffs: queue.Queue = queue.Queue(maxsize=self.BACKLOG)
        self.thread = threading.Thread(target=self._run, name=f"namelist-writer-{batch_id}", daemon=True)

    def __enter__(self) -> NewFirmWriter:
        defer_gin_merges()
        self.raw = connection.connection  # psycopg's connection is thread-safe: one statement at a time
        self.encoder = self.raw.cursor()  # lends its type adapters to `encode`; never executes anything
        self.thread.start()
        return self

    def reserve(self, n: int) -> None:
        """Ids for up to `n` new firms, drawn before the writing starts (the writer then holds the connection)."""
        with self.raw.cursor() as cursor:
            self.ids = draw_ids(cursor, n)[::-1]

    def add(self, create: dict, figure: tuple[int, dict] | None, fact: dict, reason: str) -> None:
        """A new firm (the analysis' create), its figures as (year, values) or None, and its fact."""
        if self.error is not None:
            raise self.error
        if not self.ids:
            raise AssertionError("NewFirmWriter.add() beyond the ids reserved")
        pk, now, source = self.ids.pop(), self.now, self.source
        firms, figures, facts, changes = self.pending
        firms.append((pk, *enterprise_row(create, now)))
        if figure:
            figures.append(figure_row(pk, figure[0], figure[1], source, now))
        facts.append(fact_row(pk, fact, reason, source, now))
        changes.append(created_change_row(self.batch_id, pk, create, now))
        if len(firms) >= self.HANDOFF:
            self._hand_off()

    def _hand_off(self) -> None:
        blocks = tuple(table.encode(self.encoder, rows) for table, rows in zip(self.tables, self.pending))
        self.handoffs.put((len(self.pending[0]), blocks))
        self.pending = ([], [], [], [])

    def __exit__(self, exc_type, exc, tb) -> bool:
        try:
            if exc_type is None and self.pending[0]:
                self._hand_off()
        finally:
            self.pending = ([], [], [], [])
            self.handoffs.put(None)
            self.thread.join()
            self.encoder.close()
        if exc_type is None and self.error is not None:
            raise self.error
        return False

    def _run(self) -> None:
        finished = False
        while not finished:
            handoff = self.handoffs.get()
            if handoff is None:
                break
            firms, chunk = handoff[0], [handoff[1]]
            while firms < self.CHUNK:  # and whatever else is waiting
                try:
                    handoff = self.handoffs.get_nowait()
                except queue.Empty:
                    break
                if handoff is None:
                    finished = True
                    break
                firms += handoff[0]
                chunk.append(handoff[1])
            if self.error is None:
                try:
                    self._write(chunk)
                except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread by add()/__exit__
                    self.error = exc

    def _write(self, chunk: list[tuple[bytes, ...]]) -> None:
        with self.raw.cursor() as cursor:
            for i, table in enumerate(self.tables):
                blocks = [handoff[i] for handoff in chunk if handoff[i]]
                if blocks:
                    with refused_if_raced():
                        table.send(cursor, blocks)


# --- the plan's writes ------------------------------------------------------------------------------------


def apply(plan: Plan, batch_id: int, progress: Callable[[int, str], None] | None = None) -> dict[str, int]:
    """Write the plan (new firms too, unless a NewFirmWriter already wrote them). The caller holds the transaction.
    Returns code → enterprise id for the new firms written here."""
    progress = progress or (lambda pct, note: None)
    now = timezone.now()
    source = f"import:{batch_id}"
    progress(65, "写入企业")
    defer_gin_merges()
    new_ids = insert_enterprises(plan.creates, now)
    if plan.updates:
        objs = []
        fields: set[str] = set()
        for ent_id, diff in plan.updates.items():
            obj = Enterprise(id=ent_id, updated_at=now)
            for k, val in diff.items():
                setattr(obj, k, val)
                fields.add(k)
            if "name" in diff:
                obj.name_initials = name_initials(diff["name"])
                fields.add("name_initials")
            objs.append(obj)
        _bulk_update_grouped(Enterprise, objs, plan.updates, extra=("updated_at",),
                             also={"name": ("name_initials", "former_names")})

    def ent_id(firm: int | str) -> int:
        return firm if isinstance(firm, int) else new_ids[firm]

    progress(75, "写入年度数据与分类")
    if plan.figure_creates:
        insert_rows(AnnualFigure, FIGURE_COLUMNS, (figure_row(ent_id(ref), fig_year, values, source, now)
                                                   for ref, fig_year, values in plan.figure_creates))
    if plan.figure_updates:
        objs = [AnnualFigure(id=pk, source=source, updated_at=now, **diff) for pk, diff in plan.figure_updates.items()]
        _bulk_update_grouped(AnnualFigure, objs, plan.figure_updates, extra=("source", "updated_at"))
    if plan.fact_creates:
        insert_rows(Classification, FACT_COLUMNS, (fact_row(ent_id(ref), f, reason, source, now)
                                                   for ref, f, reason, _row in plan.fact_creates))
    if plan.fact_updates:
        objs = [Classification(id=pk, source=source, updated_at=now, **diff) for pk, diff in plan.fact_updates.items()]
        _bulk_update_grouped(Classification, objs, plan.fact_updates, extra=("source", "updated_at"))
    if plan.fact_closes:
        deletes = [fid for fid, _, mode in plan.fact_closes if mode == "delete"]
        ends = [fid for fid, _, mode in plan.fact_closes if mode == "end"]
        with deferred():  # the deletes' signals would refresh firm by firm; the refresh below does them at once
            for i in range(0, len(deletes), CHUNK):
                Classification.objects.filter(id__in=deletes[i:i + CHUNK]).delete()
        for i in range(0, len(ends), CHUNK):
            Classification.objects.filter(id__in=ends[i:i + CHUNK]).update(
                valid_to=timezone.localdate(), reason=f"不在导入批次 #{batch_id} 的名单中", updated_at=now)
    new_cluster_changes = add_clusters(plan.cluster_adds, new_ids, batch_id, now)
    # The facts were written in bulk (COPY, bulk_update, QuerySet.update/delete): re-derive the standing of every
    # firm whose facts this batch touched, set-based (enterprises.services.standing).
    touched = Classification.objects.filter(source=source).values("enterprise_id")
    refresh_coverage_flags(touched)
    refresh_coverage_flags([ent for _fid, ent, _mode in plan.fact_closes])
    progress(88, "记录变更")
    created = (created_change_row(batch_id, new_ids[c["uscc"]], c, now) for c in plan.creates)
    others = ((batch_id, c["enterprise_id"], c["action"], c["target"], c["field"], c["before"][:300], c["after"][:300],
               c["row"], now) for c in plan.changes if "former_street_id" not in c)
    insert_rows(ImportChange, CHANGE_COLUMNS, itertools.chain(created, new_cluster_changes, others))
    moves = [(batch_id, c["enterprise_id"], c["action"], c["target"], c["field"], c["before"][:300], c["after"][:300],
              c["row"], now, c["former_street_id"]) for c in plan.changes if "former_street_id" in c]
    if moves:  # a firm moved between streets: the street it left sees the move too (ImportChange.former_street)
        insert_rows(ImportChange, (*CHANGE_COLUMNS, "former_street_id"), moves)
    return new_ids


def add_clusters(adds: list[tuple], new_ids: dict[str, int], batch_id: int, now) -> list[tuple]:
    """The plan's cluster additions, set-based: INSERT … ON CONFLICT DO NOTHING into the firm–cluster table in
    batches (a link someone added meanwhile is kept, not an error). A new firm the NewFirmWriter wrote is found by
    its code, CHUNK codes a query. Returns the new firms' change-log rows (a registered firm's are in plan.changes)."""
    if not adds:
        return []
    codes = [firm for firm, *_rest in adds if isinstance(firm, str) and firm not in new_ids]
    ids = dict(new_ids)
    for i in range(0, len(codes), CHUNK):
        ids.update(Enterprise.objects.filter(uscc__in=codes[i:i + CHUNK]).values_list("uscc", "id"))
    through = Enterprise.clusters.through
    links, changes = [], []
    for firm, cluster_ids, names, row in adds:
        ent_id = firm if isinstance(firm, int) else ids[firm]
        links += [through(enterprise_id=ent_id, cluster_id=pk) for pk in cluster_ids]
        if not isinstance(firm, int):
            changes.append((batch_id, ent_id, ImportChange.Action.CREATED.value, "enterprise", "clusters", "",
                            names[:300], row, now))
    through.objects.bulk_create(links, batch_size=CHUNK, ignore_conflicts=True)
    return changes


def _bulk_update_grouped(model, objs, diffs: dict[int, dict], extra=(), also=None):
    """bulk_update per set of changed fields, so an update writes only the columns that changed."""
    groups: dict[tuple, list] = defaultdict(list)
    for obj in objs:
        keys = set(diffs[obj.id])
        for trigger, fields in (also or {}).items():
            if trigger in keys:
                keys.update(fields)
        groups[tuple(sorted(keys | set(extra)))].append(obj)
    for fields, group in groups.items():
        model.objects.bulk_update(group, list(fields), batch_size=500)
