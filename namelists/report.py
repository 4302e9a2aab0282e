"""The error report: the rows of a list that have problems, as they were read, with what is wrong with each."""

from __future__ import annotations

import io
from collections import defaultdict
from unicodedata import east_asian_width

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from crm.exports import formula_safe

from .diff import Analysis, in_records_language
from .models import ImportIssue
from .parsing import Issue


WIDTH_SAMPLE = 500  # rows measured to size the columns
MAX_WIDTH = 60


def display_width(value) -> int:
    """Columns a value takes in Excel: a CJK (wide or full-width) character takes two."""
    text = "" if value is None else str(value)
    if text.isascii():
        return len(text)
    return sum(2 if east_asian_width(ch) in "WF" else 1 for ch in text)


def _sheet(wb: Workbook, title: str, header: list, rows: list[list]) -> None:
    """A sheet with its header frozen and its columns sized to what they hold (CJK counted double)."""
    ws = wb.create_sheet(title)
    ws.freeze_panes = "A2"
    widths = [display_width(h) for h in header]
    for row in rows[:WIDTH_SAMPLE]:
        for i, value in enumerate(row[:len(widths)]):
            widths[i] = max(widths[i], display_width(value))
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(max(width, 4) + 2, MAX_WIDTH)
    ws.append(header)
    for row in rows:
        ws.append(row)


@in_records_language
def error_report(analysis: Analysis) -> bytes:
    """The original rows that have problems, as read, plus 问题类别 and 原因 columns: the rows to fix (rejected rows
    first) on one sheet, the rows skipped as another street's on another."""
    headers = list(analysis.detection.headers)
    header = ["行号"] + [formula_safe(h) for h in headers] + ["问题类别", "原因"]
    by_row: dict[int, list[Issue]] = defaultdict(list)
    for issue in analysis.issues:
        by_row[issue.row].append(issue)
    labels = dict(ImportIssue.Severity.choices)
    rejected, other, skipped = [], [], []
    for row_no in sorted(by_row):
        row_issues = by_row[row_no]
        if all(i.severity == "skipped" for i in row_issues):
            # Another street's row: nothing to fix, so a short line (a street's copy of a district list skips
            # most of its rows, and writing them whole would cost more than the import).
            first = row_issues[0]
            skipped.append([row_no, formula_safe(first.firm_name), formula_safe(first.street_name),
                            formula_safe("；".join(i.reason for i in row_issues))])
            continue
        cells = list(analysis.parsed.raw_rows.get(row_no, [])) if row_no else []
        cells = [("" if c is None else c) for c in cells] + [""] * max(0, len(headers) - len(cells))
        # A code Excel turned into a number is shown as Excel shows it, so the user finds the cell.
        line = ([row_no or ""] + [str(c) if isinstance(c, float) and c > 1e15 else formula_safe(c)
                                  for c in cells[:len(headers)]]
                + ["；".join(sorted({str(labels.get(i.severity, i.severity)) for i in row_issues})),
                   formula_safe("；".join(f"{i.column}：{i.reason}" if i.column else i.reason for i in row_issues))])
        (rejected if any(i.severity == "error" for i in row_issues) else other).append(line)
    wb = Workbook(write_only=True)
    _sheet(wb, "问题行", header, rejected + other)
    if skipped:
        _sheet(wb, "已跳过的行", ["行号", "企业名称", "街道", "原因"], skipped)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def empty_report() -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("问题行")
    ws.append(["行号", "问题类别", "原因"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
