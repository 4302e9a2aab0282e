"""The 产品信息名录 import (list kind "products"): a street's product catalogue from Excel/CSV, through the name-list
pipeline (namelists.ImportBatch, its run lock, tasks, progress, issues, error report and history pages).

- One row per product: the firm (统一社会信用代码, or the exact registered name when the sheet has no code column),
  产品名称, and optionally 行业代码 (GB/T 4754, checked against enterprises.IndustryCategory), 产业链环节 (a cluster of
  the registry, by name or code), 产品描述, 产能, 主要客户行业 (code prefixes), 资质认证. Header synonyms in Chinese
  (HEADERS below); title rows above the header are skipped as in the name lists.
- Optional need columns, when the street's sheet has them: 采购需求 (+ 采购行业代码, 采购量), 融资需求（万元）,
  招聘需求 (+ 招聘人数). A need updates the firm's open need of that kind (open or being matched) instead of
  adding a second one — the same rule as a visit's topic (matchmaking.services.upsert_open_need).
- Upsert by (firm, product name), set-based: one read of the firms, products and open needs on the file per
  chunk, then bulk inserts and grouped bulk updates. A blank cell keeps the stored value.
- A firm that is not in the registry is a row error, not created: a product row carries none of the registry's
  facts (street, industry, address), and the registry is built from the statistics and certification lists, so a
  firm created from a catalogue would be a thin record, or a duplicate of a registered one under a misspelt name.
  The error report lists those rows; import the firm first (name list or the firm page), then the catalogue.
- A street statistician's batch covers that street only: rows of firms of other streets are skipped.
- What an import created and changed is written as ImportChange rows of the batch, on the firm (its 360° page
  shows them): target "product:<name>" or "need:<kind>".
"""

from __future__ import annotations

import io
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import connection, models, transaction
from django.utils import timezone

from crm.exports import formula_safe
from crm.models import Street
from enterprises.models import Cluster, Enterprise, LiaisonAssignment
from enterprises.uscc import USCCError, valid_as_is
from enterprises.uscc import validate as validate_uscc
from namelists.diff import cluster_key
from namelists.errors import ImportRefused
from namelists.headers import HEADER_SCAN_ROWS, match_field, normalise_header
from namelists.kinds import KindImport
from namelists.models import ImportBatch, ImportChange, ImportIssue
from namelists.parsing import (
    FOOTNOTE_PREFIXES,
    IndustryTable,
    Issue,
    clean_text,
    is_blank,
    normalise_name,
    parse_number,
)
from namelists.reader import FileRejected, Sheet

from .models import Need, Product

CHUNK = 20000
PREVIEW_SAMPLES = 200
# field → (label, synonyms matched exactly after normalise_header: brackets such as （万元） are dropped)
HEADERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "product": ("产品名称", ("产品名称", "产品", "主要产品", "主营产品", "产品/服务", "产品服务名称", "产品及服务",
                          "产品/能力名称", "产品能力名称", "能力名称", "主要产品名称", "产品或服务名称")),
    "industry": ("行业代码", ("行业代码", "产品行业代码", "产品所属行业代码", "国民经济行业代码", "所属行业代码",
                          "行业分类代码", "行业小类代码", "产品行业分类代码")),
    "chain": ("产业链环节", ("产业链环节", "所属产业链", "产业链", "所属产业链环节", "产业链/集群", "产业集群",
                          "所属集群", "所属产业集群")),
    "description": ("产品描述", ("产品描述", "产品介绍", "产品简介", "产品说明", "说明", "描述", "简介", "产品用途",
                             "主要用途", "技术参数")),
    "capacity": ("产能", ("产能", "年产能", "生产能力", "设计产能", "供货能力", "年产量")),
    "customers": ("主要客户行业", ("主要客户行业", "客户行业", "下游行业", "主要客户所属行业", "客户行业代码",
                               "下游客户行业", "应用行业")),
    "certifications": ("资质认证", ("资质认证", "资质", "认证", "资质证书", "认证情况", "质量认证", "资质/认证",
                                "产品认证")),
    "purchase": ("采购需求", ("采购需求", "采购产品", "主要采购产品", "采购内容", "所需采购", "采购需求产品")),
    "purchase_industry": ("采购行业代码", ("采购行业代码", "采购产品行业代码", "所需行业代码", "采购所属行业代码")),
    "purchase_volume": ("采购量", ("采购量", "年采购量", "采购规模", "采购数量")),
    "financing": ("融资需求（万元）", ("融资需求", "融资需求金额", "融资金额", "资金需求")),
    "talent": ("招聘需求", ("招聘需求", "用工需求", "人才需求", "招聘岗位", "用工岗位")),
    "headcount": ("招聘人数", ("招聘人数", "用工人数", "需求人数", "用工需求人数")),
}
FIRM_FIELDS = ("uscc", "name", "street")
PRODUCT_VALUES = ("industry_code", "cluster_id", "description", "capacity", "customer_industries", "certifications")
FIELD_NAMES = {"industry_code": "product_industry", "cluster_id": "product_chain", "description": "product_description",
               "capacity": "product_capacity", "customer_industries": "product_customers",
               "certifications": "product_certifications"}
