"""Business rules of matchmaking: every function takes the acting user and checks the action table."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import User
from crm.services.notifications import Message, notify_many
from crm.services.workcalendar import get_calendar
from enterprises.models import Enterprise, LiaisonAssignment

from .models import FinancialProduct, FollowUp, Introduction, Invitation, Need, Product
from .permissions import require


def _visible_firm(actor: User, enterprise: Enterprise) -> None:
    if not Enterprise.objects.visible_to(actor).filter(pk=enterprise.pk).exists():
        raise ValidationError(_("该企业不在您的管辖范围内。"))


def default_owner(enterprise: Enterprise) -> User | None:
    """The firm's current liaison officer, if any."""
    today = timezone.localdate()
    assignment = (
        LiaisonAssignment.objects.filter(enterprise=enterprise, start_date__lte=today)
        .exclude(end_date__lt=today).select_related("officer").order_by("-start_date").first()
    )
    return assignment.officer if assignment else None


@transaction.atomic
def save_product(actor: User, product: Product) -> Product:
    require(actor, "edit_product")
    _visible_firm(actor, product.enterprise)
    product.full_clean()
    product.save()
    return product


@transaction.atomic
def save_financial_product(actor: User, product: FinancialProduct) -> FinancialProduct:
    """Create or edit a partner bank's product. The amount range and the eligibility rule are checked by the
    model's clean(); the rule by the policies engine (matchmaking.eligibility.validate), stored normalised."""
    require(actor, "manage_financial_products")
    product.full_clean()
    product.save()
    return product


@transaction.atomic
def save_need(actor: User, need: Need) -> Need:
    """Create or edit a need. A new need's owner defaults to the firm's liaison officer, else the actor."""
    require(actor, "edit_need")
    _visible_firm(actor, need.enterprise)
    if need.kind == Need.Kind.PURCHASING and not (need.industry_prefix or need.cluster_id):
        raise ValidationError(_("采购需求须填写所需行业代码或产业链环节，才能匹配供应商。"))
    if need.kind == Need.Kind.FINANCING and not need.amount:
        raise ValidationError(_("融资需求须填写融资金额。"))
    if need.pk is None and need.owner_id is None:
        need.owner = default_owner(need.enterprise) or actor
    need.full_clean()
    need.save()
    return need


@transaction.atomic
def set_need_status(actor: User, need: Need, status: str) -> Need:
    require(actor, "edit_need")
    _visible_firm(actor, need.enterprise)
    if status not in Need.Status.values:
        raise ValidationError(_("无效的需求状态。"))
    need.status = status
    need.closed_on = timezone.localdate() if status in (Need.Status.MET, Need.Status.WITHDRAWN) else None
    need.save(update_fields=["status", "closed_on"])
    return need


@transaction.atomic
def introduce(actor: User, *, need: Need | None = None, product: Product | None = None,
              party_a: Enterprise, party_b: Enterprise | None = None,
              financial_product: FinancialProduct | None = None, note: str = "", event=None) -> Introduction:
    """Record an introduction from a match. `party_a` is the firm whose need (or product) started it."""
    require(actor, "introduce")
    _visible_firm(actor, party_a)
    if (party_b is None) == (financial_product is None):
        raise ValidationError(_("请选择一家对接企业或一个金融产品。"))
    if party_b is not None and party_b.pk == party_a.pk:
        raise ValidationError(_("不能与自身对接。"))
    district_id = party_a.street.district_id
    is_local = party_b is not None and party_b.street.district_id == district_id
    intro = Introduction.objects.create(
        street_id=party_a.street_id, need=need, product=product, party_a=party_a, party_b=party_b,
        financial_product=financial_product, introduced_by=actor, introduced_on=timezone.localdate(),
        is_local=is_local, note=note[:200], event=event,
    )
    if need is not None and need.status == Need.Status.OPEN:
        need.status = Need.Status.MATCHING
        need.save(update_fields=["status"])
    return intro


@transaction.atomic
def add_follow_up(actor: User, intro: Introduction, note: str) -> FollowUp:
    require(actor, "record_outcome")
    if not Introduction.objects.visible_to(actor).filter(pk=intro.pk).exists():
        raise ValidationError(_("该对接记录不在您的管辖范围内。"))
    if not note.strip():
        raise ValidationError(_("请填写跟进情况。"))
    return FollowUp.objects.create(introduction=intro, date=timezone.localdate(), note=note.strip()[:300], by=actor)


