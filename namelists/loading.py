"""The registry's rows for the codes of a list, read set-based (PostgreSQL: one joined `unnest` per table, rows
fetched a few thousand at a time as slotted named tuples; SQLite: the ORM in chunks)."""

from __future__ import annotations

from collections import defaultdict, namedtuple
from functools import lru_cache

from django.db import connection

from enterprises.models import AnnualFigure, Classification, Enterprise

from .writing import CHUNK, FIGURE_FIELDS

ENTERPRISE_FIELDS = ("name", "industry_id", "street_id", "community_id", "address", "legal_representative")


def _in_chunks(qs_for, values: list, chunk: int = CHUNK):
    """Rows for a long list of keys. PostgreSQL takes the whole list as one array parameter (= ANY), SQLite chunks."""
    if connection.vendor == "postgresql":
        yield from qs_for(values)
        return
    for i in range(0, len(values), chunk):
        yield from qs_for(values[i:i + chunk])


@lru_cache(maxsize=None)
def _row_type(columns: tuple[str, ...]) -> type:
    """A named tuple that can also be read by name like a dict (row["year"]), in a quarter of a dict's memory:
    a re-import holds 100,000 firms with their figures and facts while it compares."""

    class Row(namedtuple("Row", columns)):
        __slots__ = ()

        def __getitem__(self, key: str):  # by name only, as the rules read a fact
            return getattr(self, key)

    return Row


def _pg_any(model, key: str, values: list, columns: tuple[str, ...], extra_where: str = "", params=(),
            raw: tuple[str, ...] = (), shared: tuple[str, ...] = ()):
    """Rows (see _row_type) whose `key` is one of `values`. `raw`: columns left as the driver returns them (JSON as
    text), decoded by the caller only when needed. `shared`: short texts that repeat down the column ("sishang",
    "[]", 王伟), kept as one object each."""
    fields = [model._meta.get_field(c) for c in columns]
    # A join with unnest() lets the planner hash the keys; "= ANY(array)" may degrade to a scan per element.
    qn = connection.ops.quote_name
    cast = "bigint[]" if key.endswith("_id") or key == "id" else "text[]"
    # The keys travel as one comma-joined text (codes and ids never hold a comma): adapting a 100,000-element
    # Python list to an array parameter costs more than the lookup itself.
    sql = (f"SELECT {', '.join('t.' + qn(f.column) for f in fields)} FROM {qn(model._meta.db_table)} t "
           f"JOIN unnest(string_to_array(%s, ',')::{cast}) AS k(key) ON t.{qn(key)} = k.key{extra_where}")
    converters = [(i, f.from_db_value) for i, f in enumerate(fields)
                  if hasattr(f, "from_db_value") and f.name not in raw]
    make = _row_type(columns)._make
    seen: dict[str, str] = {}
    share = seen.setdefault
    shared_at = [i for i, c in enumerate(columns) if c in shared]
    with connection.cursor() as cursor:
        cursor.execute(sql, [",".join(map(str, values)), *params])
        # A few thousand rows at a time: never a second full copy of 100,000 tuples, nor a Python call per row.
        while batch := cursor.fetchmany(5000):
            for row in batch:
                if shared_at or converters:
                    row = list(row)
                    for i in shared_at:
                        row[i] = share(row[i], row[i])
                    for i, convert in converters:
                        if row[i] is not None:
                            row[i] = convert(row[i], None, connection)
                yield make(row)


def load_existing(codes: list[str], list_kind: str, year: int):
    ent_cols = ("id", "uscc", "name", "former_names", *ENTERPRISE_FIELDS[1:])
    fig_cols = ("id", "enterprise_id", *FIGURE_FIELDS)
    fact_cols = ("id", "enterprise_id", "kind", "category", "year", "valid_from", "valid_to", "certificate_no",
                 "exchange", "stock_code")
    pg = connection.vendor == "postgresql"
    enterprises: dict[str, dict] = {}
    if pg:
        rows = _pg_any(Enterprise, "uscc", codes, ent_cols, raw=("former_names",),
                       shared=("former_names", "legal_representative"))
    else:
        rows = _in_chunks(lambda chunk: map(_row_type(ent_cols)._make, Enterprise.objects.filter(
            uscc__in=chunk).values_list(*ent_cols)), codes)
    for row in rows:
        enterprises[row["uscc"]] = row
    ids = [e["id"] for e in enterprises.values()]
    figures: dict[int, dict] = {}
    facts: dict[int, list[dict]] = defaultdict(list)
    if not ids:
        return enterprises, figures, facts
    if pg:
        fig_rows = _pg_any(AnnualFigure, "enterprise_id", ids, fig_cols, " AND t.year = %s", [year])
        fact_rows = _pg_any(Classification, "enterprise_id", ids, fact_cols, " AND t.kind = %s", [list_kind],
                            shared=("kind", "category", "exchange"))
    else:
        fig_rows = _in_chunks(lambda c: map(_row_type(fig_cols)._make, AnnualFigure.objects.filter(
            enterprise_id__in=c, year=year).values_list(*fig_cols)), ids)
        fact_rows = _in_chunks(lambda c: map(_row_type(fact_cols)._make, Classification.objects.filter(
            enterprise_id__in=c, kind=list_kind).values_list(*fact_cols)), ids)
    for row in fig_rows:
        figures[row["enterprise_id"]] = row
    for row in fact_rows:
        facts[row["enterprise_id"]].append(row)
    return enterprises, figures, facts
