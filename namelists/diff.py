"""The analysis of a name list: read → detect the header → validate → dedupe → diff against the registry, giving a
`Plan` of what a commit would write. Nothing here writes, except that a commit's `NewFirmWriter` is handed each new
firm as soon as it is final. The preview and the commit run the same analysis."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache, wraps
from typing import Callable

from django.conf import settings
from django.utils import timezone, translation

from crm.models import Community, Street
from enterprises.models import Classification, Cluster, Enterprise

from . import rules
from .headers import FIELDS, Detection, detect, validate_mapping
from .loading import load_existing
from .models import ListKind
from .parsing import IndustryTable, Issue, Parsed, Record, clean_text, count_codes, parse_rows
from .reader import FileRejected, Sheet, check_size, read_file, sha256_of
from .writing import CHUNK, FIGURE_FIELDS, NewFirmWriter

PREVIEW_SAMPLES = 200
# List kinds, in one place each: `models.ListKind` names them (the command's --list choices and the upload form
# follow it); here, how a kind's rows get the category of the fact they stand for (a `_Differ` method returning
# (category, reason); kinds not named here have none); in `rules`, the fact itself (desired_fact, fact_matches,
# UPDATABLE, YEARLY_KINDS). A new kind: a ListKind choice (+ migration), its entry below if its rows carry a
# category, its branches in rules, and a sample file under tests/namelists/data.
CATEGORY_RULES = {ListKind.SISHANG: "sishang_category", ListKind.ZJTX: "zjtx_tier"}
Progress = Callable[[int, str], None]


CLUSTER_SUFFIXES = ("战略性新兴产业集群", "产业集群", "集群", "产业")


def cluster_key(name: str) -> str:
    """'半导体与集成电路产业集群' and '半导体与集成电路' are one cluster: spaces, case and a trailing 集群/产业 aside."""
    return _key(name, CLUSTER_SUFFIXES).lower()


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


# The last file read in this process: the command line reads it to refuse an unusable file before it stores a
# batch (services.detect_header), and the commit that follows need not parse the workbook again. One entry, by
# content hash.
_last_read: dict[str, list[Sheet]] = {}


def read_sheets(data: bytes, file_name: str) -> list[Sheet]:
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
    # (firm, cluster ids to add, cluster names, row): a cell's clusters the firm does not yet carry (insert only)
    cluster_adds: list[tuple[int | str, tuple[int, ...], str, int]] = field(default_factory=list)
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
    summary: str = ""  # said once, up front: every row was rejected for the same reason


def in_records_language(func):
    """Issues, reasons and reports are stored records, written in the office's language (settings.LANGUAGE_CODE)
    whatever language the request or thread that runs the import happens to have active."""

    @wraps(func)
    def run(*args, **kwargs):
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
    sheets = read_sheets(data, file_name)
    detection = detect(sheets)
    if mapping:
        problems = validate_mapping(mapping)
        if problems:
            raise FileRejected("；".join(problems))
        detection.mapping = dict(mapping)
    check_streets_loaded()  # after the file's own problems, which are told first
    sheet = sheets[detection.sheet_index]
    data_rows = len(sheet.rows) - detection.header_row - 1
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
    differ.check_rows_can_be_placed(sheet, detection)  # a list no row of which could be imported: said once
    if new_firms is not None:
        new_firms.reserve(len(rows_per_code) - len(differ.existing))  # every new firm has a code not yet registered
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
    if street is not None:
        _leave_out_other_streets(parsed, issues, differ, detection)
    all_issues = sorted(parsed.issues + issues, key=lambda i: (i.row, i.severity != "error"))
    rejected_rows = {i.row for i in all_issues if i.severity == "error"}
    warnings = sum(1 for i in all_issues if i.severity == "warning")
    all_issues, summary = _one_reason_for_all(all_issues, rejected_rows, parsed.rows_seen - parsed.duplicates)
    _name_the_rows(all_issues, parsed.raw_rows, detection)
    counts = {
        "rows": parsed.rows_seen,
        "created": plan.counts["created"],
        "updated": plan.counts["updated"],
        "unchanged": plan.counts["unchanged"],
        "errors": len(rejected_rows),
        "warnings": warnings,
        "duplicates": parsed.duplicates,
        "other_street": differ.other_street,
        "closed": len(plan.fact_closes),
        "field_changes": sum(1 for c in plan.changes if c["action"] == "updated"),
        "cluster_links": sum(len(ids) for _firm, ids, _names, _row in plan.cluster_adds),
        "year": year,
    }
    # A commit goes on writing the new firms handed to its writer; a preview is done.
    progress(60, "预览完成" if new_firms is None else "写入企业")
    return Analysis(detection, parsed, plan, all_issues, year, counts, summary)


SYSTEMIC_SAMPLE = 100  # rows kept of a reason every row shares: the summary says the rest
SYSTEMIC_SHARE = 0.9  # "every row": allowing the odd row rejected for its own reason (a bad check character)


def check_streets_loaded() -> None:
    """No import into a database without streets: every firm belongs to one."""
    if not Street.objects.exists():
        raise FileRejected("系统中还没有任何街道，无法导入名录。请先运行 python manage.py load_divisions <区划代码> 载入街道和社区")


def _leave_out_other_streets(parsed: Parsed, issues: list[Issue], differ: _Differ, detection: Detection) -> None:
    """A street-scoped import lists only its own street's problems: a row of another street is counted as skipped,
    whatever else is wrong with it (a rejected code, a bad number), and its other problems are not listed."""
    street_col = next((c for c, f in detection.mapping.items() if f == "street"), None)
    street = differ.street
    if street_col is not None:
        for row_no in sorted(parsed.rejected_rows):
            cells = parsed.raw_rows.get(row_no) or ()
            cell = clean_text(cells[street_col]) if street_col < len(cells) else ""
            row_street = differ.streets.get(_key(cell, STREET_SUFFIXES)) if cell else None
            if row_street is not None and row_street.id != street.id:
                differ.skip_other_street(row_no)
                issues.append(Issue(row_no, differ.col_label.get("street", "街道"), cell,
                                    f"属于{row_street.name}，不在本次限定的{street.name}范围内，已跳过", "skipped"))
    other_rows = differ.other_street_rows
    if not other_rows:
        return
    other_codes = differ.other_street_codes
    other_rows |= {i.row for i in parsed.issues if i.severity == "duplicate" and i.value in other_codes}
    parsed.issues = [i for i in parsed.issues if i.row not in other_rows]
    parsed.rejected_rows -= other_rows


def _name_the_rows(issues: list[Issue], raw_rows: dict[int, list], detection: Detection) -> None:
    """Each problem row carries its firm's name and street as the file gives them, so it can be found."""
    cols = {f: c for c, f in detection.mapping.items() if f in ("name", "street")}
    if not cols:
        return
    for issue in issues:
        cells = raw_rows.get(issue.row)
        if not cells:
            continue
        for fname, col in cols.items():
            if col < len(cells) and cells[col] not in (None, ""):
                setattr(issue, "firm_name" if fname == "name" else "street_name",
                        clean_text(cells[col])[:200 if fname == "name" else 50])