OPEN = (Need.Status.OPEN, Need.Status.MATCHING)
_SPLIT = re.compile(r"[、,;/|\s]+")
_DIGITS = re.compile(r"^\d{2,4}$")


def match_header(header: object) -> str | None:
    norm = normalise_header(header)
    if not norm or len(norm) > 24:
        return None
    for key, (_label, synonyms) in HEADERS.items():
        if norm in synonyms:
            return key
    key = match_field(header)  # the name lists' synonyms for the firm's code, name and street
    return key if key in FIRM_FIELDS else None


@dataclass
class Detection:
    sheet: Sheet
    header_row: int  # 0-based
    headers: list[str]
    mapping: dict[int, str]


def detect(sheets: list[Sheet]) -> Detection:
    """The header row with a product column and the firm's code or name; most mapped columns wins."""
    best = None
    for i, sheet in enumerate(sheets):
        for r, row in enumerate(sheet.rows[:HEADER_SCAN_ROWS]):
            mapping: dict[int, str] = {}
            for c, value in enumerate(row):
                key = match_header(value) if isinstance(value, str) else None
                if key and key not in mapping.values():
                    mapping[c] = key
            values = set(mapping.values())
            if "product" in values and values & {"uscc", "name"}:
                if best is None or len(mapping) > len(best[2]):
                    best = (i, r, mapping)
    if best is None:
        raise FileRejected("未找到产品名录表头：需要“产品名称”列，以及“统一社会信用代码”或“企业名称”列")
    sheet = sheets[best[0]]
    headers = ["" if v is None else str(v).strip() for v in sheet.rows[best[1]]]
    return Detection(sheet, best[1], headers, best[2])


@dataclass
class Row:
    row: int
    firm_id: int
    product: str
    values: dict = field(default_factory=dict)  # only the non-blank, valid cells
    firm: str = ""


@dataclass
class ProductAnalysis:
    detection: Detection
    issues: list[Issue]
    raw_rows: dict[int, list]
    creates: list[Product]
    updates: dict[int, dict]  # product id → {field: new value}
    need_creates: list[Need]
    need_updates: dict[int, dict]  # need id → {field: new value}
    changes: list[tuple]  # (enterprise id, action, target, field, before, after, row)
    counts: dict
    samples: dict


def _shown(name: str, value, clusters: dict[int, str]) -> str:
    if value is None:
        return ""
    if name == "cluster_id":
        return clusters.get(value, str(value))
    if name == "customer_industries":
        return "、".join(value)
    return str(value)


