"""The error report: the rows of a list that have problems, as they were read, with what is wrong with each."""

from __future__ import annotations

import io
from collections import defaultdict

from openpyxl import Workbook

from crm.exports import formula_safe

from .diff import Analysis, in_records_language
from .models import ImportIssue
from .parsing import Issue


@in_records_language
def error_report(analysis: Analysis) -> bytes:
    """The original rows that have problems, as read, plus 问题类别 and 原因 columns, in a write-only workbook."""
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


def empty_report() -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("问题行")
    ws.append(["行号", "问题类别", "原因"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
