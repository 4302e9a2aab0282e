"""Excel export of target progress, laid out the way streets report to the district (挂图作战 进度表)."""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from crm.exports import formula_safe as safe
from pipelines import selectors
from pipelines.models import ScopeKind
from pipelines.services.rollup import Period

HEADERS = ["序号", "指标", "单位", "责任对象", "年度目标", "累计完成", "完成率", "时序进度", "进度状态", "本期完成", "备注"]
def targets_workbook(user, street, year: int, period: Period | None, today: dt.date | None = None) -> bytes:
    today = today or timezone.localdate()
    as_of = min(period.end, today) if period else min(dt.date(year, 12, 31), today)
    rows = selectors.targets_for(user, year, street.pk)
    progress = [selectors.progress(t, as_of) for t in rows]
    order = {ScopeKind.STREET: 0, ScopeKind.TEAM: 1, ScopeKind.OFFICER: 2}
    progress.sort(key=lambda p: (order[p.target.scope_kind], str(p.target.scope_label), p.label))

    wb = Workbook()
    ws = wb.active
    ws.title = f"{year}年目标进度"
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    ws.cell(1, 1, safe(f"{street.name}{year}年招商引资及经济发展目标任务完成情况表"))
    ws.cell(1, 1).font = Font(size=16, bold=True)
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    ws.cell(2, 1, "填报单位：")
    ws.cell(2, 2, safe(street.name))
    ws.cell(2, 4, "统计周期：")
    ws.cell(2, 5, period.label if period else f"{year}年1月1日至{as_of:%Y年%m月%d日}")
    ws.cell(2, 7, "数据截至：")
    ws.cell(2, 8, as_of.strftime("%Y-%m-%d"))
    ws.cell(2, 10, "导出时间：")
    ws.cell(2, 11, timezone.localtime().strftime("%Y-%m-%d %H:%M"))
    for col, head in enumerate(HEADERS, start=1):
        cell = ws.cell(4, col, head)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.border = border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)

    fills = {"behind": "FCE4D6", "done": "E2EFDA", "ahead": "E2EFDA"}
    for i, p in enumerate(progress, start=1):
        in_period = ""
        if period and not p.manual:
            snap = p.target.snapshots.filter(period_kind=period.kind, period_start=period.start).first()
            if snap is not None:
                in_period = float(snap.effective_value)
        note = "手工填报" if p.manual else ""
        if p.target.note:
            note = f"{note} {p.target.note}".strip()
        values = [i, str(p.label), str(p.unit), str(p.target.scope_label), float(p.target.target_value),
                  float(p.actual), (p.percent or 0) / 100, p.elapsed / 100, p.status_label, in_period, note]
        for col, value in enumerate(values, start=1):
            cell = ws.cell(4 + i, col, safe(value))
            cell.border = border
            if col in (7, 8):
                cell.number_format = "0.0%"
            elif col in (5, 6, 10):
                cell.number_format = "#,##0.##"
        if p.status in fills:
            ws.cell(4 + i, 9).fill = PatternFill("solid", fgColor=fills[p.status])
    last = 4 + len(progress) + 2
    ws.cell(last, 1, "说明：完成值由系统按项目阶段日期、企业分类及活动记录自动计算；标注“手工填报”的指标无系统数据。"
                     "时序进度=本年已过天数/全年天数。")
    for col, width in zip("ABCDEFGHIJK", (6, 28, 8, 24, 10, 10, 9, 9, 10, 10, 24)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A5"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