class _Lookups:
    """The registry as one import needs it: industry codes, clusters, and the firms on the file."""

    def __init__(self, street: Street | None):
        self.street = street
        self.industries = IndustryTable()
        self.clusters: dict[str, int] = {}
        self.cluster_names: dict[int, str] = {}
        for pk, code, name in Cluster.objects.values_list("id", "code", "name"):
            self.clusters[cluster_key(name)] = self.clusters[code.lower()] = pk
            self.cluster_names[pk] = name

    def load_firms(self, codes: set[str], names: set[str]) -> None:
        self.by_code: dict[str, tuple[int, int, str]] = {}
        self.by_name: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
        codes_, names_ = sorted(codes), sorted(names)
        for i in range(0, len(codes_), CHUNK):
            for pk, code, sid, name in Enterprise.objects.filter(uscc__in=codes_[i:i + CHUNK]).values_list(
                    "id", "uscc", "street_id", "name"):
                self.by_code[code] = (pk, sid, name)
        for i in range(0, len(names_), CHUNK):
            for pk, name, sid in self._by_names(names_[i:i + CHUNK]):
                self.by_name[name].append((pk, sid, name))

    def _by_names(self, names: list[str]):
        """Firms by exact name. On PostgreSQL a join with the names as an array: `name IN (...)` there makes the
        planner probe the trigram GIN index once per name (1.6 s for 1,000 names), the join uses the btree."""
        if connection.vendor != "postgresql":
            qs = Enterprise.objects.filter(name__in=names)
            if self.street is not None:
                qs = qs.filter(street=self.street)
            return list(qs.values_list("id", "name", "street_id"))
        table = Enterprise._meta.db_table
        sql = (f"SELECT e.id, e.name, e.street_id FROM {table} e JOIN unnest(%s::text[]) AS n(name) "
               "ON e.name = n.name")
        params: list = [names]
        if self.street is not None:
            sql += " WHERE e.street_id = %s"
            params.append(self.street.pk)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def code(self, raw) -> str:
        """A GB/T 4754 code of 2–4 digits (大类/中类/小类), or ValueError."""
        _pk, code = self.industries.parse(raw)
        if not _DIGITS.match(code):
            raise ValueError(f"行业代码“{code}”是门类，请填写 2–4 位数字代码（大类/中类/小类）")
        return code


