"""A department's approvals or payments list, imported by USCC.

List kind "policy_outcomes" of the import pipeline (namelists: upload → background preview → per-row errors and
the error report → atomic commit → history and audit; `import_namelist --list policy_outcomes --policy ID
--outcome approvals|payments`). The columns of this list (amount, date, result, reason) are matched here, the code
and name by the name-list synonyms. `PaymentImport` keeps the lists imported before the pipeline (read-only).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.db.models import QuerySet
from django.utils import timezone

from enterprises import uscc as U
from enterprises.models import Enterprise
from namelists.errors import ImportRefused
from namelists.headers import HEADER_SCAN_ROWS, match_field, normalise_header
from namelists.kinds import PREVIEW_SAMPLES, KindAnalysis, KindImport, KindSpec, register
from namelists.reader import FileRejected
from policies.models import Delivery, DeliveryStep, PaymentImport, Policy, Stage

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


def _firms_for(batch) -> QuerySet:
    """The firms a list may name: those its importer sees (the street's for a street user); the command line's
    batch (no user) is held to its --street."""
    if batch.created_by_id is not None:
        return Enterprise.objects.visible_to(batch.created_by)
    return Enterprise.objects.filter(street_id=batch.street_id) if batch.street_id else Enterprise.objects.all()


def _check_rows(kind, rows, header_row, mapping, firms_qs) -> list[dict]:
    col = {field: index for index, field in mapping.items()}
    parsed = []
    for number, row in enumerate(rows[header_row + 1:], start=header_row + 2):
        cell = lambda field: row[col[field]] if field in col and col[field] < len(row) else None  # noqa: E731
        if all(v in (None, "") for v in row):
            continue
        if len(parsed) >= MAX_PREVIEW_ROWS:
            raise FileRejected(f"行数超过 {MAX_PREVIEW_ROWS} 行，请分开导入")
        item = {"row": number, "uscc": "", "name": str(cell("name") or "").strip()[:100], "error": "",
                "column": "", "value": "", "cells": list(row)}

        def error(field, reason):
            item.update(error=reason, column=field, value=cell(field))
            parsed.append(item)

        try:
            item["uscc"] = U.validate(cell("uscc")).code
        except U.USCCError as exc:
            item["uscc"] = str(cell("uscc") or "")[:30]
            error("uscc", f"统一社会信用代码无效：{exc}")
            continue
        try:
            amount = _amount(cell("amount"))
        except ValueError:
            error("amount", f"金额无法识别：{cell('amount')}")
            continue
        try:
            on = _date(cell("on"))
        except (ValueError, TypeError):
            error("on", f"日期无法识别：{cell('on')}（应为 2026-05-01 或 2026年5月1日）")
            continue
        if on and on > timezone.localdate():
            error("on", f"日期晚于今天：{on}")
            continue
        result = str(cell("result") or "").strip()
        rejected = kind == PaymentImport.Kind.APPROVALS and any(w in result for w in REJECTED_WORDS)
        if kind == PaymentImport.Kind.PAYMENTS and amount is None:
            item.update(error="兑现名单缺少金额", column="amount", value="")
        item.update(amount=amount, on=on or timezone.localdate(), rejected=rejected,
                    reason=str(cell("reason") or "").strip()[:200])
        parsed.append(item)
    codes = {r["uscc"] for r in parsed if not r.get("error") and r.get("uscc")}
    firms = {code: (pk, name) for code, pk, name in firms_qs.filter(uscc__in=codes).values_list("uscc", "pk", "name")}
    seen: dict[str, int] = {}
    for item in parsed:
        if item.get("error"):
            continue
        if item["uscc"] not in firms:
            item.update(error="企业库中（您的范围内）没有该企业", column="uscc", value=item["uscc"])
        elif item["uscc"] in seen:
            item.update(error=f"与第 {seen[item['uscc']]} 行重复", column="uscc", value=item["uscc"])
        else:
            seen[item["uscc"]] = item["row"]
            item["firm_id"], item["firm"] = firms[item["uscc"]]
    return parsed


def _outcome(kind: str, row: dict) -> tuple[str, str]:
    """(stage, what the row does, as the preview says it)."""
    amount = row.get("amount")
    if kind == PaymentImport.Kind.PAYMENTS:
        return Stage.PAID, f"已兑现 {amount} 万元"
    if row.get("rejected"):
        return Stage.REJECTED, "未获批" + (f"（{row['reason']}）" if row.get("reason") else "")
    return Stage.APPROVED, "获批" + (f" {amount} 万元" if amount is not None else "")


class PolicyOutcomeImport(KindImport):
    """List kind "policy_outcomes": a department's approvals (获批名单) or payments (兑现名单) list of one policy.
    Rows with errors are listed and skipped; the others move each firm's delivery (created for a firm that was
    not matched) to 获批 / 未获批 / 已兑现 with the amount and date, and a step records the import."""

    kind = "policy_outcomes"

    def check(self, actor, batch_street, options: dict) -> dict:
        outcome = options.get("outcome")
        if outcome not in PaymentImport.Kind.values:
            raise ImportRefused("请选择名单类型（获批名单或兑现名单）")
        try:
            policy_id = int(options.get("policy"))
        except (TypeError, ValueError):
            raise ImportRefused("请选择政策") from None
        policies = Policy.objects.visible_to(actor) if actor is not None else Policy.objects.all()
        if not policies.filter(pk=policy_id).exists():
            raise ImportRefused("政策不存在或不在您的范围内")
        return {"policy": policy_id, "outcome": outcome}

    def describe(self, batch) -> str:
        options = batch.options or {}
        policy = Policy.objects.filter(pk=options.get("policy")).values_list("title", flat=True).first()
        return f"{policy or '（政策已删除）'} · {dict(PaymentImport.Kind.choices).get(options.get('outcome'), '')}"

    def analyse(self, batch, sheets, progress) -> KindAnalysis:
        options = batch.options or {}
        policy = Policy.objects.filter(pk=options.get("policy")).first()
        if policy is None:
            raise ImportRefused("政策不存在")
        kind = options.get("outcome")
        sheet = next((s for s in sheets if s.rows), None)
        if sheet is None:
            raise FileRejected("文件中没有数据")
        header_row, mapping = detect(sheet.rows)
        a = KindAnalysis(sheet_name=sheet.name, header_row=header_row, mapping=mapping,
                         headers=["" if v is None else str(v).strip() for v in sheet.rows[header_row]])
        progress(30, "校验数据")
        rows = _check_rows(kind, sheet.rows, header_row, mapping, _firms_for(batch))
        progress(60, "比对政策兑现")
        labels = {field: a.headers[c] for c, field in mapping.items()}
        good = [r for r in rows if not r["error"]]
        existing = dict(Delivery.objects.filter(policy=policy, enterprise_id__in=[r["firm_id"] for r in good])
                        .values_list("enterprise_id", "stage"))
        stages = dict(Stage.choices)
        target = f"policy:{policy.pk}"
        samples: dict[str, list] = {"created": [], "updated": []}
        created = updated = 0
        for row in rows:
            if row["error"]:
                a.problem(row["row"], labels.get(row["column"], row["column"]), row["value"], row["error"],
                          cells=row["cells"])
                continue
            stage, action = _outcome(kind, row)
            before = existing.get(row["firm_id"])
            a.changes.append(("created" if before is None else "updated", row["firm"], target, "阶段",
                              str(stages.get(before, "")), f"{stages[stage]}：{action}", row["row"], row["firm_id"]))
            if before is None:
                created += 1
                if len(samples["created"]) < PREVIEW_SAMPLES:
                    samples["created"].append({"row": row["row"], "code": row["uscc"],
                                               "name": f"{row['firm']}（未匹配）→ {action}"})
            else:
                updated += 1
                if len(samples["updated"]) < PREVIEW_SAMPLES:
                    samples["updated"].append({"row": row["row"], "code": row["uscc"], "name": row["firm"],
                                               "changes": [[target, "阶段", str(stages.get(before, "")), action]]})
        a.counts.update(rows=len(rows), created=created, updated=updated, unchanged=0)
        a.samples = samples
        a.data = (policy, kind, good)
        a.summary = (f"{policy.title}：{dict(PaymentImport.Kind.choices)[kind]} {len(good)} 行可导入，"
                     f"错误 {len(rows) - len(good)} 行（错误行不会导入）。")
        return a

    def apply(self, batch, analysis, progress) -> None:
        policy, kind, rows = analysis.data
        firms = [r["firm_id"] for r in rows]
        existing = {d.enterprise_id: d for d in Delivery.objects.select_for_update()
                    .filter(policy=policy, enterprise_id__in=firms)}
        missing = [Delivery(policy=policy, enterprise_id=pk, matched=False) for pk in firms if pk not in existing]
        for d in Delivery.objects.bulk_create(missing):
            existing[d.enterprise_id] = d
        steps = []
        for row in rows:
            delivery = existing[row["firm_id"]]
            on, amount = row["on"], row.get("amount")
            stage, _action = _outcome(kind, row)
            if kind == PaymentImport.Kind.PAYMENTS:
                delivery.paid_amount, delivery.paid_on = amount, on
                delivery.approved = True
                delivery.decided_on = delivery.decided_on or on
            elif row.get("rejected"):
                delivery.approved, delivery.decided_on, delivery.reject_reason = False, on, row.get("reason", "")[:200]
            else:
                delivery.approved, delivery.decided_on = True, on
                delivery.approved_amount = amount if amount is not None else delivery.approved_amount
            if delivery.stage != Stage.PAID or stage == Stage.PAID:
                delivery.stage = stage
            steps.append(DeliveryStep(delivery=delivery, stage=stage, on=on, amount=amount,
                                      note=row.get("reason", "")[:300], source=f"batch:{batch.pk}",
                                      actor=batch.created_by))
        Delivery.objects.bulk_update(list(existing.values()), ["paid_amount", "paid_on", "approved", "decided_on",
                                                               "reject_reason", "approved_amount", "stage"])
        DeliveryStep.objects.bulk_create(steps)


def _policy_fields(user) -> dict:
    from django import forms
    from django.utils.translation import gettext_lazy as _

    return {
        "policy": forms.ModelChoiceField(label=_("政策"), required=False, queryset=Policy.objects.visible_to(user),
                                         help_text=_("政策审批/兑现名单必选")),
        "outcome": forms.ChoiceField(label=_("名单类型"), required=False,
                                     choices=[("", "—"), *PaymentImport.Kind.choices],
                                     help_text=_("政策审批/兑现名单必选：获批名单或兑现名单")),
    }


def register_kind() -> None:
    from policies.permissions import IMPORT_ROLES, VIEW_ROLES

    register("policy_outcomes", KindSpec(
        import_roles=IMPORT_ROLES, view_roles=tuple(r for r in VIEW_ROLES if r in IMPORT_ROLES),
        columns=gettext_lazy("必需：统一社会信用代码；可选：企业名称、金额（万元，兑现名单必需）、日期、审批结果、未获批原因。"
                "须选择政策和名单类型（获批/兑现）；错误行不导入"),
        options=("policy", "outcome"), unit="政策兑现", fields=_policy_fields,
    ), PolicyOutcomeImport())
