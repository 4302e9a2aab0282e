"""Business rules of 惠企政策: saving a policy, pushing it to the matched firms, recording a firm's journey, and
the reminders before a window closes. Every function takes the acting user and checks the permission table."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import BigIntegerField, Case, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Role, User
from crm.scoping import sees_all_streets
from crm.services.notifications import notify_query
from enterprises.models import Enterprise, LiaisonAssignment, Visit
from policies import rules as R
from policies.matching import matching_for_user
from policies.models import STAGE_ORDER, Delivery, DeliveryStep, InformMethod, Policy, PolicyAttachment, Stage
from policies.permissions import require

POLICY_FIELDS = ("title", "issuer", "level", "document_no", "summary", "window_opens", "window_closes",
                 "benefit_kind", "benefit_min", "benefit_max", "benefit_note", "department", "status")


def may_edit(user, policy: Policy) -> bool:
    """A street user edits its street's policies; district-wide ones are kept by district-wide users."""
    from policies.permissions import may

    return may(user, "edit") and (sees_all_streets(user) or policy.street_id == user.street_id)


def validate_rules(tree) -> dict:
    try:
        return R.normalise(tree)
    except R.RuleError as exc:
        raise ValidationError({"rules": str(exc)}) from None


@transaction.atomic
@transaction.atomic
def save_policy(*, actor: User, policy: Policy | None = None, rules, street=None, attachments=(), **fields) -> Policy:
    """Create or change a policy and add its attachments: every file is checked first, and a refused file
    refuses the whole save."""
    require(actor, "edit")
    attachments = list(attachments)
    for upload in attachments:
        check_attachment(upload)
    if policy is not None and not may_edit(actor, policy):
        raise PermissionDenied(_("只能修改本街道的政策；全区政策由区级用户维护。"))
    tree = validate_rules(rules)
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields {unknown}")
    if policy is None:
        policy = Policy(created_by=actor)
        # A street user's policy is that street's own measure; a district-wide user chooses.
        policy.street = street if sees_all_streets(actor) else actor.street
    elif sees_all_streets(actor):
        policy.street = street
    for name, value in fields.items():
        setattr(policy, name, value)
    policy.rules = tree
    if policy.window_opens and policy.window_closes and policy.window_closes < policy.window_opens:
        raise ValidationError({"window_closes": _("申报截止日期不能早于开始日期")})
    if policy.benefit_min is not None and policy.benefit_max is not None and policy.benefit_max < policy.benefit_min:
        raise ValidationError({"benefit_max": _("金额上限不能小于下限")})
    policy.save()
    for upload in attachments:
        add_attachment(policy, actor=actor, upload=upload)
    return policy


MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


def check_attachment(upload) -> None:
    """Size, and the type by content (crm.filetypes, shared with visits and appeals), never the browser's word."""
    from crm import filetypes

    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(_("附件“%(name)s”超过 20MB") % {"name": upload.name})
    try:
        filetypes.check_upload(upload)
    except filetypes.FileTypeError as exc:
        raise ValidationError(str(exc)) from None


def add_attachment(policy: Policy, *, actor: User, upload) -> PolicyAttachment:
    if not may_edit(actor, policy):
        raise PermissionDenied(_("您无权修改该政策。"))
    check_attachment(upload)
    name = (upload.name or "附件").rsplit("/", 1)[-1][:200]
    return PolicyAttachment.objects.create(policy=policy, file=upload, original_name=name, size=upload.size or 0,
                                           uploaded_by=actor)


# --- push -----------------------------------------------------------------------------------------------------

_TEAM_ROLE_RANK = Case(
    When(team_role=LiaisonAssignment.TeamRole.SERVICE_OFFICER, then=Value(0)),
    When(team_role=LiaisonAssignment.TeamRole.LEADER, then=Value(2)),
    default=Value(1), output_field=IntegerField(),
)


def responsible_officer(on: dt.date):
    """An expression over Enterprise: the firm's liaison officer (the 企业服务专员 first), else its street's manager."""
    liaison = (LiaisonAssignment.objects.active_on(on).filter(enterprise_id=OuterRef("pk"), officer__is_active=True)
               .annotate(rank=_TEAM_ROLE_RANK).order_by("rank", "start_date", "pk").values("officer_id")[:1])
    manager = (User.objects.filter(role=Role.MANAGER, street_id=OuterRef("street_id"), is_active=True)
               .order_by("pk").values("pk")[:1])
    return Coalesce(Subquery(liaison), Subquery(manager), output_field=BigIntegerField())