@transaction.atomic
def record_outcome(actor: User, intro: Introduction, outcome: str, amount=None) -> Introduction:
    """意向 / 签约 (with amount, 万元) / 未成. A deal on a need marks the need met."""
    require(actor, "record_outcome")
    if not Introduction.objects.visible_to(actor).filter(pk=intro.pk).exists():
        raise ValidationError(_("该对接记录不在您的管辖范围内。"))
    if outcome not in Introduction.Outcome.values:
        raise ValidationError(_("无效的对接结果。"))
    value = None
    if outcome == Introduction.Outcome.SIGNED:
        try:
            value = Decimal(str(amount).strip())
        except (InvalidOperation, TypeError):
            raise ValidationError(_("签约须填写金额（万元）。")) from None
        if not value.is_finite() or value <= 0:
            raise ValidationError(_("签约金额须大于 0。"))
    intro.outcome, intro.amount = outcome, value
    intro.outcome_on = timezone.localdate() if outcome != Introduction.Outcome.PENDING else None
    intro.save(update_fields=["outcome", "amount", "outcome_on"])
    if outcome == Introduction.Outcome.SIGNED and intro.need_id and intro.need.is_open:
        intro.need.status, intro.need.closed_on = Need.Status.MET, timezone.localdate()
        intro.need.save(update_fields=["status", "closed_on"])
    return intro


@transaction.atomic
def invite_to_event(actor: User, event, need: Need, supplier: Enterprise) -> None:
    """Invite both parties of a match to a matchmaking event (产销对接会): the need's firm as buyer, the supplier as
    supplier, recorded as Invitations. Who came is the event's participants (参会企业) in pipelines, confirmed with
    set_attendance after the event; the event counts toward targets in pipelines as before."""
    from pipelines.models import Event

    require(actor, "introduce")
    _visible_firm(actor, need.enterprise)
    if not Event.objects.visible_to(actor).filter(pk=event.pk, kind=Event.Kind.MATCHMAKING).exists():
        raise ValidationError(_("只能邀请到本街道的对接会。"))
    if supplier.pk == need.enterprise_id or supplier.status != Enterprise.Status.ACTIVE:
        raise ValidationError(_("该企业不能被邀请。"))
    today = timezone.localdate()
    for firm, role in ((need.enterprise, Invitation.Role.BUYER), (supplier, Invitation.Role.SUPPLIER)):
        Invitation.objects.get_or_create(event=event, enterprise=firm, role=role,
                                         defaults={"need": need, "invited_by": actor, "invited_on": today})


@transaction.atomic
def set_attendance(actor: User, event, enterprise: Enterprise, attended: bool) -> None:
    """Confirm that an invited firm came to the event (or did not): it joins or leaves the event's participants
    (参会企业), which pipelines keeps. Only firms invited to the event, only for an event the actor may see."""
    from pipelines.models import Event

    require(actor, "introduce")
    if not Event.objects.visible_to(actor).filter(pk=event.pk, kind=Event.Kind.MATCHMAKING).exists():
        raise ValidationError(_("只能登记本街道对接会的到会情况。"))
    if not Invitation.objects.filter(event=event, enterprise=enterprise).exists():
        raise ValidationError(_("该企业未受邀参加此对接会。"))
    if attended:
        event.enterprises.add(enterprise)
    else:
        event.enterprises.remove(enterprise)


def stale_cutoff(today: dt.date, working_days: int) -> dt.date:
    """The date `working_days` working days before today."""
    calendar, day, counted = get_calendar(), today, 0
    while counted < working_days:
        day -= dt.timedelta(days=1)
        if calendar.is_working_day(day):
            counted += 1
    return day


def remind_stale_needs(today: dt.date | None = None) -> int:
    """An open need older than N working days (settings.MATCHMAKING_NEED_REMIND_WORKING_DAYS, default 10)
    reminds its owner once: the notification key is per need, and notify() creates it only once."""
    today = today or timezone.localdate()
    days = getattr(settings, "MATCHMAKING_NEED_REMIND_WORKING_DAYS", 10)
    cutoff = stale_cutoff(today, days)
    needs = (
        Need.objects.filter(status=Need.Status.OPEN, owner__isnull=False, created_at__date__lte=cutoff)
        .select_related("enterprise").only("pk", "title", "owner_id", "enterprise__name")
    )
    rows = [
        ([need.owner_id], Message(
            key=f"matchmaking:need-stale:{need.pk}", kind="matchmaking",
            title=_("需求已超过 %(days)s 个工作日未对接：%(firm)s") % {"days": days, "firm": need.enterprise.name},
            body=need.title, url=reverse("matchmaking:need_detail", args=[need.pk]),
        ))
        for need in needs.iterator(chunk_size=500)
    ]
    return notify_many(rows)


