"""Read queries for the import pages and for other apps (the enterprise page shows an import's changes)."""

from __future__ import annotations

from django.db.models import QuerySet

from django.shortcuts import get_object_or_404
from django.urls import reverse

from crm.permissions import user_has_role

from .models import ImportBatch, ImportChange, ImportIssue, field_label, target_label

__all__ = ["batch_for", "batches_for", "changes_for_enterprise", "changes_of", "field_label", "home_card",
           "issues_of", "preview_changes", "street_moves_for", "target_label"]

def batches_for(user) -> QuerySet[ImportBatch]:
    """The user's street's batches (every street's for district-wide users), of the kinds the user's role reads:
    an officer who imports the park ledger sees those batches, not the statistics bureau's lists."""
    from .kinds import viewable_kinds

    return (ImportBatch.objects.visible_to(user).filter(list_kind__in=viewable_kinds(user))
            .select_related("created_by", "street"))


def batch_for(user, pk: int) -> ImportBatch:
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


def preview_changes(batch: ImportBatch) -> list[dict]:
    """The preview's sample of firms to update, with targets and fields as the office reads them."""
    return [{**u, "changes": [[target_label(target), field_label(name), before, after]
                              for target, name, before, after in u.get("changes", [])]}
            for u in (batch.preview or {}).get("updated", [])]


def street_moves_for(user, limit: int = 20) -> list[ImportChange]:
    """Firms a district-level import moved into or out of the user's street (all streets for district-wide users),
    newest first: each street keeps the move in its history, also after the firm has left it."""
    return list(ImportChange.objects.visible_to(user).filter(former_street__isnull=False)
                .select_related("enterprise", "batch", "batch__created_by", "former_street").order_by("-id")[:limit])


def home_card(user) -> dict | None:
    """Home page card for importing/viewing roles: the latest import of the user's scope."""
    from .services import VIEW_ROLES  # services imports this module's neighbours: read at call time

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


def enterprise_history(enterprise, limit: int) -> list[dict]:
    """The firm's 360° timeline entries from name-list imports (registered in crm.registry): one entry per batch,
    naming the file, with the fields it changed. Imports write in bulk SQL, so their change rows are the audit."""
    by_batch: dict[int, dict] = {}
    for change in changes_for_enterprise(enterprise, limit=limit * 4):
        batch = change.batch
        entry = by_batch.setdefault(batch.pk, {
            "when": change.created_at, "who": batch.created_by, "what": "名录导入",
            "type": "", "object": f"{batch.file_name}（批次 #{batch.pk}）", "changes": [],
        })
        if change.field:
            entry["changes"].append({"field": field_label(change.field), "old": change.before, "new": change.after})
        elif change.action == "created":
            entry["type"] = "新增"
        elif change.action == "closed":
            entry["changes"].append({"field": target_label(change.target), "old": change.before or "有效",
                                     "new": "已关闭"})
    return list(by_batch.values())