def _one_reason_for_all(issues: list[Issue], rejected_rows: set[int], firms: int) -> tuple[list[Issue], str]:
    """(Nearly) every firm of the list rejected for one reason — no street of the list exists, every code was stored
    as a number —: say so once, up front, and keep the first rows of that reason as examples instead of an issue
    and a report line per row (what made such a list cost three times a clean import)."""
    if not rejected_rows or len(rejected_rows) < SYSTEMIC_SHARE * firms:
        return issues, ""
    reasons_of: dict[int, set] = defaultdict(set)
    for i in issues:
        if i.severity == "error":
            reasons_of[i.row].add((i.column, i.reason))
    rows_of = Counter(reason for reasons in reasons_of.values() for reason in reasons)
    (column, reason), count = rows_of.most_common(1)[0]
    if count < SYSTEMIC_SHARE * firms:
        return issues, ""
    told = f"{column}：{reason}" if column else reason
    summary = (f"全部 {count} 行都因同一原因被拒绝，未导入任何数据：{told}。" if count >= firms else
               f"{firms} 行中有 {count} 行因同一原因被拒绝：{told}。")
    summary += f"请修正后重新上传（问题报告只列出其中前 {SYSTEMIC_SAMPLE} 行作为示例）。"
    only_this = sorted(r for r, reasons in reasons_of.items() if reasons == {(column, reason)})
    dropped = set(only_this[SYSTEMIC_SAMPLE:])
    return [i for i in issues if i.row not in dropped], summary


