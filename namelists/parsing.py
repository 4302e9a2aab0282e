"""Row validation: raw cells → clean records and issues (sheet, Excel row, column, reason in Chinese).

Rules (documented in namelists/README.md):
- a row is *rejected* when its code is missing/invalid, or it is a new firm without a usable name or street;
- a bad value in any other column is reported and that value alone is not written (the row still imports);
- blank rows, "注：…" footnotes and 合计 rows are skipped silently;
- the same code twice: rows merge in file order, a later non-empty value overrides an earlier one, and every
  repeated row is reported as a duplicate pointing at the first row.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable

from enterprises.uscc import USCCError, valid_as_is
from enterprises.uscc import validate as validate_uscc

from .headers import FIELDS

# C0 controls and DEL that str.split() does not treat as spaces: deleted from cell text.
_CONTROLS = dict.fromkeys([*range(0x00, 0x09), *range(0x0E, 0x1C), 0x7F])
_SPACE = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")
_INDUSTRY = re.compile(r"^([A-T])?(\d{2,4})?$")
_NUMBER = re.compile(r"^[+-]?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$")
FOOTNOTE_PREFIXES = ("注", "说明", "备注", "数据来源", "资料来源", "制表", "填表", "审核", "合计", "总计", "小计")
EMPTY_MARKS = {"", "-", "--", "—", "——", "/", "无", "n/a", "na", "null", "none"}


@dataclass(slots=True)  # a list every row of which has a problem holds 200,000 of them
class Issue:
    row: int  # as Excel shows it (1-based)
    column: str  # header text as in the file, or the field label
    value: str
    reason: str
    severity: str = "error"  # error = row rejected; warning = value skipped, row imported; duplicate; skipped
    firm_name: str = ""  # the row's name and street cells, as the file gives them
    street_name: str = ""


@dataclass(slots=True)
class Record:
    code: str
    row: int  # its first row in the file
    values: dict | None = field(default_factory=dict)  # field → clean value (only fields present and valid)


def clean_text(value: object) -> str:
    """NFKC (full-width → half-width) and every kind of space collapsed; the common clean case costs two C calls."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if not text.isascii() and not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    if "\u200b" in text or "\ufeff" in text:
        text = text.replace("\u200b", " ").replace("\ufeff", " ")
    if not text.isprintable():  # control characters from a .csv or .xls: the database refuses NUL
        text = text.translate(_CONTROLS)
    return " ".join(text.split())


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip().strip("\u200b\ufeff"))


def normalise_name(value: object) -> str:
    """Trailing/inner odd spaces removed; brackets written the Chinese way (full width), as firms register them."""
    text = clean_text(value)
    if "(" not in text and ")" not in text and "（" not in text and "）" not in text:
        return text  # most names: nothing more to do
    text = text.replace("(", "（").replace(")", "）")
    return re.sub(r"\s*（\s*", "（", re.sub(r"\s*）\s*", "）", text))


CENT = Decimal("0.01")
TOO_LARGE = Decimal("1e14")  # amounts are numeric(16, 2)
MAX_COUNT = 2_147_483_647  # head counts are a 32-bit integer column


def parse_number(value: object, *, integer: bool = False) -> Decimal | int | None:
    """Numbers from cells: floats as given, text with thousands separators and full-width digits. Raises ValueError."""
    if integer and type(value) is float and value.is_integer() and 0 <= value <= MAX_COUNT:
        return int(value)  # a head count as Excel stores it
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("不是数字")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and value != value:  # NaN
            return None
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    else:
        text = clean_text(value).replace(" ", "")
        if text.lower() in EMPTY_MARKS:
            return None
        if not _NUMBER.match(text):
            raise ValueError(f"“{text}”不是数字")
        number = Decimal(text.replace(",", ""))
    if integer:
        if not number.is_finite() or number != number.to_integral_value():
            raise ValueError(f"应为整数，实为 {number}")
        if number < 0:
            raise ValueError("不能为负数")
        if number > MAX_COUNT:
            raise ValueError("数值过大")
        return int(number)
    if abs(number) >= TOO_LARGE:
        raise ValueError("数值过大")
    return number.quantize(CENT)


