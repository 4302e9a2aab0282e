"""Excel export of a filtered enterprise list (django-import-export), formula-safe and with personal data masked."""

from __future__ import annotations

import datetime as dt

from import_export import fields, resources

from crm.exports import formula_safe
from enterprises.masking import email_for, phone_for
from enterprises.models import Enterprise

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

    class Meta:
        model = Enterprise
        fields = export_order = ("uscc", "name", "street", "community", "park", "industry", "status", "address",
                        "legal_representative", "contact_name", "contact_phone", "contact_email")

    def __init__(self, user, **kwargs):
        super().__init__(**kwargs)
        self.user = user

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

    def export_field(self, field, instance, **kwargs):
        return formula_safe(super().export_field(field, instance, **kwargs))


def export_xlsx(user, queryset) -> bytes:
    qs = queryset.select_related("street", "community", "park", "industry").prefetch_related("contacts").order_by(
        "name", "pk")[:MAX_EXPORT_ROWS]
    dataset = EnterpriseResource(user).export(queryset=qs)
    dataset.title = f"企业名单{dt.date.today():%Y%m%d}"
    return dataset.export("xlsx")
