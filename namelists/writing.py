"""Set-based writes of an import: binary COPY on PostgreSQL, bulk_create on SQLite.

`NewFirmWriter` writes new firms from a second thread while the commit is still validating and diffing the rest of
the file. PostgreSQL does the heavy part of an import (heap, eight btrees, two trigram GIN indexes, key checks) in
its own process, so the two cores work at once instead of taking turns. It shares the commit's connection, and so
its transaction: a failure anywhere rolls everything back.
"""

from __future__ import annotations

import json
import queue
import threading

from django.db import IntegrityError, connection, transaction

from enterprises.models import AnnualFigure, Classification, Enterprise

from .errors import ImportRefused
from .initials import name_initials
from .models import ImportChange

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
        extra = self.extra
        with raw_cursor.copy(self.sql) as copy:
            copy.set_types(self.types)
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


def copy_enterprises(raw_cursor, copy: CopyInto, creates: list[dict], now) -> list[int]:
    """New firms by one COPY (`copy`: into the registry with ENTERPRISE_ID_COLUMNS) → their ids, in order. The ids
    are drawn from the table's sequence in one query (its name resolved once, not per row): no RETURNING, no
    staging table. A code someone else registered meanwhile makes the unique index refuse the COPY."""
    import psycopg

    raw_cursor.execute("SELECT nextval(seq) FROM CAST(pg_get_serial_sequence(%s, 'id') AS regclass) AS seq, "
                       "generate_series(1, %s)", [Enterprise._meta.db_table, len(creates)])
    ids = [pk for (pk,) in raw_cursor.fetchall()]
    try:
        copy.run(raw_cursor, ((pk, *enterprise_row(c, now)) for pk, c in zip(ids, creates)))
    except psycopg.errors.UniqueViolation:
        raise ImportRefused(RACED) from None
    return ids


def insert_enterprises(creates: list[dict], now) -> dict[str, int]:
    """New firms → code → id. PostgreSQL: copy_enterprises; SQLite: bulk_create."""
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
    with connection.cursor() as cursor:
        ids = copy_enterprises(cursor.cursor, CopyInto(Enterprise, ENTERPRISE_ID_COLUMNS), creates, now)
    return {c["uscc"]: pk for pk, c in zip(ids, creates)}


# --- streaming --------------------------------------------------------------------------------------------------


class NewFirmWriter:
    """Writes new firms in chunks from a second thread while the caller goes on (PostgreSQL only).

    Use inside the commit's transaction:

        with NewFirmWriter(batch_id, now) as writer:
            ...writer.add(create, figure, fact, reason)...  # typically from analyse(new_firms=writer)

    Each chunk becomes, in order: ids from the sequence, the firms, their annual figures, their facts and their
    "created" change rows, each one COPY. Leaving the block waits for the last chunk and raises the writer's error,
    if it had one; leaving it by an exception stops the writer first, so the transaction can roll back."""

    CHUNK = 20_000  # fewer, longer COPYs: each statement boundary idles the server for a round trip

    def __init__(self, batch_id: int, now):
        self.batch_id, self.now, self.source = batch_id, now, f"import:{batch_id}"
        self.pending: list[tuple] = []
        self.error: BaseException | None = None
        # Everything that reads Django's thread-local connection is prepared here, on the caller's thread.
        self.enterprises = CopyInto(Enterprise, ENTERPRISE_ID_COLUMNS)
        self.figures = CopyInto(AnnualFigure, FIGURE_COLUMNS)
        self.facts = CopyInto(Classification, FACT_COLUMNS)
        self.changes = CopyInto(ImportChange, CHANGE_COLUMNS)
        self.chunks: queue.Queue = queue.Queue(maxsize=2)  # bounded: the writer never holds the whole file
        self.thread = threading.Thread(target=self._run, name=f"namelist-writer-{batch_id}", daemon=True)

    def __enter__(self) -> NewFirmWriter:
        defer_gin_merges()
        self.raw = connection.connection  # psycopg's connection is thread-safe: one statement at a time
        self.thread.start()
        return self

    def add(self, create: dict, figure: tuple[int, dict] | None, fact: dict, reason: str) -> None:
        """A new firm (the analysis' create), its figures as (year, values) or None, and its fact."""
        if self.error is not None:
            raise self.error
        self.pending.append((create, figure, fact, reason))
        if len(self.pending) >= self.CHUNK:
            self.chunks.put(self.pending)
            self.pending = []

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None and self.pending:
            self.chunks.put(self.pending)
        self.pending = []
        self.chunks.put(None)
        self.thread.join()
        if exc_type is None and self.error is not None:
            raise self.error
        return False

    def _run(self) -> None:
        while (chunk := self.chunks.get()) is not None:
            if self.error is None:
                try:
                    self._write(chunk)
                except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread by add()/__exit__
                    self.error = exc

    def _write(self, chunk: list[tuple]) -> None:
        now, source = self.now, self.source
        with self.raw.cursor() as cursor:
            ids = copy_enterprises(cursor, self.enterprises, [create for create, _, _, _ in chunk], now)
            pairs = list(zip(ids, chunk))
            self.figures.run(cursor, (figure_row(pk, fig[0], fig[1], source, now)
                                      for pk, (_, fig, _, _) in pairs if fig))
            self.facts.run(cursor, (fact_row(pk, f, reason, source, now) for pk, (_, _, f, reason) in pairs))
            self.changes.run(cursor, (created_change_row(self.batch_id, pk, c, now) for pk, (c, _, _, _) in pairs))