def analyse(sheets: list[Sheet], street: Street | None, progress=None) -> ProductAnalysis:
    progress = progress or (lambda pct, note: None)
    det = detect(sheets)
    col = {f: c for c, f in det.mapping.items()}
    label = {f: det.headers[c] or HEADERS.get(f, (f,))[0] for f, c in col.items()}
    rows = det.sheet.rows
    look = _Lookups(street)
    issues: list[Issue] = []
    raw_rows: dict[int, list] = {}

    def cell(cells, f):
        c = col.get(f)
        return cells[c] if c is not None and c < len(cells) else None

    # Pass 1: the firms on the file, read in one go.
    data_rows = []
    codes, names = set(), set()
    for index in range(det.header_row + 1, len(rows)):
        cells = rows[index]
        if all(is_blank(v) for v in cells):
            continue
        first = clean_text(next((v for v in cells if not is_blank(v)), ""))
        if first.startswith(FOOTNOTE_PREFIXES) and is_blank(cell(cells, "product")):
            continue
        data_rows.append((index + 1, cells))
        raw_code = cell(cells, "uscc")
        if not is_blank(raw_code):
            code = valid_as_is(raw_code)
            if code is None:
                try:
                    code = validate_uscc(raw_code).code
                except USCCError:
                    code = None
            if code:
                codes.add(code)
        elif not is_blank(cell(cells, "name")):
            names.add(normalise_name(cell(cells, "name")))
    progress(20, "读取企业")
    look.load_firms(codes, names)

    # Pass 2: the rows.
    got: dict[tuple[int, str], Row] = {}
    needs_wanted: dict[tuple[int, str], tuple[int, dict]] = {}
    other_street = duplicates = 0
    for excel_row, cells in data_rows:
        firm_name = clean_text(cell(cells, "name"))[:200]
        street_name = clean_text(cell(cells, "street"))[:50]

        def problem(f, value, reason, severity="error"):
            issues.append(Issue(excel_row, str(label.get(f, HEADERS.get(f, (f,))[0])), clean_text(value)[:200],
                                reason, severity, firm_name, street_name))
            raw_rows[excel_row] = list(cells)

        firm = None
        raw_code = cell(cells, "uscc")
        if not is_blank(raw_code):
            code = valid_as_is(raw_code)
            if code is None:
                try:
                    code = validate_uscc(raw_code).code
                except USCCError as exc:
                    problem("uscc", raw_code, str(exc))
                    continue
            firm = look.by_code.get(code)
            if firm is None:
                problem("uscc", raw_code, "企业不在企业库中（产品名录不新建企业，请先导入名录或登记企业）")
                continue
        else:
            name = normalise_name(cell(cells, "name"))
            if not name:
                problem("uscc", "", "缺少统一社会信用代码和企业名称")
                continue
            found = look.by_name.get(name, [])
            if len(found) > 1:
                problem("name", name, "企业库中有多家同名企业，请填写统一社会信用代码")
                continue
            if not found:
                problem("name", name, "企业不在企业库中（产品名录不新建企业，请先导入名录或登记企业）")
                continue
            firm = found[0]
        firm_id, firm_street, registered_name = firm
        firm_name = firm_name or registered_name[:200]
        if street is not None and firm_street != street.id:
            problem("uscc", raw_code or firm_name, f"属于其他街道，已跳过（仅导入{street.name}）", "skipped")
            other_street += 1
            continue
        product = clean_text(cell(cells, "product"))
        if not product:
            # A row with only need cells still records the firm's needs.
            if not any(not is_blank(cell(cells, f)) for f in ("purchase", "financing", "talent")):
                problem("product", "", "产品名称为空")
                continue
        elif len(product) > 150:
            problem("product", product, "产品名称超过 150 字")
            continue
        values: dict = {}
        raw = cell(cells, "industry")
        if not is_blank(raw):
            try:
                values["industry_code"] = look.code(raw)
            except ValueError as exc:
                problem("industry", raw, str(exc))
                continue
        raw = clean_text(cell(cells, "chain"))
        if raw:
            pk = look.clusters.get(cluster_key(raw)) or look.clusters.get(raw.lower())
            if pk is None:
                problem("chain", raw, "产业链环节不在产业集群目录中，该值未导入", "warning")
            else:
                values["cluster_id"] = pk
        raw = clean_text(cell(cells, "customers"))
        if raw:
            prefixes, bad = [], []
            for part in (p for p in _SPLIT.split(raw) if p):
                try:
                    prefixes.append(look.code(part))
                except ValueError:
                    bad.append(part)
            if bad:
                problem("customers", raw, f"客户行业代码无效：{'、'.join(bad)}，未导入这些代码", "warning")
            if prefixes:
                values["customer_industries"] = list(dict.fromkeys(prefixes))[:20]
        for f, limit in (("description", 5000), ("capacity", 100), ("certifications", 200)):
            text = clean_text(cell(cells, f))
            if text:
                if len(text) > limit:
                    problem(f, text, f"超过 {limit} 字，已截断", "warning")
                values[f] = text[:limit]
        # Needs: per firm and kind; the last non-blank cell on the file wins.
        _read_needs(cells, cell, look, firm_id, excel_row, needs_wanted, problem)
        if not product:
            continue
        key = (firm_id, product)
        earlier = got.get(key)
        if earlier is not None:
            duplicates += 1
            problem("product", product, f"与第 {earlier.row} 行为同一企业的同一产品，已合并（后者的非空值优先）",
                    "duplicate")
            earlier.values.update(values)
            continue
        got[key] = Row(excel_row, firm_id, product, values, registered_name)
    progress(40, "比对现有产品")

    # The products and open needs the firms on the file hold now.
    firm_ids = sorted({r.firm_id for r in got.values()} | {k[0] for k in needs_wanted})
    existing: dict[tuple[int, str], dict] = {}
    open_needs: dict[tuple[int, str], dict] = {}
    for i in range(0, len(firm_ids), CHUNK):
        chunk = firm_ids[i:i + CHUNK]
        for p in Product.objects.filter(enterprise_id__in=chunk).values("id", "enterprise_id", "name",
                                                                        *PRODUCT_VALUES):
            existing[(p["enterprise_id"], p["name"])] = p
        for n in (Need.objects.filter(enterprise_id__in=chunk, status__in=OPEN)
                  .order_by("enterprise_id", "kind", "-created_at", "-id")
                  .values("id", "enterprise_id", "kind", *NEED_VALUES)):
            open_needs.setdefault((n["enterprise_id"], n["kind"]), n)  # the newest open need of the kind
    creates, updates, changes = [], {}, []
    samples = {"created": [], "updated": [], "closed": []}
    created = updated = unchanged = 0
    names = look.cluster_names
    for (firm_id, product), r in got.items():
        target = f"product:{product}"[:40]
        before = existing.get((firm_id, product))
        if before is None:
            created += 1
            creates.append(Product(enterprise_id=firm_id, name=product, **{
                f: r.values.get(f, [] if f == "customer_industries" else (None if f == "cluster_id" else ""))
                for f in PRODUCT_VALUES}))
            changes.append((firm_id, "created", target, "product", "", product, r.row))
            if len(samples["created"]) < PREVIEW_SAMPLES:
                samples["created"].append({"row": r.row, "code": r.firm, "name": product})
            continue
        diffs = {f: v for f, v in r.values.items() if before[f] != v}
        if not diffs:
            unchanged += 1
            continue
        updated += 1
        updates[before["id"]] = diffs
        shown = [(FIELD_NAMES[f], _shown(f, before[f], names), _shown(f, v, names)) for f, v in diffs.items()]
        changes.extend((firm_id, "updated", target, f, b, a, r.row) for f, b, a in shown)
        if len(samples["updated"]) < PREVIEW_SAMPLES:
            samples["updated"].append({"row": r.row, "code": r.firm, "name": product,
                                       "changes": [[target, f, b, a] for f, b, a in shown]})
    need_creates, need_updates = [], {}
    owners = _default_owners([k[0] for k in needs_wanted if k not in open_needs])
    for (firm_id, kind), (row, values) in needs_wanted.items():
        target = f"need:{kind}"
        current = open_needs.get((firm_id, kind))
        if current is None:
            need_creates.append(Need(enterprise_id=firm_id, kind=kind, owner_id=owners.get(firm_id), **values))
            changes.append((firm_id, "created", target, f"need_{kind}", "", values["title"], row))
            continue
        # The title of a financing or talent need is generated: an officer's own wording is kept.
        diffs = {f: v for f, v in values.items()
                 if current[f] != v and (f != "title" or kind == Need.Kind.PURCHASING)}
        if diffs:
            need_updates[current["id"]] = diffs
            changes.extend((firm_id, "updated", target, f"need_{f}", "" if current[f] is None else str(current[f]),
                            str(v), row) for f, v in diffs.items())
    rejected = {i.row for i in issues if i.severity == "error"}
    counts = {
        "rows": len(data_rows), "created": created, "updated": updated, "unchanged": unchanged,
        "errors": len(rejected), "warnings": sum(1 for i in issues if i.severity == "warning"),
        "duplicates": duplicates, "other_street": other_street, "closed": 0,
        "field_changes": sum(1 for c in changes if c[1] == "updated" and c[2].startswith("product:")),
        "needs_created": len(need_creates), "needs_updated": len(need_updates), "firms_created": 0,
        "year": timezone.localdate().year,
    }
    progress(60, "比对完成")
    return ProductAnalysis(det, sorted(issues, key=lambda i: i.row), raw_rows, creates, updates, need_creates,
                           need_updates, changes, counts, samples)


