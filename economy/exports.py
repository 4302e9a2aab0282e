"""Excel export in the layout of a 经济运行调度 report: one sheet per indicator with the street's headline (total,
growth, share, rank), then the pull and drag lists, the watch lists, and the communities."""

from __future__ import annotations

import datetime as dt
import io

from crm.exports import formula_safe
from crm.models import Street

from . import selectors
from .models import Indicator


def _n(value, places=1):
    return None if value is None else float(selectors.rounded(value, places))


def meeting_report(street: Street, month: dt.date | None) -> tuple[bytes, int]:
    """(xlsx bytes, rows written). A street without figures gets a workbook that says so."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    wb.remove(wb.active)
    written = 0
    if month is None:
        ws = wb.create_sheet("经济运行调度")
        ws.append([f"{street.name}经济运行调度表"])
        ws.append(["暂无月度数据：请统计员导入统计局月报。"])
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue(), 0
    period = f"{month.year}年1—{month.month}月"
    bold = Font(bold=True)
    for indicator, label in Indicator.choices:
        total = selectors.totals(month, indicator, street.id)
        if not total.firms:
            continue
        ws = wb.create_sheet(str(label)[:31])
        ws.append([f"{street.name}{period}经济运行调度表 — {label}"])
        ws["A1"].font = Font(bold=True, size=14)
        ws.append(["单位：万元、%、百分点"])
        position = selectors.street_position(month, indicator, street.id)
        ws.append(["一、总体情况"])
        ws.append(["企业数", "本年累计", "上年同期累计", "同比增长(%)", "占全区比重(%)", "全区排名"])
        ws.append([total.firms, float(total.ytd), float(total.ytd_last_year), _n(total.growth),
                   _n(position.share_pct) if position else None, position.rank if position else None])
        pull, drag = selectors.pull_drag(month, indicator, street.id, 10, total)
        for title, rows in (("二、拉动增长前十", pull), ("三、拖累增长前十", drag),
                            (f"四、累计降幅超{selectors.rounded(selectors.drop_share() * 100, 0)}%企业",
                             selectors.big_drops(month, indicator, street.id))):
            ws.append([])
            ws.append([title])
            ws.append(["序号", "统一社会信用代码", "单位名称", "本年累计", "上年同期累计", "增量", "拉动(百分点)",
                       "贡献率(%)", "挂点人员"])
            for i, r in enumerate(rows, start=1):
                written += 1
                ws.append([i, r.code, formula_safe(r.name), float(r.ytd), float(r.ytd_last_year),
                           float(r.increment), _n(r.pull_pts, 2), _n(r.contribution_pct, 1),
                           formula_safe(r.officer or "")])
        ws.append([])
        ws.append(["五、本月零报、未报企业"])
        ws.append(["类别", "统一社会信用代码", "单位名称", "挂点人员"])
        for r in selectors.zero_reports(month, indicator, street.id):
            ws.append(["零报", r.code, formula_safe(r.name), formula_safe(r.officer or "")])
        for r in selectors.not_reported(month, indicator, street.id):
            ws.append(["未报", r["code"], formula_safe(r["name"]), formula_safe(r["officer"] or "")])
        ws.append([])
        ws.append(["六、分社区情况"])
        ws.append(["社区", "企业数", "本年累计", "上年同期累计", "同比增长(%)"])
        for r in selectors.by_group(month, indicator, street.id, "community"):
            ws.append([formula_safe(r["name"]), r["firms"], float(r["ytd"]), float(r["ytd_last_year"]),
                       _n(r["growth"])])
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value[:2] in ("一、", "二、", "三、", "四、", "五、", "六、"):
                    cell.font = bold
        ws.column_dimensions["B"].width = 22
        ws.column_dimensions["C"].width = 36
        ws["A1"].alignment = Alignment(horizontal="left")
    ws = wb.create_sheet("退库预警")
    ws.append([f"{street.name}{month.year}年四上企业退库预警与新纳统"])
    ws.append(["类别", "统一社会信用代码", "单位名称", "挂点人员"])
    for r in selectors.withdrawn(month.year, street.id):
        ws.append(["已退库", r["code"], formula_safe(r["name"]), formula_safe(r["officer"] or "")])
    for indicator, _label in Indicator.choices:
        for r in selectors.at_risk(month, indicator, street.id):
            ws.append(["退库风险", r["code"], formula_safe(r["name"]), formula_safe(r["officer"] or "")])
    for r in selectors.new_entrants(month.year, street.id):
        ws.append(["新纳统", r["code"], formula_safe(r["name"]), formula_safe(r["officer"] or "")])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), written
