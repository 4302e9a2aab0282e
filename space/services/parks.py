"""Park ledger changes. Every function checks space.permissions with its actor and scopes to the actor's street."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.models import Role, User
from crm.scoping import sees_all_streets
from enterprises.models import Park
from space.models import EfficiencyRule
from space.permissions import require

PARK_FIELDS = (
    "kind", "owner_name", "address", "longitude", "latitude", "land_area", "floor_area", "theme", "managed_status",
    "managed_area", "leased_area", "officer", "micro_unit",
)


def _check_scope(actor: User, street_id: int | None) -> None:
    if not sees_all_streets(actor) and actor.street_id != street_id:
        raise PermissionDenied(_("只能修改本街道的数据。"))


@transaction.atomic
def update_park(*, actor: User, park: Park, data: dict) -> Park:
    """Change a park's ledger fields. Areas must be consistent: managed and bulk-leased area within floor area."""
    require(actor, "edit_park")
    _check_scope(actor, park.street_id)
    unknown = set(data) - set(PARK_FIELDS)
    if unknown:
        raise ValidationError(_("不可修改的字段：%(f)s") % {"f": "、".join(sorted(unknown))})
    officer = data.get("officer", park.officer)
    if officer is not None and (officer.street_id != park.street_id or officer.role not in (Role.OFFICER, Role.MANAGER)):
        raise ValidationError({"officer": _("责任专员须为本街道的经济专员或街道领导。")})
    for field, value in data.items():
        setattr(park, field, value)
    errors = {}
    if park.floor_area is not None:
        for field, label in (("managed_area", _("纳管面积")), ("leased_area", _("统租面积"))):
            value = getattr(park, field)
            if value is not None and value > park.floor_area:
                errors[field] = _("%(label)s不能大于建筑面积。") % {"label": label}
    if (park.longitude is None) != (park.latitude is None):
        errors["latitude"] = _("经度和纬度须同时填写。")
    if errors:
        raise ValidationError(errors)
    previous_officer = Park.objects.filter(pk=park.pk).values_list("officer_id", flat=True).first()
    park.full_clean(exclude=["street", "community"])
    park.save()
    if park.officer_id != previous_officer:
        # 园区包干: the new officer serves every current tenant (future ones as they move in); the old one's
        # park-derived rows end. Firms' own hand-made assignments are left alone.
        from enterprises.services.liaison import sync_park_liaisons

        result = sync_park_liaisons(park_ids=[park.pk], actor=actor)
        if park.officer is not None and park.officer_id != actor.pk:
            _tell_new_officer(park, result.created)
    return park


def _tell_new_officer(park: Park, firms: int) -> None:
    """The newly responsible officer learns of the park and the tenants they now serve (once per park and day)."""
    from django.urls import reverse
    from django.utils import timezone

    from crm.services.notifications import Message, notify

    notify([park.officer], Message(
        key=f"space:park-officer:{park.pk}:{park.officer_id}:{timezone.localdate():%Y%m%d}", kind="space.park_officer",
        title=_("您已成为园区“%(park)s”的责任专员") % {"park": park.name},
        body=_("园区包干：您已自动挂点服务该园区 %(n)s 家在园企业，今后入驻的企业也将自动挂点。") % {"n": firms},
        url=reverse("space:park_detail", args=[park.pk]),
    ))


@transaction.atomic
def set_rule(*, actor: User, street_id: int | None, min_tax_per_10k, min_occupancy) -> EfficiencyRule:
    """Set a street's 低效 rule (or the district default, street_id None: administrators only)."""
    require(actor, "edit_rule")
    if street_id is None and not sees_all_streets(actor):
        raise PermissionDenied(_("只有全区用户可以修改全区默认规则。"))
    if street_id is not None:
        _check_scope(actor, street_id)
    rule, _created = EfficiencyRule.objects.get_or_create(street_id=street_id)
    rule.min_tax_per_10k = min_tax_per_10k
    rule.min_occupancy = min_occupancy
    rule.full_clean(exclude=["street"])
    rule.save()
    return rule