NEED_VALUES = ("title", "industry_prefix", "volume", "amount", "positions", "headcount")


def _read_needs(cells, cell, look: _Lookups, firm_id: int, row: int, wanted: dict, problem) -> None:
    what = clean_text(cell(cells, "purchase"))
    if what:
        raw = cell(cells, "purchase_industry")
        try:
            prefix = look.code(raw) if not is_blank(raw) else ""
        except ValueError as exc:
            problem("purchase_industry", raw, f"{exc}，采购需求未导入", "warning")
            prefix = None
        if prefix == "":
            problem("purchase", what, "采购需求须有所需行业代码才能匹配供应商，该需求未导入", "warning")
        elif prefix:
            values = {"title": what[:150], "industry_prefix": prefix}
            volume = clean_text(cell(cells, "purchase_volume"))
            if volume:
                values["volume"] = volume[:100]
            wanted[(firm_id, Need.Kind.PURCHASING.value)] = (row, values)
    raw = cell(cells, "financing")
    if not is_blank(raw):
        try:
            amount = parse_number(raw)
        except ValueError as exc:
            amount = None
            problem("financing", raw, f"{exc}，融资需求未导入", "warning")
        if amount is not None and amount <= 0:
            problem("financing", raw, "融资金额须大于 0，融资需求未导入", "warning")
        elif amount is not None:
            wanted[(firm_id, Need.Kind.FINANCING.value)] = (row, {"title": f"融资需求 {amount} 万元",
                                                                  "amount": amount})
    positions = clean_text(cell(cells, "talent"))
    if positions:
        values = {"title": f"招聘：{positions}"[:150], "positions": positions[:150]}
        raw = cell(cells, "headcount")
        if not is_blank(raw):
            try:
                values["headcount"] = parse_number(raw, integer=True)
            except ValueError as exc:
                problem("headcount", raw, f"{exc}，该值未导入", "warning")
        wanted[(firm_id, Need.Kind.TALENT.value)] = (row, values)


