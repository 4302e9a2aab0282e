"""Registry writes: create and edit firms (former names kept), classifications as dated facts."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from enterprises.models import Classification, Enterprise, EnterpriseContact
from enterprises.uscc import USCCError, validate

if TYPE_CHECKING:
    from crm.models import User

EDITABLE_FIELDS = (
    "name", "street", "community", "park", "address", "legal_representative", "registered_capital",
    "established_on", "status", "industry",
)


def _check_place(street, community, park) -> None:
    if community is not None and community.street_id != street.pk:
        raise ValidationError({"community": "社区不属于所选街道"})
    if park is not None and park.street_id != street.pk:
        raise ValidationError({"park": "园区/楼宇不属于所选街道"})


@transaction.atomic
def create_enterprise(*, actor: User, uscc: str, **fields: Any) -> Enterprise:
    try:
        code = validate(uscc).code
    except USCCError as exc:
        raise ValidationError({"uscc": str(exc)}) from None
    if Enterprise.objects.filter(uscc=code).exists():
        raise ValidationError({"uscc": f"统一社会信用代码 {code} 已登记"})
    _check_place(fields["street"], fields.get("community"), fields.get("park"))
    enterprise = Enterprise(uscc=code, **{k: v for k, v in fields.items() if k in EDITABLE_FIELDS})
    enterprise._history_user = actor
    enterprise.full_clean()
    enterprise.save()
    if fields.get("clusters") is not None:
        enterprise.clusters.set(fields["clusters"])
    if enterprise.park_id is not None:  # the park's responsible officer serves its new tenant
        from enterprises.services.liaison import sync_park_liaisons

        sync_park_liaisons(enterprise_ids=[enterprise.pk], actor=actor)
    return enterprise


@transaction.atomic
def update_enterprise(enterprise: Enterprise, *, actor: User, **fields: Any) -> Enterprise:
    """Apply changes; a renamed firm keeps its old name in `former_names` (lists often carry the old one)."""
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    placed = (enterprise.park_id, enterprise.status, enterprise.street_id)
    new_name = fields.get("name")
    if new_name and new_name != enterprise.name:
        former = [n for n in enterprise.former_names if n.get("name") != enterprise.name]
        enterprise.former_names = [{"name": enterprise.name, "until": timezone.localdate().isoformat()}, *former]
    for key, value in fields.items():
        if key in EDITABLE_FIELDS:
            setattr(enterprise, key, value)
    _check_place(enterprise.street, enterprise.community, enterprise.park)
    enterprise._history_user = actor
    enterprise.full_clean()
    enterprise.save()
    if fields.get("clusters") is not None:  # 产业集群 tags (Shenzhen 20+8 and the district's own)
        enterprise.clusters.set(fields["clusters"])
    if placed != (enterprise.park_id, enterprise.status, enterprise.street_id):
        # Moved into or out of a park (or out of the street, or closed): the park officer's row follows.
        from enterprises.services.liaison import sync_park_liaisons

        sync_park_liaisons(enterprise_ids=[enterprise.pk], actor=actor)
    return enterprise


def _check_fact(fact) -> None:
    kind = fact.kind
    choices = {
        Classification.Kind.SISHANG: Classification.SishangCategory.values,
        Classification.Kind.ZJTX: Classification.ZjtxTier.values,
        Classification.Kind.POOL: Classification.Pool.values,
    }
    if kind not in Classification.Kind.values:
        raise ValidationError({"kind": "分类类别无效"})
    if kind in choices and fact.category not in choices[kind]:
        raise ValidationError({"category": "请选择该类别下的细类/级别/培育库"})
    if kind in (Classification.Kind.SISHANG, Classification.Kind.SAMPLED, Classification.Kind.ZJTX) and not fact.year:
        raise ValidationError({"year": "请填写年度"})
    if kind in (Classification.Kind.GAOXIN,) and not (fact.certificate_no and fact.valid_from):
        raise ValidationError({"certificate_no": "高新技术企业须填写证书编号和发证日期"})
    if kind == Classification.Kind.LISTED and not (fact.exchange and fact.stock_code):
        raise ValidationError({"stock_code": "上市公司须填写交易所和股票代码"})
    if kind in (Classification.Kind.POOL, Classification.Kind.PREIPO) and not fact.valid_from:
        raise ValidationError({"valid_from": "请填写入库日期"})
    if fact.valid_from and fact.valid_to and fact.valid_to < fact.valid_from:
        raise ValidationError({"valid_to": "终止日期不能早于起始日期"})


@transaction.atomic
def add_classification(enterprise: Enterprise, *, actor: User, kind: str, category: str = "", year: int | None = None,
                       valid_from: dt.date | None = None, valid_to: dt.date | None = None, certificate_no: str = "",
                       exchange: str = "", stock_code: str = "", reason: str = ""):
    """Record one dated fact by hand (imports use the namelists app). 高新 certificates default to 3 years."""
    if kind == Classification.Kind.GAOXIN and valid_from and not valid_to:
        valid_to = valid_from.replace(year=valid_from.year + 3) - dt.timedelta(days=1)
    fact = Classification(enterprise=enterprise, kind=kind, category=category or "", year=year, valid_from=valid_from,
                          valid_to=valid_to, certificate_no=certificate_no, exchange=exchange, stock_code=stock_code,
                          reason=reason, source="manual")
    _check_fact(fact)
    duplicate = Classification.objects.filter(enterprise=enterprise, kind=kind)
    if kind in (Classification.Kind.SISHANG, Classification.Kind.SAMPLED) and duplicate.filter(year=year).exists():
        raise ValidationError({"year": f"该企业 {year} 年已有此分类"})
    if kind == Classification.Kind.ZJTX and duplicate.filter(year=year, category=category).exists():
        raise ValidationError({"year": f"该企业 {year} 年已有此级别"})
    if kind in (Classification.Kind.POOL, Classification.Kind.PREIPO) and duplicate.filter(
            category=category or "", valid_to__isnull=True).exists():
        raise ValidationError({"category": "该企业已在此培育库/清单中"})
    fact._history_user = actor
    fact.save()
    if kind == Classification.Kind.SISHANG and year:
        from enterprises.services.pools import graduate_from_sishang

        graduate_from_sishang(year, enterprise_ids=[enterprise.pk], actor=actor)
    return fact


@transaction.atomic
def end_classification(fact, *, actor: User, on: dt.date, reason: str):
    """Close a dated fact (培育库 exit, 拟上市 leaves the list, a certificate revoked) with the reason."""
    if fact.year and not fact.valid_from:
        raise ValidationError("按年度的分类无需结束，请在下一年度名录中体现")
    if fact.valid_to is not None and fact.valid_to <= on:
        raise ValidationError("该分类已结束")
    if not reason.strip():
        raise ValidationError("请填写出库/结束原因")
    if fact.valid_from and on < fact.valid_from:
        raise ValidationError("结束日期不能早于起始日期")
    fact.valid_to = on
    fact.reason = reason.strip()[:200]
    fact._history_user = actor
    fact.save(update_fields=["valid_to", "reason", "updated_at"])
    return fact


@transaction.atomic
def save_contact(enterprise: Enterprise, *, actor: User, contact=None, **fields: Any):
    """Add or change a contact person; one primary contact per firm."""
    contact = contact or EnterpriseContact(enterprise=enterprise)
    for key in ("name", "title", "phone", "email", "is_primary"):
        if key in fields:
            setattr(contact, key, fields[key])
    if not contact.name.strip():
        raise ValidationError({"name": "请填写联系人姓名"})
    contact._history_user = actor
    contact.full_clean()
    contact.save()
    if contact.is_primary:
        for other in enterprise.contacts.filter(is_primary=True).exclude(pk=contact.pk):
            other.is_primary = False
            other._history_user = actor
            other.save(update_fields=["is_primary"])
    return contact
