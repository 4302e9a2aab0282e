"""Name-list import: analyse a file (read → detect header → validate → dedupe → diff against the registry) and
commit the diff atomically with set-based SQL.

The preview and the commit run the same analysis; the commit re-runs it inside its transaction so it applies
exactly what the database holds at that moment (a preview may be hours old). Nothing here reads `request`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools
import re
from collections import defaultdict, namedtuple
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache, wraps
from typing import Callable

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils import translation

from crm.exports import formula_safe
from crm.models import Community, Role, Street
from crm.scoping import sees_all_streets
from enterprises.models import AnnualFigure, Classification, Enterprise

from . import rules
from .headers import FIELDS, Detection, detect, validate_mapping
from .errors import ImportRefused
from .initials import name_initials
from .models import ImportBatch, ImportChange, ImportIssue, ListKind
from .parsing import IndustryTable, Issue, Parsed, Record, clean_text, count_codes, parse_rows
from .reader import FileRejected, Sheet, read_file
from .writing import (CHANGE_COLUMNS, FACT_COLUMNS, FIGURE_COLUMNS, FIGURE_FIELDS, NewFirmWriter,
                      created_change_row, defer_gin_merges, fact_row, figure_row, insert_enterprises, insert_rows)

IMPORT_ROLES = (Role.STATISTICIAN, Role.ADMIN)
VIEW_ROLES = (Role.STATISTICIAN, Role.ADMIN, Role.MANAGER)
PREVIEW_SAMPLES = 200
CHUNK = 2000
ENTERPRISE_FIELDS = ("name", "industry_id", "street_id", "community_id", "address", "legal_representative")
Progress = Callable[[int, str], None]


# --------------------------------------------------------------------------------------------------- helpers


@lru_cache(maxsize=4096)
def _key(name: str, suffixes: tuple[str, ...]) -> str:
    text = clean_text(name).replace(" ", "")
    for suffix in suffixes:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    return text


STREET_SUFFIXES = ("街道办事处", "街道办", "街道", "镇")
COMMUNITY_SUFFIXES = ("社区居民委员会", "社区居委会", "居委会", "社区", "村")


def _shown(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else str(value)
    return str(value)[:300]


def infer_year(title: str, file_name: str) -> int | None:
    for text in (title, file_name):
        m = re.search(r"(20\d{2})\s*年", text or "") or re.search(r"(?<!\d)(20\d{2})(?!\d)", text or "")
        if m:
            return int(m[1])
    return None


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# The last file read in this process: create_batch reads it to detect the header and the commit that usually
# follows in the same process (command line, demo) need not parse the workbook again. One entry, by content hash.
_last_read: dict[str, list[Sheet]] = {}


def _read(data: bytes, file_name: str) -> list[Sheet]:
    from .reader import check_size

    check_size(len(data))  # limits may differ from when the cached copy was read
    digest = sha256_of(data)
    sheets = _last_read.pop(digest, None)
    if sheets is None:
        sheets = read_file(data, file_name)
    _last_read.clear()
    _last_read[digest] = sheets
    return sheets


def forget_last_read() -> None:
    _last_read.clear()


# --------------------------------------------------------------------------------------------------- analysis


@dataclass
class Plan:
    creates: list[dict] = field(default_factory=list)
    updates: dict[int, dict] = field(default_factory=dict)  # enterprise id → {field: new}
    # (firm, year, {figure: value}) and (firm, fact, reason, row), the firm as its id or, if new, its code: tuples
    # whose parts are shared between rows (a 四上 list wants the same few facts 100,000 times), not merged dicts.
    figure_creates: list[tuple[dict, int, dict]] = field(default_factory=list)
    figure_updates: dict[int, dict] = field(default_factory=dict)
    fact_creates: list[tuple[dict, dict, str, int]] = field(default_factory=list)
    fact_updates: dict[int, dict] = field(default_factory=dict)
    fact_closes: list[tuple[int, int, str]] = field(default_factory=list)  # (fact id, enterprise id, "delete"|"end")
    # Changes to firms already registered: {enterprise_id, action, target, field, before, after, row}. A new firm's
    # "created" row is written from `creates`.
    changes: list[dict] = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    samples: dict = field(default_factory=lambda: {"created": [], "updated": [], "closed": []})


@dataclass
class Analysis:
    detection: Detection
    parsed: Parsed
    plan: Plan
    issues: list[Issue]
    year: int
    counts: dict


def in_records_language(func):
    """Issues, reasons and reports are stored records, written in the office's language (settings.LANGUAGE_CODE)
    whatever language the request or thread that runs the import happens to have active."""

    @wraps(func)
    def run(*args, **kwargs):
        from django.conf import settings

        with translation.override(settings.LANGUAGE_CODE):
            return func(*args, **kwargs)

    return run


@in_records_language
def analyse(data: bytes, file_name: str, list_kind: str, year: int | None, street: Street | None,
            mapping: dict[int, str] | None = None, close_missing: bool = False,
            progress: Progress | None = None, new_firms: NewFirmWriter | None = None) -> Analysis:
    """Everything short of writing, except that new firms go to `new_firms` when given (the commit's writer) instead
    of the plan. Raises FileRejected when the file cannot be used."""
    progress = progress or (lambda pct, note: None)
    if list_kind not in ListKind.values:
        raise FileRejected(f"名录类型“{list_kind}”无效")
    progress(5, "读取文件")
    sheets = _read(data, file_name)
    detection = detect(sheets)
    if mapping:
        problems = validate_mapping(mapping)
        if problems:
            raise FileRejected("；".join(problems))
        detection.mapping = dict(mapping)
    sheet = sheets[detection.sheet_index]
    data_rows = len(sheet.rows) - detection.header_row - 1
    from django.conf import settings

    if data_rows > settings.NAMELIST_MAX_ROWS:
        raise FileRejected(f"行数过多：{data_rows} 行，上限 {settings.NAMELIST_MAX_ROWS} 行，请拆分后导入")
    year = year or infer_year(detection.title, file_name) or timezone.localdate().year
    if not 1990 <= year <= 2100:
        raise FileRejected(f"年度 {year} 无效")
    progress(20, "校验数据与比对现有数据")
    # The registry is looked up for every code first; then each record is diffed the moment parsing has finished
    # it, so a commit's writer can store new firms while the rest of the file is being validated.
    code_col = next(c for c, f in detection.mapping.items() if f == "uscc")
    rows_per_code = count_codes(sheet.rows, detection.header_row, code_col)
    differ = _Differ(list(rows_per_code), list_kind, year, street, detection, file_name, new_firms)
    step, diffed = max(len(rows_per_code) // 10, 1000), 0  # the bar moves from 20 % to 60 % in tenths of the firms

    def diff(record: Record) -> None:
        nonlocal diffed
        differ.add(record)
        diffed += 1
        if diffed % step == 0:
            progress(20 + 40 * diffed // len(rows_per_code), "校验数据与比对现有数据")

    parsed = parse_rows(sheet.rows, detection.header_row, detection.headers, detection.mapping, IndustryTable(),
                        rows_per_code, diff)
    plan, issues = differ.finish(parsed, close_missing)
    for issue in issues:
        parsed.raw_rows.setdefault(issue.row, sheet.rows[issue.row - 1] if issue.row - 1 < len(sheet.rows) else [])
    all_issues = sorted(parsed.issues + issues, key=lambda i: (i.row, i.severity != "error"))
    rejected_rows = {i.row for i in all_issues if i.severity == "error"}
    counts = {
        "rows": parsed.rows_seen,
        "created": plan.counts["created"],
        "updated": plan.counts["updated"],
        "unchanged": plan.counts["unchanged"],
        "errors": len(rejected_rows),
        "warnings": sum(1 for i in all_issues if i.severity == "warning"),
        "duplicates": parsed.duplicates,
        "other_street": plan.counts["other_street"],
        "closed": len(plan.fact_closes),
        "field_changes": sum(1 for c in plan.changes if c["action"] == "updated"),
        "year": year,
    }
    # A commit goes on writing the new firms handed to its writer; a preview is done.
    progress(60, "预览完成" if new_firms is None else "写入企业")
    return Analysis(detection, parsed, plan, all_issues, year, counts)


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


def _load_existing(codes: list[str], list_kind: str, year: int):
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


def _former_names(value) -> list:
    """former_names as loaded: a list (SQLite/ORM) or the JSON text PostgreSQL returns, decoded only on a rename."""
    if isinstance(value, str):
        import json

        value = json.loads(value)
    return list(value or [])


class _Differ:
    """The diff of the parsed records against the registry, one record at a time, so each record can be diffed as
    soon as parsing has finished it (parse_rows' on_final) and a new firm handed to `new_firms` (the commit's
    NewFirmWriter) while the rest of the file is still being read. Without `new_firms` new firms go to the plan."""

    def __init__(self, codes: list[str], list_kind: str, year: int, street: Street | None, detection: Detection,
                 file_name: str, new_firms: NewFirmWriter | None = None):
        self.plan, self.issues = Plan(), []
        self.list_kind, self.year, self.street, self.new_firms = list_kind, year, street, new_firms
        self.today = timezone.localdate()
        self.col_label = {f: (detection.headers[c] if c < len(detection.headers) and detection.headers[c]
                               else str(FIELDS[f][0])) for c, f in detection.mapping.items() if f}
        self.streets = {_key(s.name, STREET_SUFFIXES): s for s in Street.objects.all()}
        self.communities = {(c.street_id, _key(c.name, COMMUNITY_SUFFIXES)): c.id for c in Community.objects.all()}
        industry = Enterprise._meta.get_field("industry").related_model
        self.sections = dict(industry.objects.values_list("id", "section"))
        self.industry_codes = dict(industry.objects.values_list("id", "code"))
        self.default_tier, self.tier_reason = rules.default_zjtx_tier(detection.title, file_name)
        self.existing, self.figures, self.facts = _load_existing(codes, list_kind, year)
        if new_firms is not None:
            new_firms.reserve(len(codes) - len(self.existing))  # every new firm has a code not yet registered
        self.created = self.updated = self.unchanged = self.other_street = 0
        self.wanted_facts: dict[tuple, dict] = {}

    def add(self, rec: Record) -> None:
        plan, issues, today, col_label = self.plan, self.issues, self.today, self.col_label
        list_kind, year, street = self.list_kind, self.year, self.street
        existing, figures, facts, wanted_facts = self.existing, self.figures, self.facts, self.wanted_facts
        code = rec.code
        v = rec.values
        ent = existing.get(code)
        # --- street and community (see README: street rule)
        row_street = None
        if v.get("street"):
            row_street = self.streets.get(_key(v["street"], STREET_SUFFIXES))
            if row_street is None:
                issues.append(Issue(rec.row, col_label.get("street", "街道"), v["street"],
                                    "街道名称在系统中不存在，该值未导入", "warning"))
        if street is not None:
            if row_street is not None and row_street.id != street.id:
                self.other_street += 1
                issues.append(Issue(rec.row, col_label.get("street", "街道"), v["street"],
                                    f"属于{row_street.name}，不在本次限定的{street.name}范围内，已跳过", "skipped"))
                return
            if row_street is None and ent is not None and ent.street_id != street.id:
                self.other_street += 1
                issues.append(Issue(rec.row, col_label.get("uscc", "统一社会信用代码"), code,
                                    f"该企业登记在其他街道，不在本次限定的{street.name}范围内，已跳过", "skipped"))
                return
            row_street = street
        street_id = row_street.id if row_street else None
        community_id = None
        if v.get("community"):
            target_street = street_id or (ent.street_id if ent else None)
            community_id = self.communities.get((target_street, _key(v["community"], COMMUNITY_SUFFIXES)))
            if community_id is None:
                issues.append(Issue(rec.row, col_label.get("community", "社区"), v["community"],
                                    "社区不在该街道下，该值未导入", "warning"))
        industry = v.get("industry")
        wanted = {
            "name": v.get("name"),
            "industry_id": industry[0] if industry else None,
            "street_id": street_id,
            "community_id": community_id,
            "address": v.get("address"),
            "legal_representative": (v.get("legal_rep") or "")[:50] or None,
        }
        wanted = {k: val for k, val in wanted.items() if val not in (None, "")}
        row_changes: list[dict] = []
        if ent is None:
            if not wanted.get("name"):
                issues.append(Issue(rec.row, col_label.get("name", "企业名称"), "", "新企业缺少企业名称，该行未导入"))
                return
            if not wanted.get("street_id"):
                issues.append(Issue(rec.row, col_label.get("street", "街道"), v.get("street", ""),
                                    "新企业无法确定所属街道（该行无有效街道，且未限定街道），该行未导入"))
                return
            # Its "created" change is written from the create (apply, NewFirmWriter), not held twice in memory.
            create = {"uscc": code, "row": rec.row, **wanted}
            self.created += 1
            firm: int | str = code  # a new firm is known by its code until it is written and has an id
            if len(plan.samples["created"]) < PREVIEW_SAMPLES:
                plan.samples["created"].append({"row": rec.row, "code": code, "name": wanted["name"]})
            industry_id = wanted.get("industry_id")
        else:
            firm = ent.id
            diff = {k: val for k, val in wanted.items() if getattr(ent, k) != val}
            if diff:
                plan.updates[ent.id] = diff
                for k, val in diff.items():
                    row_changes.append({"target": "enterprise", "field": k, "before": getattr(ent, k), "after": val})
                if "name" in diff:
                    plan.updates[ent.id]["former_names"] = (
                        [{"name": ent.name, "until": today.isoformat()}] + _former_names(ent.former_names))[:20]
            industry_id = wanted.get("industry_id") or ent.industry_id
        # --- annual figures for the list's year
        fig_values = {k: v[k] for k in FIGURE_FIELDS if k in v}
        if fig_values:
            fig = figures.get(ent.id) if ent else None
            if fig is None:
                if ent or self.new_firms is None:
                    plan.figure_creates.append((firm, year, fig_values))
                if ent:
                    row_changes += [{"target": f"figure:{year}", "field": k, "before": None, "after": val}
                                    for k, val in fig_values.items()]
            else:
                fdiff = {k: val for k, val in fig_values.items() if getattr(fig, k) != val}
                if fdiff:
                    plan.figure_updates[fig.id] = fdiff
                    row_changes += [{"target": f"figure:{year}", "field": k, "before": getattr(fig, k), "after": val}
                                    for k, val in fdiff.items()]
        # --- the classification fact the list stands for
        if list_kind == Classification.Kind.SISHANG:
            category = rules.sishang_category(self.industry_codes.get(industry_id), self.sections.get(industry_id))
            if not category:
                issues.append(Issue(rec.row, col_label.get("industry", "行业代码"), "",
                                    "缺少有效行业代码，无法确定四上类别，分类暂不细分", "warning"))
            reason = ""
        elif list_kind == Classification.Kind.ZJTX:
            category = rules.zjtx_tier(v.get("tier", "")) if v.get("tier") else None
            reason = ""
            if category is None:
                if v.get("tier"):
                    issues.append(Issue(rec.row, col_label.get("tier", "级别"), v["tier"],
                                        f"无法识别的级别，按默认级别登记（{self.tier_reason}）", "warning"))
                category, reason = self.default_tier, self.tier_reason
        else:
            category, reason = "", ""
        fact_key = (category, *(v.get(k) for k in rules.FACT_INPUTS))
        want_fact = wanted_facts.get(fact_key)
        if want_fact is None:  # one dict per distinct fact, shared by the rows that want it (never mutated)
            want_fact = wanted_facts[fact_key] = rules.desired_fact(list_kind, year, v, category, today)
        if ent is None:
            if self.new_firms is not None:
                self.new_firms.add(create, (year, fig_values) if fig_values else None, want_fact, reason)
            else:
                plan.creates.append(create)
                plan.fact_creates.append((firm, want_fact, reason, rec.row))
            return
        held = facts.get(ent.id, [])
        current = next((f for f in held if rules.fact_matches(list_kind, f, want_fact)), None)
        if current is None:
            plan.fact_creates.append((firm, want_fact, reason, rec.row))
            if ent:
                row_changes.append({"target": f"classification:{list_kind}",
                                    "field": "category" if category else "kind",
                                    "before": None, "after": category or list_kind})
        else:
            fdiff = {k: want_fact[k] for k in rules.UPDATABLE[list_kind] if want_fact[k] not in (None, "")
                     and getattr(current, k) != want_fact[k]}
            if fdiff:
                plan.fact_updates[current.id] = fdiff
                row_changes += [{"target": f"classification:{list_kind}", "field": k,
                                 "before": getattr(current, k), "after": val} for k, val in fdiff.items()]
        if ent is not None:
            if row_changes:
                self.updated += 1
                for ch in row_changes:
                    plan.changes.append({"enterprise_id": ent.id, "action": "updated", "target": ch["target"],
                                         "field": ch["field"], "before": _shown(ch["before"]),
                                         "after": _shown(ch["after"]), "row": rec.row})
                if len(plan.samples["updated"]) < PREVIEW_SAMPLES:
                    plan.samples["updated"].append({
                        "row": rec.row, "code": code, "name": ent.name,
                        "changes": [[ch["target"], ch["field"], _shown(ch["before"]), _shown(ch["after"])]
                                    for ch in row_changes],
                    })
            else:
                self.unchanged += 1

    def finish(self, parsed: Parsed, close_missing: bool) -> tuple[Plan, list[Issue]]:
        plan, issues = self.plan, self.issues
        if close_missing:
            if any(i.severity == "error" for i in parsed.issues + issues):
                issues.append(Issue(0, "", "", "文件中有被拒绝的行，为避免误关闭，本次不关闭名单外企业的分类", "warning"))
            else:
                _plan_closes(plan, self.list_kind, self.year, self.street, set(parsed.records), self.today)
        plan.counts = {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                       "other_street": self.other_street}
        return plan, issues


def _plan_closes(plan: Plan, list_kind: str, year: int, street: Street | None, codes: set[str], today: dt.date):
    """Facts of this kind (and year, for yearly lists) held by firms in scope that are not on the list."""
    qs = Classification.objects.filter(kind=list_kind).in_street(street.id if street else None)
    if list_kind in rules.YEARLY_KINDS:
        qs = qs.filter(year=year)
    else:
        qs = qs.filter(valid_to__isnull=True) | qs.filter(valid_to__gt=today)
    for fact_id, ent_id, uscc, name, category in qs.values_list(
            "id", "enterprise_id", "enterprise__uscc", "enterprise__name", "category").iterator(chunk_size=CHUNK):
        if uscc in codes:
            continue
        mode = "delete" if list_kind in rules.YEARLY_KINDS else "end"
        plan.fact_closes.append((fact_id, ent_id, mode))
        plan.changes.append({"enterprise_id": ent_id, "action": "closed", "target": f"classification:{list_kind}",
                             "field": "category" if category else "kind", "before": category or list_kind,
                             "after": "" if mode == "delete" else f"终止于 {today.isoformat()}", "row": None})
        if len(plan.samples["closed"]) < PREVIEW_SAMPLES:
            plan.samples["closed"].append({"code": uscc, "name": name, "category": category})


# --------------------------------------------------------------------------------------------------- writing


def apply(plan: Plan, batch_id: int, progress: Progress | None = None) -> dict[str, int]:
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
        for i in range(0, len(deletes), CHUNK):
            Classification.objects.filter(id__in=deletes[i:i + CHUNK]).delete()
        for i in range(0, len(ends), CHUNK):
            Classification.objects.filter(id__in=ends[i:i + CHUNK]).update(
                valid_to=timezone.localdate(), reason=f"不在导入批次 #{batch_id} 的名单中", updated_at=now)
    progress(88, "记录变更")
    created = (created_change_row(batch_id, new_ids[c["uscc"]], c, now) for c in plan.creates)
    others = ((batch_id, c["enterprise_id"], c["action"], c["target"], c["field"], c["before"][:300], c["after"][:300],
               c["row"], now) for c in plan.changes)
    insert_rows(ImportChange, CHANGE_COLUMNS, itertools.chain(created, others))
    return new_ids


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


# --------------------------------------------------------------------------------------------------- batches


def check_can_import(actor, street: Street | None) -> None:
    if not (actor.is_superuser or actor.role in IMPORT_ROLES):
        raise ImportRefused("您的角色无权导入名录")
    if not sees_all_streets(actor) and (street is None or street.id != actor.street_id):
        raise ImportRefused("只能导入本街道的名录")


def create_batch(actor, data: bytes, file_name: str, list_kind: str, year: int | None = None,
                 street: Street | None = None, close_missing: bool = False) -> ImportBatch:
    """Store the upload and detect its header. FileRejected (nothing stored) when the file cannot be used."""
    if street is None and actor is not None and not sees_all_streets(actor):
        street = actor.street
    if actor is not None:
        check_can_import(actor, street)
    sheets = _read(data, file_name)
    detection = detect(sheets)
    year = year or infer_year(detection.title, file_name) or timezone.localdate().year
    batch = ImportBatch(
        created_by=actor, file_name=file_name[:255], sha256=sha256_of(data), size=len(data), list_kind=list_kind,
        year=year, street=street, close_missing=close_missing, sheet_name=detection.sheet_name[:100],
        header_row=detection.header_row + 1, headers=detection.headers,
        mapping={str(c): f for c, f in detection.mapping.items()},
    )
    batch.file.save(f"{batch.sha256[:16]}{_ext(file_name)}", ContentFile(data), save=False)
    batch.save()
    return batch


def _ext(name: str) -> str:
    m = re.search(r"\.(xlsx|xls|csv)$", name.lower())
    return m.group(0) if m else ""


def set_mapping(batch: ImportBatch, mapping: dict[int, str]) -> None:
    problems = validate_mapping(mapping)
    if problems:
        raise ImportRefused("；".join(problems))
    if batch.status not in (ImportBatch.Status.PENDING, ImportBatch.Status.PREVIEWED, ImportBatch.Status.FAILED):
        raise ImportRefused("该批次已在处理或已导入，不能再修改列映射")
    batch.mapping = {str(c): f for c, f in mapping.items() if f}
    batch.status = ImportBatch.Status.PENDING
    batch.save(update_fields=["mapping", "status"])


def _progress_for(batch_id: int) -> Progress:
    def report(pct: int, note: str) -> None:
        # A plain UPDATE outside the commit transaction would wait for it; the cache is seen at once.
        from django.core.cache import cache

        cache.set(f"namelist:progress:{batch_id}", (pct, note), 3600)

    return report


def read_progress(batch: ImportBatch) -> tuple[int, str]:
    from django.core.cache import cache

    if batch.status != ImportBatch.Status.RUNNING:
        return (100, batch.get_status_display()) if batch.status in ("committed", "previewed") else (0, "")
    return cache.get(f"namelist:progress:{batch.id}") or (batch.progress, batch.progress_note)


def _read_batch_file(batch: ImportBatch) -> bytes:
    with batch.file.open("rb") as fh:
        return fh.read()


def request_preview(batch: ImportBatch, actor) -> None:
    """Mark the batch running and queue the dry run (inline when Celery runs eagerly)."""
    check_can_import(actor, batch.street)
    claimed = ImportBatch.objects.filter(
        pk=batch.pk, status__in=[ImportBatch.Status.PENDING, ImportBatch.Status.PREVIEWED, ImportBatch.Status.FAILED]
    ).update(status=ImportBatch.Status.RUNNING, progress=0, progress_note="预览中", message="",
             running_since=timezone.now())
    if not claimed:
        raise ImportRefused("该批次正在处理或已导入")
    from .tasks import preview_task

    _clear_progress(batch.pk)
    transaction.on_commit(lambda: preview_task.delay(batch.pk))


def request_commit(batch: ImportBatch, actor) -> None:
    check_can_import(actor, batch.street)
    claimed = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.PREVIEWED).update(
        status=ImportBatch.Status.RUNNING, progress=0, progress_note="导入中", running_since=timezone.now())
    if not claimed:
        raise ImportRefused("只有已预览的批次可以提交")
    from .tasks import commit_task

    _clear_progress(batch.pk)
    transaction.on_commit(lambda: commit_task.delay(batch.pk))


# List kinds whose rows another app parses and writes (economy's "monthly" figures): kind → handler with
# preview(batch_id) and commit(batch_id, claimed), registered from that app's AppConfig.ready(). The batch, its
# run lock, tasks, progress, issues, report and history pages stay the name-list pipeline's.
LIST_KIND_HANDLERS: dict[str, object] = {}


def _handler_for(batch_id: int):
    kind = ImportBatch.objects.filter(pk=batch_id).values_list("list_kind", flat=True).first()
    return LIST_KIND_HANDLERS.get(kind)


def preview_batch(batch_id: int) -> ImportBatch:
    """Dry run: see _preview_batch. Runs under the batch's run lock."""
    with batch_run_lock(batch_id):
        if handler := _handler_for(batch_id):
            return handler.preview(batch_id)
        return _preview_batch(batch_id)


def _preview_batch(batch_id: int) -> ImportBatch:
    """Dry run: analyse and store counts, samples, issues and the error report. Writes nothing else."""
    batch = ImportBatch.objects.select_related("street").get(pk=batch_id)
    if batch.status == ImportBatch.Status.COMMITTED:
        return batch
    try:
        analysis = analyse(_read_batch_file(batch), batch.file_name, batch.list_kind, batch.year, batch.street,
                           batch.column_mapping, batch.close_missing, _progress_for(batch.id))
        forget_last_read()
    except FileRejected as exc:
        _fail(batch, str(exc))
        _clear_progress(batch.id)
        return batch
    with transaction.atomic():
        _store_analysis(batch, analysis)
        batch.status = ImportBatch.Status.PREVIEWED
        batch.progress, batch.progress_note = 100, "预览完成"
        batch.message = _duplicate_file_note(batch)
        batch.save()
    _clear_progress(batch.id)
    return batch


def _clear_progress(batch_id: int) -> None:
    from django.core.cache import cache

    cache.delete(f"namelist:progress:{batch_id}")


def _duplicate_file_note(batch: ImportBatch) -> str:
    earlier = (ImportBatch.objects.filter(sha256=batch.sha256, status=ImportBatch.Status.COMMITTED)
               .exclude(pk=batch.pk).order_by("-committed_at").first())
    if earlier:
        return f"同一文件已于 {timezone.localtime(earlier.committed_at):%Y-%m-%d %H:%M} 导入过（批次 #{earlier.pk}），再次导入不会重复创建。"
    return ""


def _db_text(text: str) -> str:
    """A reason may quote a bad cell as it was: PostgreSQL text cannot hold NUL."""
    return text.replace("\x00", "") if "\x00" in text else text


def _store_analysis(batch: ImportBatch, analysis: Analysis, report: Future | None = None) -> None:
    """`report`: the error report already being built (see _commit_batch); built here when not given."""
    batch.counts = analysis.counts
    batch.preview = analysis.plan.samples
    batch.sheet_name = analysis.detection.sheet_name[:100]
    batch.issues.all().delete()
    sheet = analysis.detection.sheet_name[:100]
    insert_rows(ImportIssue, ("batch_id", "sheet", "row", "column", "value", "reason", "severity"),
                ((batch.pk, sheet, i.row, _db_text(i.column)[:100], _db_text(i.value)[:200], _db_text(i.reason)[:500],
                  i.severity) for i in analysis.issues))
    if batch.report:
        batch.report.delete(save=False)
    if analysis.issues:
        content = report.result() if report is not None else error_report(analysis)
        batch.report.save(f"batch{batch.pk}_问题报告.xlsx", ContentFile(content), save=False)


def commit_batch(batch_id: int, claimed: bool = False) -> ImportBatch:
    """Apply the import atomically (see _commit_batch), under the batch's run lock."""
    with batch_run_lock(batch_id):
        if handler := _handler_for(batch_id):
            return handler.commit(batch_id, claimed)
        return _commit_batch(batch_id, claimed)


def _commit_batch(batch_id: int, claimed: bool = False) -> ImportBatch:
    """Apply the import atomically. Any failure rolls everything back and marks the batch failed.

    `claimed`: the caller (request_commit) already moved the batch to running."""
    statuses = [ImportBatch.Status.RUNNING] if claimed else [ImportBatch.Status.PREVIEWED, ImportBatch.Status.PENDING]
    claimed = ImportBatch.objects.filter(pk=batch_id, status__in=statuses).update(
        status=ImportBatch.Status.RUNNING, progress=0, progress_note="开始导入", running_since=timezone.now())
    batch = ImportBatch.objects.select_related("street").get(pk=batch_id)
    if not claimed:
        raise ImportRefused(f"批次状态为“{batch.get_status_display()}”，不能提交")
    progress = _progress_for(batch.id)
    try:
        with transaction.atomic(), ThreadPoolExecutor(max_workers=1) as pool:
            # On PostgreSQL new firms are written while the file is still being analysed (see NewFirmWriter).
            with (NewFirmWriter(batch.id, timezone.now()) if connection.vendor == "postgresql"
                  else nullcontext()) as writer:
                analysis = analyse(_read_batch_file(batch), batch.file_name, batch.list_kind, batch.year,
                                   batch.street, batch.column_mapping, batch.close_missing, progress, writer)
                # The report is pure Python and the writes wait on PostgreSQL, so building it meanwhile takes it
                # (~0.5 s per 2,000 problem rows) off the commit's time. It touches no database.
                report = pool.submit(error_report, analysis) if analysis.issues else None
            forget_last_read()  # the rows are no longer needed: free them before the writes build theirs
            apply(analysis.plan, batch.id, progress)
            _store_analysis(batch, analysis, report)
            batch.status = ImportBatch.Status.COMMITTED
            batch.committed_at = timezone.now()
            batch.progress, batch.progress_note = 100, "导入完成"
            batch.message = _duplicate_file_note(batch)
            batch.save()
    except (FileRejected, ImportRefused) as exc:
        _fail(batch, str(exc))
    except Exception as exc:  # noqa: BLE001 - the batch must end in a visible state, the error is re-raised
        _fail(batch, f"导入失败，数据库未作任何修改：{type(exc).__name__}")
        raise
    finally:
        _clear_progress(batch.id)
        forget_last_read()
    return batch


# --- interrupted runs ----------------------------------------------------------------------------------------
# A preview or commit holds a session-level PostgreSQL advisory lock on its batch while it runs. A worker that dies
# (killed, OOM, machine restart) drops its connection and with it the lock, while the batch still says "running";
# the commit's own transaction rolled back, so nothing was written. The beat sweep below finds such batches and
# marks them failed so the statistician can submit them again at once instead of waiting for Celery's
# redelivery (the broker's visibility timeout, an hour).
RUN_LOCK_NAMESPACE = 4_404_311
INTERRUPTED_GRACE = dt.timedelta(minutes=10)  # a claimed task may wait this long in the queue before starting
SQLITE_STALE_AFTER = dt.timedelta(hours=1)  # no advisory locks: only time tells
INTERRUPTED_MESSAGE = "处理中断（处理进程意外退出），数据库未作任何更改。请重新预览并提交。"


@contextmanager
def batch_run_lock(batch_id: int):
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [RUN_LOCK_NAMESPACE, batch_id])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [RUN_LOCK_NAMESPACE, batch_id])


