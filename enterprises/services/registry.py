"""Registry writes: create and edit firms (former names kept), classifications as dated facts."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction

from enterprises.models import Enterprise
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
    return enterprise


@transaction.atomic
def update_enterprise(enterprise: Enterprise, *, actor: User, **fields: Any) -> Enterprise:
    """Apply changes; a renamed firm keeps its old name in `former_names` (lists often carry the old one)."""
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    new_name = fields.get("name")
    if new_name and new_name != enterprise.name:
        former = [n for n in enterprise.former_names if n.get("name") != enterprise.name]
        enterprise.former_names = [{"name": enterprise.name, "until": dt.date.today().isoformat()}, *former]
    for key, value in fields.items():
        if key in EDITABLE_FIELDS:
            setattr(enterprise, key, value)
    _check_place(enterprise.street, enterprise.community, enterprise.park)
    enterprise._history_user = actor
    enterprise.full_clean()
    enterprise.save()
    return enterprise