def parse_date(value: object) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = clean_text(value)
    if text.lower() in EMPTY_MARKS:
        return None
    m = re.match(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$", text) or re.match(r"^(\d{4})(\d{2})(\d{2})$", text)
    if not m:
        raise ValueError(f"“{text}”不是日期（应为 2025-03-01 或 2025年3月1日）")
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise ValueError(f"“{text}”不是有效日期") from None


class IndustryTable:
    """GB/T 4754-2017 codes from the database, loaded once per import: code → (id, section)."""

    def __init__(self) -> None:
        from enterprises.models import IndustryCategory

        self.by_code = {code: (pk, section) for pk, code, section in
                        IndustryCategory.objects.values_list("id", "code", "section")}

    def parse(self, value: object) -> tuple[int, str]:
        """'3982', 'C3982', 'c 3982', '3982 电子电路制造', 3982.0 → (id, code). Raises ValueError."""
        if isinstance(value, float):
            if not value.is_integer():
                raise ValueError(f"行业代码“{value}”不是整数代码")
            if value < 1000:
                raise ValueError("行业代码被存为数字，前导零可能已丢失，请将该列设为文本")
        text = clean_text(value).upper()
        head = text.split(" ", 1)[0] if " " in text and not re.match(r"^[A-T]\s+\d", text) else text.replace(" ", "")
        head = re.sub(r"[^\dA-Z]+$", "", head)
        m = _INDUSTRY.match(head)
        if not head or not m or not (m[1] or m[2]):
            raise ValueError(f"行业代码“{text}”格式不对（应为 4 位小类代码，如 3982 或 C3982）")
        letter, digits = m[1], m[2]
        code = digits or letter
        entry = self.by_code.get(code)
        if entry is None:
            raise ValueError(f"行业代码“{code}”不在《国民经济行业分类》(GB/T 4754-2017) 中")
        if letter and digits and entry[1] != letter:
            raise ValueError(f"行业代码“{head}”的门类字母与代码不符（{code} 属于 {entry[1]} 门类）")
        return entry[0], code


@dataclass
class Parsed:
    records: dict[str, Record]
    issues: list[Issue]
    rows_seen: int  # data rows that were not blank/footnotes
    duplicates: int
    rejected_rows: set[int]
    raw_rows: dict[int, list]  # Excel row → original cells, for rows with issues (error report)


def count_codes(rows: list[list], header_row: int, code_col: int) -> dict[str, int]:
    """How many rows carry each valid code: the codes parse_rows() will produce, before it runs, so the registry can
    be looked up first and a record handed on the moment its last row is read (see parse_rows' `on_final`)."""
    counts: dict[str, int] = {}
    for index in range(header_row + 1, len(rows)):
        row = rows[index]
        raw = row[code_col] if code_col < len(row) else None
        code = valid_as_is(raw)
        if code is None:
            if raw in (None, "") or clean_text(raw) == "":
                continue
            try:
                code = validate_uscc(raw).code
            except USCCError:
                continue
        counts[code] = counts.get(code, 0) + 1
    return counts


def parse_rows(rows: list[list], header_row: int, headers: list[str], mapping: dict[int, str],
               industries: IndustryTable, rows_per_code: dict[str, int] | None = None,
               on_final: Callable[[Record], None] | None = None) -> Parsed:
    """Validate every data row below the header. Nothing here touches the database except the industry table.

    `on_final(record)` is called once per record as soon as it can no longer change: at its only row, or at the
    last of its duplicates, which `rows_per_code` (count_codes) tells. A caller can so diff and write records while
    the rest of the file is still being validated. The record's values are dropped once handed on: `records` then
    keeps each code's first row only."""
    by_field = {f: c for c, f in mapping.items() if f}
    code_col = by_field["uscc"]
    label = {c: (headers[c] if c < len(headers) and headers[c] else str(FIELDS[f][0])) for c, f in mapping.items() if f}
    records: dict[str, Record] = {}
    issues: list[Issue] = []
    rejected: set[int] = set()
    raw_rows: dict[int, list] = {}
    rows_seen = duplicates = 0

    def problem(row_no, col, value, reason, severity="error", row=None):
        issues.append(Issue(row_no, label.get(col, ""), clean_text(value)[:200], reason, severity))
        if row is not None:
            raw_rows.setdefault(row_no, row)

    # Per-column parsers, and a memo for columns whose values repeat (industry, street, community, tier…):
    # a 100,000-row list has a few hundred distinct values there.
    columns = [(c, f, FIELD_PARSERS[f], f in REPEATING) for c, f in sorted(mapping.items()) if f and f != "uscc"]
    memo: dict[tuple, tuple] = {}
    left = dict(rows_per_code or {})  # rows still to come per code; a record is final when it reaches 0

    def hand_on(record: Record) -> None:
        on_final(record)
        record.values = None  # the caller has taken what it needs: a 100,000-firm list frees ~80 MB as it goes

    for index in range(header_row + 1, len(rows)):
        row = rows[index]
        row_no = index + 1
        raw_code = row[code_col] if code_col < len(row) else None
        code = valid_as_is(raw_code)  # nearly every row: a clean, valid code, so none of the checks below
        if code is None:
            # A row with a code is not blank: the all-cells blank test runs only for rows without one.
            if is_blank(raw_code) and all(is_blank(v) for v in row):
                continue
            if raw_code in (None, "") or clean_text(raw_code) == "":
                cells = [v for v in row if not is_blank(v)]
                first = clean_text(cells[0])
                if first.startswith(FOOTNOTE_PREFIXES) or len(cells) == 1:
                    continue  # footnote, total or a stray remark
                rows_seen += 1
                problem(row_no, code_col, "", "统一社会信用代码为空，该行未导入", row=row)
                rejected.add(row_no)
                continue
            rows_seen += 1
            try:
                code = validate_uscc(raw_code).code
            except USCCError as exc:
                problem(row_no, code_col, str(raw_code), f"{exc}，该行未导入", row=row)
                rejected.add(row_no)
                continue
        else:
            rows_seen += 1
        values: dict = {}
        for col, fname, parse, repeats in columns:
            if col >= len(row):
                continue
            raw = row[col]
            if raw is None:
                continue
            if isinstance(raw, str):
                stripped = raw.strip()
                if stripped.lower() in EMPTY_MARKS or not stripped.strip("\u200b\ufeff"):
                    continue
            if repeats:
                key = (fname, raw)
                result = memo.get(key)
                if result is None:
                    try:
                        result = memo[key] = (True, parse(raw, industries))
                    except ValueError as exc:
                        result = memo[key] = (False, exc)
                ok, value = result
                if not ok:
                    problem(row_no, col, raw, f"{value}，该值未导入", "warning", row)
                    continue
            else:
                try:
                    value = parse(raw, industries)
                except ValueError as exc:
                    problem(row_no, col, raw, f"{exc}，该值未导入", "warning", row)
                    continue
            if value is not None and (value.__class__ is not str or value):
                values[fname] = value
        existing = records.get(code)
        if existing is None:
            record = records[code] = Record(code, row_no, values)
            if on_final is not None:
                left[code] = n = left.get(code, 1) - 1
                if n <= 0:
                    hand_on(record)
            continue
        if existing.values is None:  # count_codes() missed a row of this code: its record was handed on too early
            raise AssertionError(f"count_codes() and parse_rows() disagree on row {row_no}")
        duplicates += 1
        conflicts = [str(FIELDS[k][0]) for k, v in values.items() if k in existing.values and existing.values[k] != v]
        reason = f"与第 {existing.row} 行重复（同一代码），已合并：后出现的非空值优先"
        if conflicts:
            reason += f"；取值不同的列：{'、'.join(conflicts)}"
        problem(row_no, code_col, code, reason, "duplicate", row)
        existing.values.update(values)
        if on_final is not None:
            left[code] = n = left[code] - 1
            if n == 0:
                hand_on(existing)
    if on_final is not None:
        for code, n in left.items():
            if n > 0 and code in records:  # counted rows that parsing skipped: the record is final now
                hand_on(records[code])
    return Parsed(records, issues, rows_seen, duplicates, rejected, raw_rows)


def _name(raw: object, industries: IndustryTable) -> str:
    name = normalise_name(raw)
    if len(name) > 200:
        raise ValueError("名称过长（超过 200 字）")
    if len(name) < 2:
        raise ValueError("名称过短")
    return name


def _amount(raw: object, industries: IndustryTable) -> Decimal | None:
    return parse_number(raw)


def _count(raw: object, industries: IndustryTable) -> int | None:
    return parse_number(raw, integer=True)


def _date(raw: object, industries: IndustryTable) -> dt.date | None:
    return parse_date(raw)


def _stock_code(raw: object, industries: IndustryTable) -> str:
    return clean_text(raw).replace(" ", "").upper()[:12]


def _text(raw: object, industries: IndustryTable) -> str:
    return clean_text(raw)[:200]


CLUSTER_SEPARATORS = re.compile(r"[、,;/|\n]+")  # after clean_text: ，；／ are already , ; /


def _clusters(raw: object, industries: IndustryTable) -> tuple[str, ...] | None:
    """'半导体与集成电路、智能终端' → ('半导体与集成电路', '智能终端'); the names are matched to clusters by the diff."""
    names = (clean_text(part) for part in CLUSTER_SEPARATORS.split(clean_text(raw)))
    found = tuple(dict.fromkeys(n for n in names if n and n.lower() not in EMPTY_MARKS))
    return found or None


def _industry(raw: object, industries: IndustryTable) -> tuple[int, str]:
    return industries.parse(raw)


# field → parser(raw cell, industry table) → clean value; raises ValueError with the reason in Chinese.
FIELD_PARSERS = defaultdict(lambda: _text, {
    "name": _name, "industry": _industry, "revenue": _amount, "output_value": _amount, "tax": _amount,
    "employees": _count, "issued_on": _date, "listed_on": _date, "entered_on": _date, "stock_code": _stock_code,
    "clusters": _clusters,
})
REPEATING = {"industry", "street", "community", "tier", "exchange", "clusters"}