def _default_owners(firm_ids: list[int]) -> dict[int, int]:
    """Each firm's current liaison officer (the owner of a new need), in one query per chunk."""
    today = timezone.localdate()
    owners: dict[int, int] = {}
    ids = sorted(set(firm_ids))
    for i in range(0, len(ids), CHUNK):
        for ent_id, officer_id in (LiaisonAssignment.objects.filter(enterprise_id__in=ids[i:i + CHUNK],
                                                                   start_date__lte=today)
                                   .exclude(end_date__lt=today).order_by("enterprise_id", "-start_date")
                                   .values_list("enterprise_id", "officer_id")):
            owners.setdefault(ent_id, officer_id)
    return owners


def _bulk_update(model, updates: dict[int, dict]) -> None:
    """Set-based updates, never one statement per row. PostgreSQL: one UPDATE … FROM unnest(ids, values) per changed
    field (Django's bulk_update builds CASE WHEN lists: 10 s for 10,000 products, this 0.2 s); elsewhere bulk_update
    grouped by the set of fields changed."""
    if not updates:
        return
    if connection.vendor != "postgresql":
        groups: dict[tuple[str, ...], list] = defaultdict(list)
        for pk, diffs in updates.items():
            groups[tuple(sorted(diffs))].append(model(pk=pk, **diffs))
        for fields, objs in groups.items():
            model.objects.bulk_update(objs, list(fields), batch_size=2000)
        return
    by_field: dict[str, list[tuple]] = defaultdict(list)
    for pk, diffs in updates.items():
        for name, value in diffs.items():
            by_field[name].append((pk, value))
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        for name, pairs in by_field.items():
            f = model._meta.get_field(name)
            ids = [pk for pk, _v in pairs]
            if isinstance(f, models.JSONField):
                values, array, value = [json.dumps(v, ensure_ascii=False) for _pk, v in pairs], "text", "v.val::jsonb"
            else:
                values, array, value = [v for _pk, v in pairs], f.db_type(connection), "v.val"
            cursor.execute(
                f"UPDATE {table} AS t SET {connection.ops.quote_name(f.column)} = {value} "
                f"FROM unnest(%s::bigint[], %s::{array}[]) AS v(id, val) WHERE t.id = v.id", [ids, values])


def apply(analysis: ProductAnalysis, batch_id: int | None, actor=None, progress=None) -> None:
    """Write inside the caller's transaction: products, needs, and the batch's change rows."""
    from namelists.writing import CHANGE_COLUMNS, insert_rows

    progress = progress or (lambda pct, note: None)
    progress(70, "写入产品")
    Product.objects.bulk_create(analysis.creates, batch_size=2000)
    _bulk_update(Product, analysis.updates)
    progress(80, "写入需求")
    for need in analysis.need_creates:
        if need.owner_id is None and actor is not None:
            need.owner_id = actor.pk
    Need.objects.bulk_create(analysis.need_creates, batch_size=2000)
    _bulk_update(Need, analysis.need_updates)
    if batch_id is not None:
        now = timezone.now()
        progress(90, "记录变更")
        insert_rows(ImportChange, CHANGE_COLUMNS, (
            (batch_id, ent, action, target, f, before[:300], after[:300], row, now)
            for ent, action, target, f, before, after, row in analysis.changes))


