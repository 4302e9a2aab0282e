"""A department's approvals or payments list, imported by USCC.

The file is read by the name-list pipeline's reader (`namelists.reader.read_file`: format sniffing, limits,
merged cells) and its header normalisation (`namelists.headers`); the columns of this list (amount, date,
result, reason) are matched here. Upload → preview (each row's action or error, nothing written) → commit (one
transaction) → history (the batch keeps its rows and counts).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from enterprises import uscc as U
from enterprises.models import Enterprise
from namelists.headers import HEADER_SCAN_ROWS, match_field, normalise_header
from namelists.reader import FileRejected, read_file
from policies.models import Delivery, DeliveryStep, PaymentImport, Policy, Stage
from policies.permissions import require

COLUMNS = {
    "amount": ("兑现金额", "拨付金额", "补贴金额", "奖励金额", "扶持金额", "核定金额", "资助金额", "金额", "减免金额"),
    "on": ("兑现日期", "拨付日期", "发放日期", "获批日期", "批准日期", "审批日期", "日期", "时间"),
    "result": ("审批结果", "评审结果", "结果", "是否获批", "是否通过"),
    "reason": ("未获批原因", "未通过原因", "原因", "备注", "说明"),
}
REJECTED_WORDS = ("未获批", "不通过", "未通过", "否", "不予", "驳回", "不符合")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
MAX_PREVIEW_ROWS = 5000


def _column(header) -> str | None:
    if not isinstance(header, str):
        return None
    field = match_field(header)
    if field in ("uscc", "name"):
        return field
    norm = normalise_header(header)
    for key, names in COLUMNS.items():
        if norm in names:
            return key
    for key, names in COLUMNS.items():
        if any(n in norm for n in names if len(n) > 2):
            return key
    return None


def detect(rows: list) -> tuple[int, dict[int, str]]:
    for r, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        mapping: dict[int, str] = {}
        for c, value in enumerate(row):
            key = _column(value)
            if key and key not in mapping.values():
                mapping[c] = key
        if "uscc" in mapping.values():
            return r, mapping
    raise FileRejected("未找到表头：前 30 行中没有“统一社会信用代码”列")


def _date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    match = _DATE.match(text)
    if not match:
        raise ValueError(text)
    return dt.date(*map(int, match.groups()))


def _amount(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", "").replace("万元", "").replace("万", ""))
    except InvalidOperation:
        raise ValueError(value) from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        raise ValueError(value)
    return amount.quantize(Decimal("0.01"))


def preview(policy: Policy, *, actor, kind: str, upload) -> PaymentImport:
    """Read the file, check every row, store the preview. Nothing but the batch is written."""
    require(actor, "import")
    if kind not in PaymentImport.Kind.values:
        raise ValidationError("未知的名单类型")
    name = (upload.name or "名单.xlsx").rsplit("/", 1)[-1][:200]
    batch = PaymentImport(policy=policy, kind=kind, file_name=name, created_by=actor,
                          street=None if actor.street_id is None else actor.street)
    data = upload.read()
    try:
        sheets = read_file(data, name)
        sheet = next((s for s in sheets if s.rows), None)
        if sheet is None:
            raise FileRejected("文件中没有数据")
        header_row, mapping = detect(sheet.rows)
    except FileRejected as exc:
        batch.status, batch.error = PaymentImport.Status.REJECTED, str(exc)[:300]
        batch.save()
        return batch
    from django.core.files.base import ContentFile

    batch.file.save(name, ContentFile(data), save=False)
    batch.rows = _check_rows(policy, actor, kind, sheet.rows, header_row, mapping)
    batch.ok_rows = sum(1 for r in batch.rows if not r.get("error"))
    batch.error_rows = len(batch.rows) - batch.ok_rows
    batch.save()
    return batch


def _check_rows(policy, actor, kind, rows, header_row, mapping) -> list[dict]:
    col = {field: index for index, field in mapping.items()}
    parsed = []
    for number, row in enumerate(rows[header_row + 1:], start=header_row + 2):
        cell = lambda field: row[col[field]] if field in col and col[field] < len(row) else None  # noqa: E731
        if all(v in (None, "") for v in row):
            continue
        if len(parsed) >= MAX_PREVIEW_ROWS:
            parsed.append({"row": number, "error": f"行数超过 {MAX_PREVIEW_ROWS} 行，其余未读取"})
            break
        item = {"row": number, "uscc": "", "name": str(cell("name") or "").strip()[:100], "error": ""}
        try:
            item["uscc"] = U.validate(cell("uscc")).code
        except U.USCCError as exc:
            item["uscc"], item["error"] = str(cell("uscc") or "")[:30], f"统一社会信用代码无效：{exc}"
            parsed.append(item)
            continue
        try:
            amount = _amount(cell("amount"))
        except ValueError:
            item["error"] = f"金额无法识别：{cell('amount')}"
            parsed.append(item)
            continue
        try:
            on = _date(cell("on"))
        except (ValueError, TypeError):
            item["error"] = f"日期无法识别：{cell('on')}（应为 2026-05-01 或 2026年5月1日）"
            parsed.append(item)
            continue
        if on and on > timezone.localdate():
            item["error"] = f"日期晚于今天：{on}"
            parsed.append(item)
            continue
        result = str(cell("result") or "").strip()
        rejected = kind == PaymentImport.Kind.APPROVALS and any(w in result for w in REJECTED_WORDS)
        if kind == PaymentImport.Kind.PAYMENTS and amount is None:
            item["error"] = "兑现名单缺少金额"
        item.update(amount=None if amount is None else str(amount), on=(on or timezone.localdate()).isoformat(),
                    rejected=rejected, reason=str(cell("reason") or "").strip()[:200])
        parsed.append(item)
    codes = {r["uscc"] for r in parsed if not r.get("error") and r.get("uscc")}
    firms = dict(Enterprise.objects.visible_to(actor).filter(uscc__in=codes).values_list("uscc", "name"))
    seen: set[str] = set()
    for item in parsed:
        if item.get("error"):
            continue
        if item["uscc"] not in firms:
            item["error"] = "企业库中（您的范围内）没有该企业"
        elif item["uscc"] in seen:
            item["error"] = "与前面的行重复"
        else:
            seen.add(item["uscc"])
            item["firm"] = firms[item["uscc"]]
            if kind == PaymentImport.Kind.PAYMENTS:
                item["action"] = f"已兑现 {item['amount']} 万元"
            elif item["rejected"]:
                item["action"] = "未获批" + (f"（{item['reason']}）" if item["reason"] else "")
            else:
                item["action"] = "获批" + (f" {item['amount']} 万元" if item["amount"] else "")
    return parsed


@transaction.atomic
def commit(batch: PaymentImport, *, actor) -> int:
    """Apply the previewed rows: each firm's delivery (created for a firm that was not matched) moves to 获批 /
    未获批 / 已兑现 with the amount and date, and a step records the import. Returns the rows applied."""
    require(actor, "import")
    batch = PaymentImport.objects.select_for_update().get(pk=batch.pk)
    if batch.status != PaymentImport.Status.PREVIEW:
        raise ValidationError("该名单已导入或无法使用，不能再次导入")
    rows = [r for r in batch.rows if not r.get("error")]
    firms = dict(Enterprise.objects.visible_to(actor).filter(uscc__in=[r["uscc"] for r in rows])
                 .values_list("uscc", "pk"))
    existing = {d.enterprise_id: d for d in Delivery.objects.select_for_update()
                .filter(policy=batch.policy, enterprise_id__in=firms.values())}
    missing = [Delivery(policy=batch.policy, enterprise_id=pk, matched=False) for pk in firms.values()
               if pk not in existing]
    for d in Delivery.objects.bulk_create(missing):
        existing[d.enterprise_id] = d
    steps, applied = [], 0
    for row in rows:
        delivery = existing.get(firms.get(row["uscc"]))
        if delivery is None:
            continue
        on = dt.date.fromisoformat(row["on"])
        amount = Decimal(row["amount"]) if row.get("amount") else None
        if batch.kind == PaymentImport.Kind.PAYMENTS:
            stage = Stage.PAID
            delivery.paid_amount, delivery.paid_on = amount, on
            delivery.approved = True
            delivery.decided_on = delivery.decided_on or on
        elif row.get("rejected"):
            stage = Stage.REJECTED
            delivery.approved, delivery.decided_on, delivery.reject_reason = False, on, row.get("reason", "")[:200]
        else:
            stage = Stage.APPROVED
            delivery.approved, delivery.decided_on = True, on
            delivery.approved_amount = amount if amount is not None else delivery.approved_amount
        if delivery.stage != Stage.PAID or stage == Stage.PAID:
            delivery.stage = stage
        steps.append(DeliveryStep(delivery=delivery, stage=stage, on=on, amount=amount, note=row.get("reason", "")[:300],
                                  source=f"import:{batch.pk}", actor=actor))
        applied += 1
    Delivery.objects.bulk_update(list(existing.values()), ["paid_amount", "paid_on", "approved", "decided_on",
                                                           "reject_reason", "approved_amount", "stage"])
    DeliveryStep.objects.bulk_create(steps)
    batch.status, batch.committed_at = PaymentImport.Status.COMMITTED, timezone.now()
    batch.save(update_fields=["status", "committed_at"])
    return applied