def _nobody_runs(batch_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [RUN_LOCK_NAMESPACE, batch_id])
        free = cursor.fetchone()[0]
        if free:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [RUN_LOCK_NAMESPACE, batch_id])
    return bool(free)


def fail_interrupted_batches(now: dt.datetime | None = None) -> int:
    """Mark failed the running batches whose worker is gone. Returns how many."""
    now = now or timezone.now()
    running = ImportBatch.objects.filter(status=ImportBatch.Status.RUNNING)
    if connection.vendor == "postgresql":
        candidates = running.filter(running_since__lt=now - INTERRUPTED_GRACE)
        stale = [pk for pk in candidates.values_list("pk", flat=True) if _nobody_runs(pk)]
    else:
        stale = list(running.filter(running_since__lt=now - SQLITE_STALE_AFTER).values_list("pk", flat=True))
    for pk in stale:
        ImportBatch.objects.filter(pk=pk, status=ImportBatch.Status.RUNNING).update(
            status=ImportBatch.Status.FAILED, message=INTERRUPTED_MESSAGE, progress=0, progress_note="")
        _clear_progress(pk)
    return len(stale)


def _fail(batch: ImportBatch, message: str) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.FAILED, message=message[:2000],
                                                  progress=0, progress_note="")
    batch.refresh_from_db()