def _former_names(value) -> list:
    """former_names as loaded: a list (SQLite/ORM) or the JSON text PostgreSQL returns, decoded only on a rename."""
    if isinstance(value, str):
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
        all_streets = list(Street.objects.all())
        all_communities = list(Community.objects.all())
        self.streets = {_key(s.name, STREET_SUFFIXES): s for s in all_streets}
        self.communities = {(c.street_id, _key(c.name, COMMUNITY_SUFFIXES)): c.id for c in all_communities}
        self.names = {"street_id": {s.id: s.name for s in all_streets},
                      "community_id": {c.id: c.name for c in all_communities}}
        industry = Enterprise._meta.get_field("industry").related_model
        self.sections = dict(industry.objects.values_list("id", "section"))
        self.industry_codes = dict(industry.objects.values_list("id", "code"))
        self.default_tier, self.tier_reason = rules.default_zjtx_tier(detection.title, file_name)
        self.categorise = getattr(self, CATEGORY_RULES.get(list_kind, "no_category"))
        self.existing, self.figures, self.facts = load_existing(codes, list_kind, year)
        self.created = self.updated = self.unchanged = self.other_street = 0
        self.wanted_facts: dict[tuple, dict] = {}
        self.other_street_rows: set[int] = set()  # rows skipped as another street's: their other problems too

        self.other_street_codes: set[str] = set()
        self.clusters, self.held_clusters = {}, defaultdict(set)
        if "clusters" in detection.mapping.values():
            self._load_clusters()

    def _load_clusters(self) -> None:
        """Clusters by name and code, and the clusters the registered firms on the list already carry: one query per
        CHUNK firms, so a row costs none."""
        self.cluster_names = {}
        for pk, code, name in Cluster.objects.values_list("id", "code", "name"):
            self.clusters[cluster_key(name)] = self.clusters[code.lower()] = pk
            self.cluster_names[pk] = name
        through = Enterprise.clusters.through
        ids = [e.id for e in self.existing.values()]
        for i in range(0, len(ids), CHUNK):
            for ent_id, cluster_id in through.objects.filter(enterprise_id__in=ids[i:i + CHUNK]).values_list(
                    "enterprise_id", "cluster_id"):
                self.held_clusters[ent_id].add(cluster_id)

    def wanted_clusters(self, row: int, names: tuple[str, ...]) -> list[int]:
        """A cell's clusters as ids; a name that is no cluster is a warning, and the row's other values import."""
        ids = []
        for name in names:
            pk = self.clusters.get(cluster_key(name))
            if pk is None:
                self.issues.append(Issue(row, self.col_label.get("clusters", "产业集群"), name,
                                         "产业集群名称在系统中不存在（应为深圳“20+8”等已登记的集群），该集群未导入",
                                         "warning"))
            elif pk not in ids:
                ids.append(pk)
        return ids

    def skip_other_street(self, row: int, code: str | None = None) -> None:
        self.other_street += 1
        self.other_street_rows.add(row)
        if code:
            self.other_street_codes.add(code)

    def check_rows_can_be_placed(self, sheet: Sheet, detection: Detection) -> None:
        """A district-level list none of whose firms is registered, and none of whose streets exists in the system
        (or without any street column), would reject every row for that one reason: refuse it up front, saying so
        once, before a single row is validated."""
        if self.street is not None or self.existing:
            return
        street_col = next((c for c, f in detection.mapping.items() if f == "street"), None)
        if street_col is None:
            raise FileRejected("文件没有“街道”列，且未限定街道：新企业都无法确定所属街道，未导入任何数据。"
                               "请选择“限定街道”，或在文件中加上街道列后重新上传")
        values = {row[street_col] for row in sheet.rows[detection.header_row + 1:] if street_col < len(row)}
        names = {clean_text(v) for v in values if v not in (None, "")} - {""}
        if not names or any(_key(n, STREET_SUFFIXES) in self.streets for n in names):
            return
        shown = "、".join(sorted(names)[:5]) + (f" 等 {len(names)} 个" if len(names) > 5 else "")
        known = "、".join(s.name for s in list(self.streets.values())[:10])
        raise FileRejected(f"文件中的街道（{shown}）在系统中都不存在，新企业都无法确定所属街道，未导入任何数据。"
                           f"系统中的街道：{known}。请核对街道名称，或选择“限定街道”后重新上传")

    # --- the category of the fact a row stands for, one method per list kind (see CATEGORY_RULES)

    def sishang_category(self, row: int, v: dict, industry_id: int | None) -> tuple[str, str]:
        code = self.industry_codes.get(industry_id)
        category = rules.sishang_category(code, self.sections.get(industry_id), self.year)
        if not category:
            reason = ("行业不属于四上统计范围（如农林牧渔、金融），分类暂不细分" if code
                      else "缺少有效行业代码，无法确定四上类别，分类暂不细分")
            self.issues.append(Issue(row, self.col_label.get("industry", "行业代码"), "", reason, "warning"))
        return category, ""

    def zjtx_tier(self, row: int, v: dict, industry_id: int | None) -> tuple[str, str]:
        category = rules.zjtx_tier(v.get("tier", "")) if v.get("tier") else None
        if category is not None:
            return category, ""
        if v.get("tier"):
            self.issues.append(Issue(row, self.col_label.get("tier", "级别"), v["tier"],
                                     f"无法识别的级别，按默认级别登记（{self.tier_reason}）", "warning"))
        return self.default_tier, self.tier_reason

    def no_category(self, row: int, v: dict, industry_id: int | None) -> tuple[str, str]:
        return "", ""

    def shown(self, field_name: str, value):
        """A changed key as the office reads it: the street's or community's name, the industry's code."""
        if value is None:
            return None
        if field_name == "industry_id":
            return self.industry_codes.get(value, value)
        names = self.names.get(field_name)
        return names.get(value, value) if names is not None else value

    def add(self, rec: Record) -> None:
        plan, issues, today, col_label = self.plan, self.issues, self.today, self.col_label
        list_kind, year, street = self.list_kind, self.year, self.street
        existing, figures, facts, wanted_facts = self.existing, self.figures, self.facts, self.wanted_facts
        code = rec.code
        v = rec.values
        ent = existing.get(code)
        # --- street and community (see README: street rule)
        if street is not None and ent is not None and ent.street_id != street.id:
            # A street-scoped import never reads, changes or moves another street's firm, nor says whose it is:
            # moving a firm between streets is a district-level import.
            self.skip_other_street(rec.row, code)
            issues.append(Issue(rec.row, col_label.get("uscc", "统一社会信用代码"), code,
                                f"该企业登记在其他街道，{street.name}的导入不能修改或迁入，已跳过（跨街道迁移须由区级导入）",
                                "skipped"))
            return
        row_street = None
        if v.get("street"):
            row_street = self.streets.get(_key(v["street"], STREET_SUFFIXES))
            if row_street is None and street is None:
                issues.append(Issue(rec.row, col_label.get("street", "街道"), v["street"],
                                    "街道名称在系统中不存在，该值未导入", "warning"))
        if street is not None:
            if row_street is not None and row_street.id != street.id:
                self.skip_other_street(rec.row, code)
                issues.append(Issue(rec.row, col_label.get("street", "街道"), v["street"],
                                    f"属于{row_street.name}，不在本次限定的{street.name}范围内，已跳过", "skipped"))
                return
            if v.get("street") and row_street is None:
                issues.append(Issue(rec.row, col_label.get("street", "街道"), v["street"],
                                    f"街道名称在系统中不存在，按本次限定的{street.name}导入", "warning"))
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
                    change = {"target": "enterprise", "field": k, "before": self.shown(k, getattr(ent, k)),
                              "after": self.shown(k, val)}
                    if k == "street_id":  # a district-level move: the street it leaves keeps it in its history
                        change["former_street_id"] = ent.street_id
                    row_changes.append(change)
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
        category, reason = self.categorise(rec.row, v, industry_id)
        fact_key = (category, *(v.get(k) for k in rules.FACT_INPUTS))
        want_fact = wanted_facts.get(fact_key)
        if want_fact is None:  # one dict per distinct fact, shared by the rows that want it (never mutated)
            want_fact = wanted_facts[fact_key] = rules.desired_fact(list_kind, year, v, category, today)
        # --- industry clusters: added, never removed (a blank cell keeps the firm's clusters)
        if v.get("clusters"):
            carried = self.held_clusters.get(ent.id, set()) if ent else set()
            adds = tuple(pk for pk in self.wanted_clusters(rec.row, v["clusters"]) if pk not in carried)
            if adds:
                names = self.cluster_names
                plan.cluster_adds.append((firm, adds, "、".join(names[pk] for pk in adds), rec.row))
                if ent:
                    before = sorted(names[pk] for pk in carried if pk in names)
                    row_changes.append({"target": "enterprise", "field": "clusters", "before": "、".join(before),
                                        "after": "、".join(before + [names[pk] for pk in adds])})
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
                    change = {"enterprise_id": ent.id, "action": "updated", "target": ch["target"],
                              "field": ch["field"], "before": _shown(ch["before"]), "after": _shown(ch["after"]),
                              "row": rec.row}
                    if "former_street_id" in ch:
                        change["former_street_id"] = ch["former_street_id"]
                    plan.changes.append(change)
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