def push(policy: Policy, *, actor: User, on: dt.date | None = None) -> dict:
    """Create a delivery task for every matched firm the actor may see that has none yet, and notify each task's
    officer once. Idempotent per policy × firm: a re-push after the rules changed reaches only newly matched
    firms. Set-based: one INSERT … SELECT from the matching query, one notification INSERT … SELECT."""
    require(actor, "push")
    if policy.status != Policy.Status.OPEN:
        raise ValidationError(_("只有“申报中”的政策可以推送，请先将状态改为申报中。"))
    on = on or timezone.localdate()
    now = timezone.now()
    firms = matching_for_user(policy, actor, on=on)
    select_sql, params = (firms.annotate(firm_id=F("pk"), responsible=responsible_officer(on)).order_by()
                          .values_list("firm_id", "responsible").query.sql_with_params())
    table = Delivery._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {table} (policy_id, enterprise_id, officer_id, matched, stage, pushed_at, inform_method,
                    reject_reason, created_at, updated_at)
                SELECT %s, s.firm_id, s.responsible, %s, %s, %s, '', '', %s, %s FROM ({select_sql}) s
                WHERE true  -- SQLite needs a WHERE before ON CONFLICT in INSERT … SELECT
                ON CONFLICT (policy_id, enterprise_id) DO NOTHING""",
            [policy.pk, True, Stage.MATCHED.value, now, now, now, *params],
        )
        created = max(cursor.rowcount, 0)
        notified = _notify_pushed(policy, since=now)
    return {"created": created, "notified": notified}


def _notify_pushed(policy: Policy, *, since) -> int:
    url = reverse("policies:delivery", args=[0]).rsplit("0/", 1)[0]
    source = f"""
        SELECT d.officer_id AS recipient_id, 'policy:' || d.policy_id || ':push:' || d.enterprise_id AS {connection.ops.quote_name('key')},
               'policy_push' AS kind, 'info' AS level,
               CAST(%s AS TEXT) || e.name AS title,
               CAST(%s AS TEXT) AS body, CAST(%s AS TEXT) || d.id || '/' AS url
        FROM {Delivery._meta.db_table} d JOIN {Enterprise._meta.db_table} e ON e.id = d.enterprise_id
        WHERE d.policy_id = %s AND d.pushed_at >= %s AND d.officer_id IS NOT NULL"""
    title = f"政策推送《{policy.title[:60]}》："
    body = f"该企业符合《{policy.title}》的申报条件，请告知企业并记录（申报截止 {policy.window_closes or '未定'}）。"
    return notify_query(source, [title, body, url, policy.pk, since])


# --- the journey ------------------------------------------------------------------------------------------------

STEP_FIELDS = {
    Stage.INFORMED: "informed_on", Stage.INTENDS: "intends_on", Stage.APPLIED: "applied_on",
    Stage.APPROVED: "decided_on", Stage.REJECTED: "decided_on", Stage.PAID: "paid_on",
}


def _amount(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise ValidationError({"amount": _("金额应为数字（万元）")}) from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        raise ValidationError({"amount": _("金额应为不小于 0 的数字（万元）")})
    return amount.quantize(Decimal("0.01"))


@transaction.atomic
def record_step(delivery: Delivery, *, actor: User, stage: str, on: dt.date, method: str = "", amount=None,
                note: str = "", visit: Visit | None = None, source: str = "manual") -> DeliveryStep:
    """Record one step of a firm's journey. Steps move forward (a correction is a later step of the same kind);
    告知 says how, 未获批 says why, 已兑现 says how much."""
    require(actor, "record")
    if stage not in STEP_FIELDS:
        raise ValidationError({"stage": _("未知的步骤")})
    if on > timezone.localdate():
        raise ValidationError({"on": _("日期不能晚于今天")})
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    current = STAGE_ORDER[delivery.stage]
    if STAGE_ORDER[stage] < current or (delivery.stage == Stage.REJECTED and stage == Stage.PAID):
        raise ValidationError({"stage": _("该企业已处于“%(now)s”，不能退回到“%(back)s”") % {
            "now": delivery.get_stage_display(), "back": Stage(stage).label}})
    value = _amount(amount)
    if stage == Stage.INFORMED and method not in InformMethod.values:
        raise ValidationError({"method": _("请选择告知方式：上门走访、电话、微信或宣讲活动")})
    if stage == Stage.REJECTED and not note.strip():
        raise ValidationError({"note": _("请填写未获批原因")})
    if stage == Stage.PAID and value is None:
        raise ValidationError({"amount": _("请填写兑现金额（万元）")})
    if visit is not None and visit.enterprise_id != delivery.enterprise_id:
        raise ValidationError({"visit": _("所选走访不是该企业的走访")})
    setattr(delivery, STEP_FIELDS[stage], on)
    if stage == Stage.INFORMED:
        delivery.inform_method = method
        delivery.visit = visit or delivery.visit
    elif stage == Stage.APPROVED:
        delivery.approved, delivery.approved_amount = True, value if value is not None else delivery.approved_amount
    elif stage == Stage.REJECTED:
        delivery.approved, delivery.reject_reason = False, note.strip()[:200]
    elif stage == Stage.PAID:
        delivery.paid_amount = value
        if delivery.approved is None:
            delivery.approved, delivery.decided_on = True, delivery.decided_on or on
    delivery.stage = stage
    delivery.save()
    return DeliveryStep.objects.create(delivery=delivery, stage=stage, on=on, method=method if stage == Stage.INFORMED
                                       else "", amount=value, note=note.strip()[:300], visit=visit, source=source,
                                       actor=actor)


# --- reminders ------------------------------------------------------------------------------------------------


def _threshold_day(close: dt.date, days: int, calendar) -> dt.date:
    """The working day `days` working days before `close` (close itself counted as day 0)."""
    day = close
    counted = 0
    while counted < days:
        day -= dt.timedelta(days=1)
        if calendar.is_working_day(day):
            counted += 1
    return day


def send_reminders(*, today: dt.date | None = None, thresholds: tuple[int, ...] | None = None) -> int:
    """For every open policy whose window closes within N working days, remind each matched firm's officer of a
    firm not yet informed or not yet applied — once per firm and threshold (the notification key). When several
    thresholds have passed, only the nearest is sent. Set-based: one INSERT … SELECT per policy."""
    from django.conf import settings

    from crm.services.workcalendar import get_calendar

    today = today or timezone.localdate()
    thresholds = tuple(sorted(thresholds or getattr(settings, "POLICY_REMINDER_WORKING_DAYS", (10, 3))))
    calendar = get_calendar()
    sent = 0
    for policy in Policy.objects.filter(status=Policy.Status.OPEN, window_closes__gte=today):
        reached = [n for n in thresholds if today >= _threshold_day(policy.window_closes, n, calendar)]
        if not reached:
            continue
        n = min(reached)
        key = connection.ops.quote_name("key")
        source = f"""
            SELECT d.officer_id AS recipient_id,
                   'policy:' || d.policy_id || ':remind:' || d.enterprise_id || ':' || CAST(%s AS TEXT) AS {key},
                   'policy_reminder' AS kind, 'warning' AS level,
                   CASE WHEN d.stage = %s THEN CAST(%s AS TEXT) ELSE CAST(%s AS TEXT) END || e.name AS title,
                   CAST(%s AS TEXT) AS body, CAST(%s AS TEXT) || d.id || '/' AS url
            FROM {Delivery._meta.db_table} d JOIN {Enterprise._meta.db_table} e ON e.id = d.enterprise_id
            WHERE d.policy_id = %s AND d.officer_id IS NOT NULL AND d.stage IN (%s, %s, %s)"""
        body = f"《{policy.title}》将于 {policy.window_closes} 截止申报（剩 {n} 个工作日内）。"
        url = reverse("policies:delivery", args=[0]).rsplit("0/", 1)[0]
        sent += notify_query(source, [
            str(n), Stage.MATCHED.value, f"尚未告知（{n}个工作日内截止）：", f"尚未申报（{n}个工作日内截止）：",
            body, url, policy.pk, Stage.MATCHED.value, Stage.INFORMED.value, Stage.INTENDS.value,
        ])
    return sent
