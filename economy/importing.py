"""The monthly import (list kind "monthly"): the statistics bureau's monthly Excel, one sheet per specialty, into
MonthlyFigure rows, through the name-list pipeline (namelists.ImportBatch, its run lock, tasks, progress, issues,
error report and history).

- Columns: the firm's (code, name, 街道, 社区) by the name-list synonyms; the figures by period words, which take
  precedence over the annual 产值/营业收入 synonyms: 本月/当月 → value; 本年累计, 累计, 1—N月 (dash -, —, –, ～, ~ or 至)
  → ytd; 上年同期(累计) → ytd_last_year; 增速/增长/同比(%) → the file's growth, kept for comparison only.
- Indicator of a sheet: from its sheet name, title rows and headers (建筑业 → construction_output; 零售额/销售额/
  社会消费品 → retail_sales; 产值 → industrial_output; 营业收入/营收 → revenue), else the one given.
- Replace: importing a month replaces every figure of that indicator and month for the streets the file covers
  (or the given street). What it replaced, changed and removed is written as ImportChange rows of the batch
  (target "monthly:<indicator>:<YYYY-MM>").
- A firm not in the registry is created (name and street required), as the name-list import does.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone

from crm.exports import formula_safe
from crm.models import Community, Street
from enterprises.models import Enterprise
from enterprises.uscc import USCCError, valid_as_is
from enterprises.uscc import validate as validate_uscc
from namelists.errors import ImportRefused
from namelists.headers import HEADER_SCAN_ROWS, match_field, normalise_header
from namelists.models import ImportBatch, ImportChange, ImportIssue, ListKind
from namelists.parsing import FOOTNOTE_PREFIXES, Issue, clean_text, is_blank, normalise_name, parse_number
from namelists.reader import FileRejected, Sheet

from .models import Indicator, MonthlyFigure, MonthlyImport

FIGURE_FIELDS = ("value", "ytd", "ytd_last_year", "reported_growth")
LABELS = {"value": "本月", "ytd": "本年累计", "ytd_last_year": "上年同期累计", "reported_growth": "增速(%)"}
PREVIEW_SAMPLES = 200
_DASH = r"[-—–~～至－﹣]"
_YTD_WORDS = re.compile(rf"^(1{_DASH}\d{{1,2}}月|本年累计|累计|本年)")
_YTD_MONTHS = re.compile(rf"1\s*{_DASH}\s*(\d{{1,2}})\s*月")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_TITLE_MONTH = re.compile(rf"(20\d{{2}})\s*年\s*(?:1\s*{_DASH}\s*)?(\d{{1,2}})\s*月")
INDICATOR_NAMES = {
    "工业总产值": Indicator.INDUSTRIAL_OUTPUT, "营业收入": Indicator.REVENUE, "零售额": Indicator.RETAIL_SALES,
    "销售额": Indicator.RETAIL_SALES, "建筑业总产值": Indicator.CONSTRUCTION_OUTPUT,
}


def parse_month(text: str | None) -> dt.date:
    """'2026-05' → date(2026, 5, 1). ValueError with a Chinese message otherwise."""
    m = _MONTH.match((text or "").strip())
    if not m or not 1 <= int(m[2]) <= 12 or not 1990 <= int(m[1]) <= 2100:
        raise ValueError(f"月份“{text}”格式错误，应为 YYYY-MM，如 2026-05")
    return dt.date(int(m[1]), int(m[2]), 1)


def parse_indicator(text: str | None) -> str:
    """'revenue' or its Chinese name (营业收入) → the Indicator value. ValueError otherwise."""
    value = (text or "").strip()
    if value in Indicator.values:
        return value
    if value in INDICATOR_NAMES:
        return INDICATOR_NAMES[value]
    raise ValueError(f"指标“{text}”无效，可选：{', '.join(Indicator.values)}")


def indicator_in(text: str) -> str | None:
    """The indicator a sheet name, title or header names, if any."""
    t = normalise_header(text) if text else ""
    if "建筑" in t:
        return Indicator.CONSTRUCTION_OUTPUT
    if any(w in t for w in ("零售", "销售额", "社会消费品", "住宿餐饮", "批发")):
        return Indicator.RETAIL_SALES
    if "产值" in t or "工业" in t:
        return Indicator.INDUSTRIAL_OUTPUT
    if any(w in t for w in ("营业收入", "营收", "服务业", "营业额")):
        return Indicator.REVENUE
    return None


def match_monthly(header: object) -> str | None:
    """A monthly figure column, by its period word (which wins over the annual 产值/营业收入 synonyms)."""
    norm = normalise_header(header)
    if not norm or len(norm) > 30:
        return None
    raw = re.sub(r"\s+", "", str(header))
    if "上年同期" in norm or "去年同期" in norm:
        return "ytd_last_year"
    if any(w in norm for w in ("增速", "增长", "同比", "增幅")) or "%" in raw:
        return "reported_growth"
    if _YTD_WORDS.match(norm) or _YTD_MONTHS.search(norm):
        return "ytd"
    if norm.startswith(("本月", "当月")):
        return "value"
    return None


@dataclass
class SheetPlan:
    name: str
    indicator: str
    header_row: int  # 0-based
    headers: list[str]
    mapping: dict[int, str]
    title: str


def detect_sheet(sheet: Sheet) -> tuple[int, dict[int, str]] | None:
    best = None
    for r, row in enumerate(sheet.rows[:HEADER_SCAN_ROWS]):
        mapping: dict[int, str] = {}
        for c, value in enumerate(row):
            if not isinstance(value, str) or not value.strip():
                continue
            key = match_monthly(value) or match_field(value)
            if key in ("uscc", "name", "street", "community", *FIGURE_FIELDS) and key not in mapping.values():
                mapping[c] = key
        if "uscc" in mapping.values() and "ytd" in mapping.values():
            if best is None or len(mapping) > len(best[1]):
                best = (r, mapping)
    return best


def detect_sheets(sheets: list[Sheet], forced: str | None, month: dt.date | None) -> tuple[list[SheetPlan], dt.date]:
    plans = []
    for sheet in sheets:
        found = detect_sheet(sheet)
        if not found:
            continue
        header_row, mapping = found
        headers = ["" if v is None else str(v).strip() for v in sheet.rows[header_row]]
        title = " ".join(str(v) for row in sheet.rows[:header_row] for v in row if v not in (None, ""))
        said = (indicator_in(sheet.name) or indicator_in(title)
                or next((i for h in headers if match_monthly(h) for i in [indicator_in(h)] if i), None))
        if forced and said and said != forced:
            continue  # another specialty's sheet: only the forced indicator is imported
        indicator = said or forced
        if not indicator:
            raise FileRejected(f"工作表“{sheet.name}”未写明指标（工业总产值/营业收入/零售额/建筑业总产值），请用 --indicator 指定")
        plans.append(SheetPlan(sheet.name, indicator, header_row, headers, mapping, title))
    if not plans:
        raise FileRejected("未找到月度数据表头：需要“社会信用代码”列和“本年累计/1—N月”列"
                           + ("，或文件中没有所指定指标的工作表" if forced else ""))
    seen = [p.indicator for p in plans]
    dup = {i for i in seen if seen.count(i) > 1}
    if dup:
        raise FileRejected(f"多个工作表属于同一指标（{'、'.join(Indicator(i).label for i in dup)}），请分开导入")
    # The month: the one given, else the title's "2026年1—5月"; the 1—N月 header must agree with it.
    for plan in plans:
        title_month = _TITLE_MONTH.search(plan.title)
        if month is None and title_month:
            month = dt.date(int(title_month[1]), int(title_month[2]), 1)
        for h in plan.headers:
            m = _YTD_MONTHS.search(normalise_header(h))
            if m and month and int(m[1]) != month.month:
                raise FileRejected(f"工作表“{plan.name}”的“{h}”是 1—{m[1]} 月的累计，与导入月份 {month:%Y-%m} 不符")
    if month is None:
        raise FileRejected("无法从标题判断数据月份，请指定月份（--month YYYY-MM）")
    return plans, month


@dataclass
class Row:
    code: str
    row: int
    sheet: str
    name: str = ""
    street_id: int | None = None
    community_id: int | None = None
    values: dict = field(default_factory=dict)


@dataclass
class MonthlyAnalysis:
    month: dt.date
    plans: list[SheetPlan]
    rows: dict[str, dict[str, Row]]  # indicator → code → row
    issues: list[tuple[str, Issue]]  # (sheet, issue)
    raw_rows: dict[tuple[str, int], list]
    creates: list[dict]
    existing: dict[str, int]
    scope: dict[str, set[int]]  # indicator → street ids replaced
    new_figures: list[tuple]
    changes: list[tuple]  # (enterprise id or code, action, target, field, before, after, row)
    counts: dict


def _street_lookup() -> tuple[dict[str, int], dict[tuple[int, str], int]]:
    streets = {}
    for sid, name in Street.objects.values_list("id", "name"):
        streets[name] = sid
        for suffix in ("街道办事处", "街道办", "街道", "镇"):
            if name.endswith(suffix):
                streets[name[: -len(suffix)]] = sid
        streets[name + "街道"] = sid
    communities = {}
    for cid, sid, name in Community.objects.values_list("id", "street_id", "name"):
        communities[(sid, name)] = cid
        for suffix in ("社区居民委员会", "社区居委会", "社区", "村"):
            if name.endswith(suffix):
                communities[(sid, name[: -len(suffix)])] = cid
    return streets, communities


def _shown(value) -> str:
    if value is None:
        return ""
    return format(value, "f")


def analyse(sheets: list[Sheet], month: dt.date | None, indicator: str | None, street: Street | None,
            progress=None) -> MonthlyAnalysis:
    progress = progress or (lambda pct, note: None)
    plans, month = detect_sheets(sheets, indicator, month)
    by_name = {s.name: s for s in sheets}
    streets, communities = _street_lookup()
    issues: list[tuple[str, Issue]] = []
    raw_rows: dict[tuple[str, int], list] = {}
    rows: dict[str, dict[str, Row]] = {}
    other_street = duplicates = seen = 0
    progress(20, "校验数据")
    for plan in plans:
        sheet = by_name[plan.name]
        col = {f: c for c, f in plan.mapping.items()}
        label = {f: (plan.headers[c] or LABELS.get(f, f)) for f, c in col.items()}
        got: dict[str, Row] = {}
        for index in range(plan.header_row + 1, len(sheet.rows)):
            cells = sheet.rows[index]
            excel_row = index + 1

            def cell(f):
                c = col.get(f)
                return cells[c] if c is not None and c < len(cells) else None

            if all(is_blank(v) for v in cells):
                continue
            first = clean_text(next((v for v in cells if not is_blank(v)), ""))
            raw_code = cell("uscc")
            if is_blank(raw_code) and (first.startswith(FOOTNOTE_PREFIXES) or
                                       sum(not is_blank(v) for v in cells) <= 1):
                continue  # footnote, 合计 or a remark row
            seen += 1

            def problem(f, value, reason, severity="error"):
                issues.append((plan.name, Issue(excel_row, str(label.get(f, LABELS.get(f, f))), clean_text(value)[:200],
                                                reason, severity)))
                raw_rows[(plan.name, excel_row)] = list(cells)

            code = valid_as_is(raw_code)
            if code is None:
                try:
                    code = validate_uscc(raw_code).code
                except USCCError as exc:
                    problem("uscc", raw_code, str(exc))
                    continue
            record = Row(code, excel_row, plan.name)
            record.name = normalise_name(cell("name"))
            street_cell = clean_text(cell("street")).replace(" ", "")
            if street_cell:
                sid = streets.get(street_cell)
                if sid is None:
                    problem("street", street_cell, f"街道“{street_cell}”不存在")
                    continue
                if street is not None and sid != street.id:
                    problem("street", street_cell, f"属于其他街道，已跳过（仅导入{street.name}）", "skipped")
                    other_street += 1
                    continue
                record.street_id = sid
            elif street is not None:
                record.street_id = street.id
            community_cell = clean_text(cell("community")).replace(" ", "")
            if community_cell and record.street_id:
                record.community_id = communities.get((record.street_id, community_cell))
            bad = False
            for f in FIGURE_FIELDS:
                try:
                    number = parse_number(cell(f))
                except ValueError as exc:
                    if f == "reported_growth":
                        problem(f, cell(f), f"{exc}，该值未导入", "warning")
                        continue
                    problem(f, cell(f), str(exc))
                    bad = True
                    break
                if number is not None:
                    record.values[f] = number
            if bad:
                continue
            if "ytd" not in record.values:
                problem("ytd", cell("ytd"), "本年累计为空")
                continue
            earlier = got.get(code)
            if earlier is not None:
                duplicates += 1
                problem("uscc", code, f"与第 {earlier.row} 行重复，已按文件顺序合并（后者的非空值优先）", "duplicate")
                earlier.values.update(record.values)
                earlier.name = record.name or earlier.name
                earlier.street_id = record.street_id or earlier.street_id
                earlier.community_id = record.community_id or earlier.community_id
                continue
            got[code] = record
        rows[plan.indicator] = got
    progress(40, "比对现有数据")

    # The registry: firms known and their streets; the new ones need a name and a street.
    codes = sorted({code for got in rows.values() for code in got})
    known = {}
    for chunk_start in range(0, len(codes), 20000):
        chunk = codes[chunk_start:chunk_start + 20000]
        for code, pk, sid in Enterprise.objects.filter(uscc__in=chunk).values_list("uscc", "id", "street_id"):
            known[code] = (pk, sid)
    creates: dict[str, dict] = {}
    for indicator_, got in rows.items():
        for code in list(got):
            record = got[code]
            if code in known:
                record.street_id = record.street_id or known[code][1]
                continue
            if code in creates:
                continue
            reason = None
            if not record.name:
                reason = "新企业缺少单位名称"
            elif record.street_id is None:
                reason = "新企业缺少街道（文件中无街道列时请指定街道）"
            if reason:
                issues.append((record.sheet, Issue(record.row, "单位名称" if not record.name else "街道", code,
                                                   reason, "error")))
                del got[code]
                continue
            creates[code] = {"uscc": code, "name": record.name[:200], "street_id": record.street_id,
                             "community_id": record.community_id, "row": record.row}
    for got in rows.values():
        for code in [c for c, r in got.items() if r.street_id is None]:
            del got[code]  # a known firm without a street cannot happen (street is required); kept for safety

    # What the month holds now in the streets the file covers, against what the file says.
    scope = {ind: ({street.id} if street else set()) | {r.street_id for r in got.values()} for ind, got in rows.items()}
    existing_ids = {code: known[code][0] for code in known}
    id_to_code = {pk: code for code, pk in existing_ids.items()}
    old: dict[str, dict[int, tuple]] = defaultdict(dict)
    for ind, street_ids in scope.items():
        touched_ids = [existing_ids[c] for c in rows[ind] if c in existing_ids]
        qs = MonthlyFigure.objects.filter(indicator=ind, month=month).filter(street_id__in=street_ids)
        cols = ("enterprise_id", "enterprise__uscc", "enterprise__name", "street_id", *FIGURE_FIELDS)
        for r in qs.values_list(*cols):
            old[ind][r[0]] = r
        # A firm on the file whose figure was filed under a street outside the scope is replaced as well.
        for start in range(0, len(touched_ids), 20000):
            for r in MonthlyFigure.objects.filter(indicator=ind, month=month,
                                                  enterprise_id__in=touched_ids[start:start + 20000]).exclude(
                    street_id__in=street_ids).values_list(*cols):
                old[ind][r[0]] = r
    new_figures, changes = [], []
    created = updated = unchanged = removed = 0
    samples = {"created": [], "updated": [], "closed": []}
    ym = f"{month:%Y-%m}"
    for ind, got in rows.items():
        target = f"monthly:{ind}:{ym}"[:40]
        before = old[ind]
        for code, record in got.items():
            ent = existing_ids.get(code, code)
            new_figures.append((ent, ind, record))
            prior = before.pop(ent, None) if isinstance(ent, int) else None
            if prior is None:
                created += 1
                changes.append((ent, "created", target, "ytd", "", _shown(record.values.get("ytd")), record.row))
                if len(samples["created"]) < PREVIEW_SAMPLES:
                    samples["created"].append({"row": record.row, "code": code,
                                               "name": f"{record.name} {Indicator(ind).label}"})
                continue
            diffs = []
            for i, f in enumerate(FIGURE_FIELDS):
                was, now_ = prior[4 + i], record.values.get(f)
                if (was is None) != (now_ is None) or (was is not None and Decimal(was) != now_):
                    diffs.append((f, _shown(was), _shown(now_)))
            if prior[3] != record.street_id:
                diffs.append(("street", str(prior[3]), str(record.street_id)))
            if diffs:
                updated += 1
                for f, was, now_ in diffs:
                    changes.append((ent, "updated", target, f, was, now_, record.row))
                if len(samples["updated"]) < PREVIEW_SAMPLES:
                    samples["updated"].append({"row": record.row, "code": code, "name": prior[2] or record.name,
                                               "changes": [{"field": f"{Indicator(ind).label}·{LABELS.get(f, f)}",
                                                            "before": was, "after": now_} for f, was, now_ in diffs]})
            else:
                unchanged += 1
        for ent_id, prior in before.items():  # on the month before, not on this file: no figure any more
            removed += 1
            changes.append((ent_id, "closed", target, "ytd", _shown(prior[5]), "", None))
            if len(samples["closed"]) < PREVIEW_SAMPLES:
                samples["closed"].append({"code": prior[1], "name": prior[2],
                                          "category": f"{Indicator(ind).label} {ym} 不在新文件中，删除"})
    rejected = {(s, i.row) for s, i in issues if i.severity == "error"}
    counts = {
        "rows": seen, "created": created, "updated": updated, "unchanged": unchanged, "errors": len(rejected),
        "warnings": sum(1 for _s, i in issues if i.severity == "warning"), "duplicates": duplicates,
        "other_street": other_street, "closed": removed, "removed": removed,
        "field_changes": sum(1 for c in changes if c[1] == "updated"), "firms_created": len(creates),
        "year": month.year, "month": ym,
        "indicators": {ind: len(got) for ind, got in rows.items()},
    }
    progress(60, "比对完成")
    analysis = MonthlyAnalysis(month, plans, rows, sorted(issues, key=lambda t: (t[0], t[1].row)), raw_rows,
                               list(creates.values()), existing_ids, scope, new_figures, changes, counts)
    analysis.samples = samples
    del id_to_code
    return analysis


def apply(analysis: MonthlyAnalysis, batch_id: int | None, progress=None) -> None:
    """Write the analysis inside the caller's transaction: new firms, the month's figures replaced, the changes."""
    from namelists.writing import CHANGE_COLUMNS, created_change_row, insert_enterprises, insert_rows

    progress = progress or (lambda pct, note: None)
    now = timezone.now()
    progress(65, "写入企业")
    new_ids = insert_enterprises(analysis.creates, now)
    ids = dict(analysis.existing)
    ids.update(new_ids)
    progress(75, "替换月度数据")
    month = analysis.month
    for ind, street_ids in analysis.scope.items():
        MonthlyFigure.objects.filter(indicator=ind, month=month, street_id__in=street_ids).delete()
        touched = [ids[c] for c in analysis.rows[ind] if c in analysis.existing]
        for start in range(0, len(touched), 20000):
            MonthlyFigure.objects.filter(indicator=ind, month=month,
                                         enterprise_id__in=touched[start:start + 20000]).delete()
    columns = ("enterprise_id", "indicator", "month", "street_id", *FIGURE_FIELDS, "batch_id", "row")
    insert_rows(MonthlyFigure, columns, (
        (ent if isinstance(ent, int) else ids[ent], ind, month, r.street_id,
         *(r.values.get(f) for f in FIGURE_FIELDS), batch_id, r.row)
        for ent, ind, r in analysis.new_figures))
    from .rollup import refresh

    for ind in analysis.scope:
        refresh(ind, month)  # the whole month of the indicator: a firm may have moved from another street
    progress(90, "记录变更")
    if batch_id is not None:
        created = (created_change_row(batch_id, new_ids[c["uscc"]], c, now) for c in analysis.creates)
        others = ((batch_id, ent if isinstance(ent, int) else ids[ent], action, target, f, before[:300], after[:300],
                   row, now) for ent, action, target, f, before, after, row in analysis.changes)
        insert_rows(ImportChange, CHANGE_COLUMNS, created)
        insert_rows(ImportChange, CHANGE_COLUMNS, others)


def error_report(analysis: MonthlyAnalysis) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("问题行")
    ws.append(["工作表", "行号", "原始数据", "问题类别", "列", "原因"])
    labels = dict(ImportIssue.Severity.choices)
    for sheet, issue in analysis.issues:
        cells = analysis.raw_rows.get((sheet, issue.row), [])
        ws.append([sheet, issue.row, formula_safe(" | ".join("" if c is None else str(c) for c in cells)),
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


def create_batch(actor, data: bytes, file_name: str, month: dt.date | None, indicator: str | None = None,
                 street: Street | None = None) -> ImportBatch:
    """Store the upload as a name-list batch of kind 'monthly' with its month. FileRejected when unusable."""
    from crm.scoping import sees_all_streets
    from namelists import services

    if street is None and actor is not None and not sees_all_streets(actor):
        street = actor.street
    if actor is not None:
        services.check_can_import(actor, street)
    sheets = _read(data, file_name)
    plans, month = detect_sheets(sheets, indicator, month)
    batch = ImportBatch(
        created_by=actor, file_name=file_name[:255], sha256=services.sha256_of(data), size=len(data),
        list_kind=ListKind.MONTHLY, year=month.year, street=street, sheet_name="、".join(p.name for p in plans)[:100],
        header_row=plans[0].header_row + 1, headers=plans[0].headers,
        mapping={str(c): f for c, f in plans[0].mapping.items()},
    )
    batch.file.save(f"{batch.sha256[:16]}{services._ext(file_name)}", ContentFile(data), save=False)
    batch.save()
    MonthlyImport.objects.create(batch=batch, month=month, indicator=indicator or "")
    return batch


def _monthly_of(batch: ImportBatch) -> MonthlyImport:
    info = MonthlyImport.objects.filter(batch=batch).first()
    if info is None:  # uploaded through the name-list page: the month chosen there, else the file's title's
        given = (batch.options or {}).get("month")
        with batch.file.open("rb") as fh:
            _plans, month = detect_sheets(_read(fh.read(), batch.file_name), None,
                                          parse_month(given) if given else None)
        info = MonthlyImport.objects.create(batch=batch, month=month)
    return info


def _analyse_batch(batch: ImportBatch, progress) -> MonthlyAnalysis:
    info = _monthly_of(batch)
    with batch.file.open("rb") as fh:
        data = fh.read()
    return analyse(_read(data, batch.file_name), info.month, info.indicator or None, batch.street, progress)


def _store(batch: ImportBatch, analysis: MonthlyAnalysis) -> None:
    from namelists.writing import insert_rows

    batch.counts = {k: v for k, v in analysis.counts.items()}
    batch.preview = analysis.samples
    batch.issues.all().delete()
    insert_rows(ImportIssue, ("batch_id", "sheet", "row", "column", "value", "reason", "severity"),
                ((batch.pk, s[:100], i.row, i.column[:100], i.value.replace("\x00", "")[:200], i.reason[:500],
                  i.severity) for s, i in analysis.issues))
    if batch.report:
        batch.report.delete(save=False)
    if analysis.issues:
        batch.report.save(f"batch{batch.pk}_问题报告.xlsx", ContentFile(error_report(analysis)), save=False)


class MonthlyHandler:
    """namelists.services.LIST_KIND_HANDLERS["monthly"]: preview and commit of a monthly batch (run lock held)."""

    @staticmethod
    def preview(batch_id: int) -> ImportBatch:
        from namelists import services

        batch = ImportBatch.objects.select_related("street").get(pk=batch_id)
        if batch.status == ImportBatch.Status.COMMITTED:
            return batch
        try:
            analysis = _analyse_batch(batch, services._progress_for(batch.id))
        except FileRejected as exc:
            services._fail(batch, str(exc))
            return batch
        with transaction.atomic():
            _store(batch, analysis)
            batch.status = ImportBatch.Status.PREVIEWED
            batch.progress, batch.progress_note = 100, "预览完成"
            batch.message = services._duplicate_file_note(batch)
            batch.save()
        return batch

    @staticmethod
    def commit(batch_id: int, claimed: bool = False) -> ImportBatch:
        from namelists import services

        statuses = ([ImportBatch.Status.RUNNING] if claimed
                    else [ImportBatch.Status.PREVIEWED, ImportBatch.Status.PENDING])
        got = ImportBatch.objects.filter(pk=batch_id, status__in=statuses).update(
            status=ImportBatch.Status.RUNNING, progress=0, progress_note="开始导入", running_since=timezone.now())
        batch = ImportBatch.objects.select_related("street").get(pk=batch_id)
        if not got:
            raise ImportRefused(f"批次状态为“{batch.get_status_display()}”，不能提交")
        progress = services._progress_for(batch.id)
        try:
            with transaction.atomic():
                analysis = _analyse_batch(batch, progress)
                apply(analysis, batch.id, progress)
                _store(batch, analysis)
                MonthlyImport.objects.filter(batch=batch).update(
                    replaced={ind: sorted(s) for ind, s in analysis.scope.items()}, watch_notified=False)
                batch.status = ImportBatch.Status.COMMITTED
                batch.committed_at = timezone.now()
                batch.progress, batch.progress_note = 100, "导入完成"
                ym = f"{analysis.month:%Y-%m}"
                batch.message = "\n".join(filter(None, [
                    services._duplicate_file_note(batch),
                    f"{ym} 月度数据已导入（{'、'.join(str(Indicator(i).label) for i in analysis.rows)}），"
                    f"请在“经济运行”页面查看增速、拉动与预警名单：/economy/?month={ym}"]))
                batch.save()
            from .tasks import notify_watch_task

            transaction.on_commit(lambda: notify_watch_task.delay(batch.pk))
        except (FileRejected, ImportRefused) as exc:
            services._fail(batch, str(exc))
        except Exception as exc:  # noqa: BLE001 - the batch must end in a visible state; re-raised
            services._fail(batch, f"导入失败，数据库未作任何修改：{type(exc).__name__}")
            raise
        return batch


def run_from_command(data: bytes, file_name: str, month: dt.date, indicator: str | None, street: Street | None,
                     dry_run: bool):
    """import_namelist --list monthly: (counts, issues, batch id). Raises FileRejected/ImportRefused."""
    from namelists import services

    if dry_run:
        analysis = analyse(_read(data, file_name), month, indicator, street)
        return analysis.counts, [i for _s, i in analysis.issues], None
    with transaction.atomic():
        batch = create_batch(None, data, file_name, month, indicator, street)
    batch = services.commit_batch(batch.pk)
    if batch.status != ImportBatch.Status.COMMITTED:
        raise ImportRefused(batch.message or "导入失败")
    return batch.counts, list(batch.issues.all()), batch.pk
