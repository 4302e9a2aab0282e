"""Excel export of a filtered enterprise list (django-import-export), formula-safe and with personal data masked.

Besides the firm's own fields it carries the columns a list is filtered on: the classification (of the filtered
kind and year, else the ones that hold today), the active liaisons and the last visit. Columns are sized for
Chinese text (crm.exports.display_width) and the header row is frozen.
"""

from __future__ import annotations

import io

from django.db.models import OuterRef, Prefetch, Subquery
from django.utils import timezone
from import_export import fields, resources
from openpyxl import Workbook
from openpyxl.styles import Font

from crm.exports import column_widths, formula_safe
from enterprises.masking import email_for, phone_for
from enterprises.models import Classification, Enterprise, LiaisonAssignment, Visit

MAX_EXPORT_ROWS = 20_000


class EnterpriseResource(resources.ModelResource):
    uscc = fields.Field(attribute="uscc", column_name="统一社会信用代码")
    name = fields.Field(attribute="name", column_name="企业名称")
    street = fields.Field(attribute="street__name", column_name="街道")
    community = fields.Field(attribute="community__name", column_name="社区")
    park = fields.Field(attribute="park__name", column_name="园区/楼宇")
    industry = fields.Field(column_name="国民经济行业")
    status = fields.Field(column_name="经营状态")
    address = fields.Field(attribute="address", column_name="地址")
    legal_representative = fields.Field(attribute="legal_representative", column_name="法定代表人")
    contact_name = fields.Field(column_name="联系人")
    contact_phone = fields.Field(column_name="联系电话")
    contact_email = fields.Field(column_name="邮箱")
    classification = fields.Field(column_name="分类")
    liaisons = fields.Field(column_name="挂点人员")
    last_visit = fields.Field(attribute="last_visit", column_name="最近走访")

    class Meta:
        model = Enterprise
        fields = export_order = ("uscc", "name", "street", "community", "park", "industry", "status", "address",
                                 "legal_representative", "contact_name", "contact_phone", "contact_email",
                                 "classification", "liaisons", "last_visit")

    def __init__(self, user, classification_header: str = "当前分类", **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self.fields["classification"].column_name = classification_header

    def _primary(self, obj):
        contacts = list(obj.contacts.all())
        return contacts[0] if contacts else None

    def dehydrate_industry(self, obj):
        return str(obj.industry) if obj.industry_id else ""

    def dehydrate_status(self, obj):
        return obj.get_status_display()

    def dehydrate_contact_name(self, obj):
        c = self._primary(obj)
        return c.name if c else ""

    def dehydrate_contact_phone(self, obj):
        c = self._primary(obj)
        return phone_for(self.user, c.phone) if c else ""

    def dehydrate_contact_email(self, obj):
        c = self._primary(obj)
        return email_for(self.user, c.email) if c else ""

    def dehydrate_classification(self, obj):
        return "；".join(
            (f"{fact.get_kind_display()}·{fact.category_label}" if fact.category else str(fact.get_kind_display()))
            + (f"（{fact.year}）" if fact.year else "")
            for fact in getattr(obj, "export_facts", [])
        )

    def dehydrate_liaisons(self, obj):
        return "、".join(f"{a.officer.display_name}（{a.get_team_role_display()}）"
                        for a in getattr(obj, "export_liaisons", []))

    def dehydrate_last_visit(self, obj):
        day = getattr(obj, "last_visit", None)
        return day.isoformat() if day else "从未走访"

    def export_field(self, field, instance, **kwargs):
        return formula_safe(super().export_field(field, instance, **kwargs))


def _facts_for(kind: str = "", year: int | None = None, category: str = ""):
    """The classifications the export shows: of the filtered kind (and year), else those holding today."""
    if kind and year:
        facts = Classification.objects.in_year(year).filter(kind=kind)
    else:
        facts = Classification.objects.current(timezone.localdate())
        if kind:
            facts = facts.filter(kind=kind)
    if kind and category:
        facts = facts.filter(category=category)
    return facts.order_by("kind", "-year")


def classification_header(kind: str = "", year: int | None = None) -> str:
    if not kind:
        return "当前分类"
    label = Classification.Kind(kind).label
    return f"{label}（{year}年）" if year else f"{label}（当前）"


def export_xlsx(user, queryset, *, kind: str = "", year: int | None = None, category: str = "") -> bytes:
    today = timezone.localdate()
    last_visit = Visit.objects.filter(enterprise=OuterRef("pk")).order_by("-date").values("date")[:1]
    qs = (
        queryset.select_related("street", "community", "park", "industry")
        .annotate(last_visit=Subquery(last_visit))
        .prefetch_related(
            "contacts",
            Prefetch("classifications", queryset=_facts_for(kind, year, category), to_attr="export_facts"),
            Prefetch("liaisons", queryset=LiaisonAssignment.objects.active_on(today).select_related("officer")
                     .order_by("team_role", "start_date"), to_attr="export_liaisons"),
        )
        .order_by("name", "pk")[:MAX_EXPORT_ROWS]
    )
    dataset = EnterpriseResource(user, classification_header=classification_header(kind, year)).export(queryset=qs)
    wb = Workbook()
    ws = wb.active
    ws.title = f"企业名单{today:%Y%m%d}"
    ws.append(list(dataset.headers))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in dataset:
        ws.append(list(row))
    for letter, width in column_widths([dataset.headers, *dataset]).items():
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
