"""Excel exports in a reporting layout: a title row, the unit, a header, the rows and a total line."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from crm.exports import formula_safe
from policies.selectors import FUNNEL


def _sheet(ws, title: str, unit: str, header: list[str], rows: list[list], total: list | None = None) -> None:
    ws.append([formula_safe(title)])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(len(header), 1))
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append([unit])
    ws.append(header)
    for cell in ws[3]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([formula_safe(v) for v in row])
    if total:
        ws.append(total)
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
    for column in ws.columns:
        ws.column_dimensions[column[2].column_letter].width = 16


def funnel_workbook(policy, total: dict, by_street: list[dict], by_officer: list[dict]) -> bytes:
    book = Workbook()
    header = ["", *[str(label) for _, label, _ in FUNNEL], "核定金额（万元）", "兑现金额（万元）"]

    def line(label, row):
        return [label, *[row[name] for name, _, _ in FUNNEL], row["approved_amount"] or 0, row["paid_amount"] or 0]

    ws = book.active
    ws.title = "按街道"
    _sheet(ws, f"《{policy.title}》落实情况（按街道）", "单位：家、万元", ["街道", *header[1:]],
           [line(r["label"], r) for r in by_street], line("合计", total))
    _sheet(book.create_sheet("按挂点人员"), f"《{policy.title}》落实情况（按挂点人员）", "单位：家、万元",
           ["挂点人员", *header[1:]], [line(r["label"], r) for r in by_officer], line("合计", total))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def street_workbook(year: int, street, by_policy: list[dict], by_kind: list[dict], total) -> bytes:
    book = Workbook()
    where = street.name if street else "全区"
    ws = book.active
    ws.title = "按政策"
    _sheet(ws, f"{where}{year}年惠企政策兑现情况（按政策）", "单位：家、万元", ["政策", "兑现企业数", "兑现金额（万元）"],
           [[r["policy__title"], r["firms"], r["amount"]] for r in by_policy], ["合计", "", total])
    _sheet(book.create_sheet("按企业分类"), f"{where}{year}年惠企政策兑现情况（按企业分类）", "单位：家、万元",
           ["企业分类", "兑现企业数", "兑现金额（万元）"], [[str(r["label"]), r["firms"], r["amount"]] for r in by_kind])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
