"""Read queries for the import pages and for other apps (the enterprise page shows an import's changes)."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import ImportBatch, ImportChange, ImportIssue

FIELD_LABELS = {
    "name": "企业名称", "industry_id": "行业", "street_id": "街道", "community_id": "社区", "address": "地址",
    "legal_representative": "法定代表人", "revenue": "营业收入（万元）", "output_value": "工业总产值（万元）",
    "employees": "从业人员", "tax": "纳税额（万元）", "category": "类别/级别", "kind": "分类", "valid_from": "起始日期",
    "valid_to": "终止日期", "certificate_no": "证书编号", "exchange": "交易所", "stock_code": "股票代码", "year": "年度",
}


def batches_for(user) -> QuerySet[ImportBatch]:
    return ImportBatch.objects.visible_to(user).select_related("created_by", "street")


def batch_for(user, pk: int) -> ImportBatch:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(batches_for(user), pk=pk)


def issues_of(batch: ImportBatch, severity: str | None = None, limit: int = 500) -> list[ImportIssue]:
    qs = batch.issues.all()
    if severity:
        qs = qs.filter(severity=severity)
    return list(qs.order_by("row", "id")[:limit])


def changes_of(batch: ImportBatch, limit: int = 500) -> list[ImportChange]:
    return list(batch.changes.select_related("enterprise").order_by("id")[:limit])


def changes_for_enterprise(enterprise, limit: int = 50) -> list[ImportChange]:
    """Recent import changes of one firm, newest first, with their batch (file name, who, when)."""
    return list(
        ImportChange.objects.filter(enterprise=enterprise).select_related("batch", "batch__created_by")
        .order_by("-id")[:limit]
    )


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name)


def home_card(user) -> dict | None:
    """Home page card for importing/viewing roles: the latest import of the user's scope."""
    from django.urls import reverse

    from crm.permissions import user_has_role

    from .services import VIEW_ROLES

    if not user_has_role(user, VIEW_ROLES):
        return None
    from django.utils.translation import gettext as _

    latest = batches_for(user).order_by("-id").first()
    if latest is None:
        return {"title": _("名录导入"), "value": "—", "url": reverse("namelists:index"), "hint": _("尚无导入记录")}
    counts = latest.counts or {}
    return {
        "title": _("最近名录导入"), "value": latest.get_status_display(),
        "url": reverse("namelists:detail", args=[latest.pk]),
        "hint": _("%(file)s · 新建 %(created)s · 更新 %(updated)s · 拒绝 %(errors)s") % {
            "file": latest.file_name[:20], "created": counts.get("created", 0), "updated": counts.get("updated", 0),
            "errors": counts.get("errors", 0)},
    }