# A visit's topic records a need (registered in crm.registry by apps.py; called inside enterprises' log_visit).
TOPIC_KINDS = {"purchasing": Need.Kind.PURCHASING, "finance": Need.Kind.FINANCING, "labour": Need.Kind.TALENT}


def open_need_of(enterprise: Enterprise, kind: str) -> Need | None:
    """The firm's newest open need (待对接 or 对接中) of a kind: a visit or an import updates it instead of adding a
    second one."""
    return (Need.objects.filter(enterprise=enterprise, kind=kind, status__in=(Need.Status.OPEN, Need.Status.MATCHING))
            .order_by("-created_at", "-pk").first())


def _number(text: str, label: str, *, integer: bool = False):
    try:
        value = Decimal(text.replace(",", "").replace("，", ""))
    except InvalidOperation:
        raise ValidationError(_("%(label)s须为数字：%(text)s") % {"label": label, "text": text}) from None
    if not value.is_finite() or value <= 0:
        raise ValidationError(_("%(label)s须大于 0。") % {"label": label})
    if integer:
        if value != value.to_integral_value():
            raise ValidationError(_("%(label)s须为整数。") % {"label": label})
        return int(value)
    return value.quantize(Decimal("0.01"))


@transaction.atomic
def need_from_visit(actor: User, visit, topic: str, data: dict[str, str]) -> Need | None:
    """The officer ticked a purchasing/financing/talent topic and filled what (and how much): record the need,
    linked to the visit, or update the firm's open need of that kind. Blank inputs change nothing; a refusal
    (ValidationError) rolls the visit back with it, so the officer corrects the form and loses nothing."""
    kind = TOPIC_KINDS.get(topic)
    if kind is None or not any(data.values()):
        return None
    require(actor, "edit_need")
    what, amount, industry = data.get("what", ""), data.get("amount", ""), data.get("industry", "")
    need = open_need_of(visit.enterprise, kind) or Need(enterprise=visit.enterprise, kind=kind, visit=visit)
    if kind == Need.Kind.PURCHASING:
        if industry:
            from enterprises.models import IndustryCategory

            code = industry.upper().lstrip("ABCDEFGHIJKLMNOPQRST").strip()
            if not (code.isdigit() and IndustryCategory.objects.filter(code=code).exists()):
                raise ValidationError(_("所需行业代码“%s”不在《国民经济行业分类》中（填 2–4 位数字，如 33 或 3311）。")
                                      % industry)
            need.industry_prefix = code
        if what:
            need.title = what[:150]
        if amount:
            need.volume = amount[:100]
    elif kind == Need.Kind.FINANCING:
        if amount:
            need.amount = _number(amount, _("融资金额"))
        if what:
            need.purpose = what[:150]
        if need.pk is None or what or amount:
            amount_title = _("融资 %(a)s 万元") % {"a": need.amount}
            need.title = need.title or (f"{amount_title} · {what}" if what else amount_title)[:150]
    else:
        if what:
            need.positions = what[:150]
        if amount:
            need.headcount = _number(amount, _("招聘人数"), integer=True)
        # Built per case rather than stripping a trailing colon, which differs between the languages.
        titled = _("招聘：%s") % need.positions if need.positions else str(need.get_kind_display())
        need.title = need.title or titled[:150]
    if not need.title:
        raise ValidationError(_("请填写%(kind)s的内容。") % {"kind": need.get_kind_display()})
    if need.visit_id is None:
        need.visit = visit
    return save_need(actor, need)


class VisitNeeds:
    """The visit form's optional need inputs under the 采购/融资/用工 topics, and their handler (crm.registry)."""

    @staticmethod
    def fields(user):
        from crm.registry import VisitTopicField

        from .permissions import can

        if not can(user, "edit_need"):
            return []
        return [
            VisitTopicField("purchasing", "what", _("采购什么"), placeholder=_("如：模具钢、注塑件")),
            VisitTopicField("purchasing", "industry", _("所需行业代码"), "numeric", _("如 3311，或大类 33")),
            VisitTopicField("purchasing", "amount", _("采购量"), placeholder=_("如：每月 20 吨")),
            VisitTopicField("finance", "amount", _("融资金额（万元）"), "decimal", _("如 500")),
            VisitTopicField("finance", "what", _("融资用途"), placeholder=_("如：扩产设备")),
            VisitTopicField("labour", "what", _("招聘岗位"), placeholder=_("如：数控操作工")),
            VisitTopicField("labour", "amount", _("招聘人数"), "numeric"),
        ]

    @staticmethod
    def handle(visit, topic: str, data: dict[str, str], actor) -> Need | None:
        return need_from_visit(actor, visit, topic, data)