def error_report(analysis: ProductAnalysis) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("问题行")
    ws.append(["行号", "原始数据", "问题类别", "列", "原因"])
    labels = dict(ImportIssue.Severity.choices)
    for issue in analysis.issues:
        cells = analysis.raw_rows.get(issue.row, [])
        ws.append([issue.row, formula_safe(" | ".join("" if c is None else str(c) for c in cells)),
                   str(labels.get(issue.severity, issue.severity)), formula_safe(issue.column),
                   formula_safe(issue.reason)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------------------------------- batches


def _read(data: bytes, file_name: str) -> list[Sheet]:
    from namelists.reader import check_size, read_file

    check_size(len(data))
    return read_file(data, file_name)


def _analyse_batch(batch: ImportBatch, progress) -> ProductAnalysis:
    with batch.file.open("rb") as fh:
        data = fh.read()
    return analyse(_read(data, batch.file_name), batch.street, progress)


def _store(batch: ImportBatch, analysis: ProductAnalysis) -> None:
    from namelists.writing import insert_rows

    det = analysis.detection
    batch.counts = dict(analysis.counts)
    batch.year = analysis.counts["year"]
    batch.preview = analysis.samples
    batch.sheet_name = det.sheet.name[:100]
    batch.header_row = det.header_row + 1
    batch.headers = det.headers
    batch.mapping = {str(c): f for c, f in det.mapping.items()}
    batch.issues.all().delete()
    sheet = det.sheet.name[:100]
    insert_rows(ImportIssue, ("batch_id", "sheet", "row", "column", "value", "reason", "severity", "firm_name",
                              "street_name"),
                ((batch.pk, sheet, i.row, i.column[:100], i.value.replace("\x00", "")[:200], i.reason[:500],
                  i.severity, i.firm_name.replace("\x00", ""), i.street_name.replace("\x00", ""))
                 for i in analysis.issues))
    if batch.report:
        batch.report.delete(save=False)
    if analysis.issues:
        batch.report.save(f"batch{batch.pk}_问题报告.xlsx", ContentFile(error_report(analysis)), save=False)


def _summary(analysis: ProductAnalysis) -> str:
    c = analysis.counts
    return (f"产品：新建 {c['created']}、更新 {c['updated']}、无变化 {c['unchanged']}；"
            f"需求：新建 {c['needs_created']}、更新 {c['needs_updated']}（更新的是企业同类型的未办结需求）。")


class ProductsHandler(KindImport):
    """namelists.services.LIST_KIND_HANDLERS["products"]: the name-list pipeline's preview and commit
    (namelists.kinds.KindImport: run lock, progress, atomic re-analysis, failure states) around this module's
    reader, store and writer. The column mapping is detected from the headers (HEADERS), not chosen on the batch
    page; apply() writes the batch's ImportChange rows itself."""

    kind = "products"
    remappable = False

    def _run(self, batch: ImportBatch, progress) -> ProductAnalysis:
        return _analyse_batch(batch, progress)

    def _store(self, batch: ImportBatch, analysis: ProductAnalysis) -> None:
        _store(batch, analysis)

    def _notes(self, batch: ImportBatch, analysis: ProductAnalysis) -> str:
        from namelists.services import _duplicate_file_note

        return "\n".join(filter(None, [_summary(analysis), _duplicate_file_note(batch)]))

    def apply(self, batch: ImportBatch, analysis: ProductAnalysis, progress) -> None:
        apply(analysis, batch.id, batch.created_by, progress)

    @staticmethod
    def _record(batch: ImportBatch, analysis: ProductAnalysis) -> None:
        """Nothing to add: apply() wrote the changes."""

    @staticmethod
    def run_from_command(data: bytes, file_name: str, street: Street | None, dry_run: bool, report: bool = False):
        """import_namelist --list products: (counts, issues, batch id, report bytes, note)."""
        from namelists import services

        if dry_run:
            analysis = analyse(_read(data, file_name), street)
            return (analysis.counts, analysis.issues, None,
                    error_report(analysis) if report and analysis.issues else None, _summary(analysis))
        detect(_read(data, file_name))  # an unusable file is refused before a batch is stored
        with transaction.atomic():
            batch = services.create_batch(None, data, file_name, "products", street=street)
        batch = services.commit_batch(batch.pk)
        if batch.status != ImportBatch.Status.COMMITTED:
            raise ImportRefused(batch.message or "导入失败")
        report_bytes = batch.report.read() if (report and batch.report) else None
        return batch.counts, list(batch.issues.all()), batch.pk, report_bytes, batch.message