@in_records_language
def error_report(analysis: Analysis) -> bytes:
    """The original rows that have problems, as read, plus 问题类别 and 原因 columns, in a write-only workbook."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("问题行")
    headers = list(analysis.detection.headers)
    ws.append(["行号"] + [formula_safe(h) for h in headers] + ["问题类别", "原因"])
    by_row: dict[int, list[Issue]] = defaultdict(list)
    for issue in analysis.issues:
        by_row[issue.row].append(issue)
    labels = dict(ImportIssue.Severity.choices)
    for row_no in sorted(by_row):
        row_issues = by_row[row_no]
        cells = list(analysis.parsed.raw_rows.get(row_no, [])) if row_no else []
        cells = [("" if c is None else c) for c in cells] + [""] * max(0, len(headers) - len(cells))
        # A code Excel turned into a number is shown as Excel shows it, so the user finds the cell.
        ws.append([row_no or ""] + [str(c) if isinstance(c, float) and c > 1e15 else formula_safe(c)
                                    for c in cells[:len(headers)]]
                  + ["；".join(sorted({str(labels.get(i.severity, i.severity)) for i in row_issues})),
                     formula_safe("；".join(f"{i.column}：{i.reason}" if i.column else i.reason for i in row_issues))])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def changes_summary(analysis_or_batch) -> dict:
    return dict(analysis_or_batch.counts)


def empty_report() -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("问题行")
    ws.append(["行号", "问题类别", "原因"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
