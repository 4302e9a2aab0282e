"""Excel exports. Cells that a spreadsheet would read as a formula (= + - @) are written as text."""

from __future__ import annotations

from io import BytesIO

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook

from crm.exports import formula_safe as safe

MAX_ROWS = 50_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _response(workbook: Workbook, name: str) -> HttpResponse:
    buffer = BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate():%Y%m%d}.xlsx"'
    return response


def appeals_xlsx(qs) -> HttpResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("诉求")
    sheet.append(["编号", "受理时间", "企业", "类别", "紧急程度", "标题", "状态", "责任专员", "主办部门", "响应结果",
                  "办结结果", "满意度", "挂单督办"])
    rows = qs.select_related("enterprise", "category", "officer", "lead_department").order_by("-received_at")
    for a in rows[:MAX_ROWS]:
        sheet.append([safe(v) for v in (
            a.pk, timezone.localtime(a.received_at).strftime("%Y-%m-%d %H:%M"), a.enterprise.name, a.category.name,
            a.get_urgency_display(), a.title, a.get_status_display(), str(a.officer),
            str(a.lead_department or ""), a.response_outcome, a.resolution_outcome, a.get_satisfaction_display(),
            "是" if a.escalated else "")])
    return _response(workbook, "appeals")


def dashboard_xlsx(data: dict) -> HttpResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("总体")
    sheet.append(["期间", f"{data['start']} 至 {data['end']}"])
    for rate in data["rates"]:
        sheet.append([rate["label"], rate["value"], rate["num"], rate["den"], safe(rate["formula"])])
    for key, value in data["live"].items():
        sheet.append([{"overdue": "当前超时", "due_today": "今日到期", "escalated": "挂单督办"}[key], value])
    breakdown = data["breakdown"]
    sheet = workbook.create_sheet(f"按{breakdown['label']}")
    sheet.append([breakdown["label"], "诉求数"] + [r["label"] for r in data["rates"]])
    for row in breakdown["rows"]:
        sheet.append([safe(row["name"]), row["total"]] + [r["value"] for r in row["rates"]])
    for key, label in (("month", "按月趋势"), ("week", "按周趋势")):
        sheet = workbook.create_sheet(label)
        sheet.append(["期间", "诉求数", "响应率", "按时办结率", "满意率"])
        for s in data["trends"][key]:
            sheet.append([s["period"], s["total"], s["response_rate"], s["resolution_rate"], s["satisfaction_rate"]])
    return _response(workbook, "sla-dashboard")
