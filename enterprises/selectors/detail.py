"""The enterprise 360° page: what the firm is and was, its people, visits, change history, and the sections
other apps register in crm.registry (appeals, projects)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import Q

from crm.registry import registry
from enterprises.models import AnnualFigure, Classification, Enterprise, LiaisonAssignment
from enterprises.selectors.common import today

if TYPE_CHECKING:
    from crm.models import User


def profile_in_year(enterprise: Enterprise, year: int) -> dict[str, Any]:
    """What was this firm in `year`: its classifications, figures and liaisons of that year."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return {
        "year": year,
        "classifications": list(Classification.objects.in_year(year).filter(enterprise=enterprise)),
        "figures": AnnualFigure.objects.filter(enterprise=enterprise, year=year).first(),
        "liaisons": list(
            LiaisonAssignment.objects.filter(enterprise=enterprise, start_date__lte=end)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=start)).select_related("officer")
        ),
    }


def enterprise_detail(enterprise: Enterprise, user: User) -> dict[str, Any]:
    on = today()
    classifications = list(enterprise.classifications.all())
    liaisons = list(enterprise.liaisons.select_related("officer").order_by("end_date", "team_role", "-start_date"))
    return {
        "classifications": classifications,
        "current_classifications": [c for c in classifications if c.holds_on(on)],
        "figures": list(enterprise.figures.order_by("-year")),
        "active_liaisons": [a for a in liaisons if a.is_active_on(on)],
        "past_liaisons": [a for a in liaisons if not a.is_active_on(on)],
        "visits": list(
            enterprise.visits.prefetch_related("officers", "problems", "attachments").select_related("campaign")[:30]
        ),
        "contacts": list(enterprise.contacts.all()),
        # Appeals, projects, …: each app registers its section in crm.registry from AppConfig.ready().
        "sections": registry.enterprise_sections_for(enterprise, user),
        # The change history (change_history) is read when the user opens its section: six queries and a diff of
        # up to 200 history rows per source that most views of the page never look at.
    }


def change_history(enterprise: Enterprise, limit: int = 50) -> list[dict[str, Any]]:
    """Who changed what and when: the firm itself, its contacts, classifications, figures and liaisons.

    Each source's recent records are diffed against the previous record of the same row in memory (simple_history's
    `prev_record` would cost one query per entry)."""
    entries: list[dict[str, Any]] = []
    sources = [
        (enterprise.history.all(), "企业信息"),
        (Classification.history.filter(enterprise_id=enterprise.pk), "分类"),
        (AnnualFigure.history.filter(enterprise_id=enterprise.pk), "年度数据"),
        (LiaisonAssignment.history.filter(enterprise_id=enterprise.pk), "挂点"),
        (enterprise.contacts.model.history.filter(enterprise_id=enterprise.pk), "联系人"),
    ]
    for qs, label in sources:
        related = ["history_user"] + [f.name for f in qs.model.instance_type._meta.concrete_fields
                                      if f.is_relation and f.name != "enterprise" and f.name in _NAMED_RELATIONS]
        records = list(qs.select_related(*related).order_by("-history_date", "-history_id")[: limit * 4])
        previous: dict[int, Any] = {}
        for record in reversed(records):  # oldest first, so each record meets its predecessor
            changes = []
            prev = previous.get(record.id)
            if record.history_type == "~" and prev is not None:
                delta = record.diff_against(prev)
                changes = [
                    {"field": str(record.instance_type._meta.get_field(c.field).verbose_name),
                     "old": c.old, "new": c.new}
                    for c in delta.changes
                ]
            previous[record.id] = record
            if record.history_type == "~" and prev is not None and not changes:
                continue  # a save that changed nothing visible
            entries.append({
                "when": record.history_date, "who": record.history_user, "what": label,
                "type": {"+": "新增", "~": "修改", "-": "删除"}[record.history_type],
                "object": _record_text(record, enterprise),
                "changes": changes,
            })
    # Other apps' audit of the firm (name-list imports write in bulk SQL, bypassing simple_history).
    entries.extend(registry.enterprise_history_for(enterprise, limit))
    entries.sort(key=lambda e: e["when"], reverse=True)
    return entries[:limit]




# Relations a history row's text names (LiaisonAssignment's str names its officer): loaded with the rows.
_NAMED_RELATIONS = ("officer",)


def _record_text(record, enterprise: Enterprise) -> str:
    """What a history row was, as its model's str() says it, without a query per row: simple_history's own str()
    ("… as of <date>", in English) rebuilds the instance, reads the fields the history leaves out from the live row
    (one query each) and follows its foreign keys (one more each). Here the instance is built from the history row
    alone, its firm is the page's firm and the other relations it names were loaded with the rows."""
    model = record.instance_type
    fields = model._meta.concrete_fields
    instance = model(**{f.attname: getattr(record, f.attname) for f in fields if hasattr(record, f.attname)})
    for f in fields:
        if not f.is_relation:
            continue
        if f.related_model is Enterprise and getattr(instance, f.attname) == enterprise.pk:
            setattr(instance, f.name, enterprise)
        elif f.name in record._state.fields_cache:
            setattr(instance, f.name, record._state.fields_cache[f.name])
    return str(instance)
