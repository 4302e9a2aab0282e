"""Visits (走访): logging a visit with its problems and attachments, and the seam to the appeals app."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crm import filetypes
from crm import uploads as uploads_module
from crm.permissions import MANAGEMENT_ROLES, check_role
from crm.registry import registry
from crm.scoping import sees_all_streets
from enterprises.models import (
    Enterprise,
    Visit,
    VisitAttachment,
    VisitCampaign,
    VisitProblem,
    VisitRule,
    VisitTopic,
)

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from crm.models import User


def appeals_available() -> bool:
    """True when an app (appeals) has registered the handler that turns a visit's problem into an appeal."""
    return registry.visit_problem_handler is not None


def raise_appeal_from_problem(problem: VisitProblem, actor: User):
    """Turn a problem found on a visit into an appeal (企业诉求) through the handler the appeals app registers in
    crm.registry: the appeals app owns the workflow, and enterprises never imports it."""
    handler = registry.visit_problem_handler
    if handler is None:
        raise ValidationError("诉求模块尚未启用，暂不能将问题转为诉求")
    return handler(problem, actor)


MAX_ATTACHMENT_BYTES = filetypes.MAX_ATTACHMENT_BYTES


def _check_upload(upload: UploadedFile) -> str:
    """Size and type by content (crm.filetypes.check_upload, the one upload check), never the browser's word.
    Returns the sniffed kind."""
    try:
        return filetypes.check_upload(upload, max_bytes=MAX_ATTACHMENT_BYTES)
    except filetypes.FileTypeError as exc:
        raise ValidationError(str(exc)) from None


@transaction.atomic
def log_visit(
    *, enterprise: Enterprise, actor: User, date: dt.date | None = None, officers: Iterable[User] = (),
    people_met: str = "", topics: Sequence[str] = (), notes: str = "", campaign: VisitCampaign | None = None,
    problems: Iterable[tuple[str, str]] = (), files: Iterable[UploadedFile] = (),
    topic_details: Mapping[str, Mapping[str, str]] | None = None,
) -> Visit:
    """Record a visit. The actor always counts among the officers who went. Problems are (description, category)
    pairs; empty descriptions are ignored (the form offers spare rows).

    `topic_details`: {topic: {key: text}} from the optional inputs under a ticked topic (registry.visit_topic_fields).
    The handler another app registers (matchmaking: a purchasing/financing/talent need) is called here, in this
    transaction, for each ticked topic: its refusal rolls the whole visit back. Details of unticked topics are
    ignored."""
    if not Enterprise.objects.visible_to(actor).filter(pk=enterprise.pk).exists():
        raise ValidationError("无权为该企业记录走访")
    day = date or timezone.localdate()
    if day > timezone.localdate():
        raise ValidationError("走访日期不能晚于今天")
    bad = [t for t in topics if t not in VisitTopic.values]
    if bad:
        raise ValidationError(f"走访内容无效：{'、'.join(bad)}")
    if campaign is not None:
        if campaign.street_id not in (None, enterprise.street_id):
            raise ValidationError("所选走访活动不属于该企业所在街道")
        if not campaign.start_date <= day <= campaign.end_date:
            raise ValidationError("走访日期不在所选活动的起止日期内")
    problem_rows = [(d.strip(), c or VisitProblem.Category.OTHER) for d, c in problems if d and d.strip()]
    for _, category in problem_rows:
        if category not in VisitProblem.Category.values:
            raise ValidationError("问题类别无效")
    uploads = list(files)
    kinds = [_check_upload(upload) for upload in uploads]
    team = {u.pk: u for u in officers}
    team[actor.pk] = actor
    foreign = [u for u in team.values() if u.street_id not in (None, enterprise.street_id)]
    if foreign:
        raise ValidationError("走访人员须为本街道人员")

    visit = Visit(enterprise=enterprise, date=day, people_met=people_met.strip(), topics=list(dict.fromkeys(topics)),
                  notes=notes.strip(), campaign=campaign, created_by=actor)
    visit._history_user = actor
    visit.save()
    visit.officers.set(team.values())
    for description, category in problem_rows:
        problem = VisitProblem(visit=visit, description=description, category=category)
        problem._history_user = actor
        problem.save()
    handler = registry.visit_topic_handler
    visit.topic_records = []  # what the handler recorded (e.g. needs), for the page that follows
    if handler is not None:
        for topic in visit.topics:
            data = {k: (v or "").strip() for k, v in (topic_details or {}).get(topic, {}).items()}
            if any(data.values()):
                record = handler.handle(visit, topic, data, actor)
                if record is not None:
                    visit.topic_records.append(record)
    for upload, kind in zip(uploads, kinds):
        # The recorded type is the sniffed one; the browser's claimed Content-Type is never stored.
        VisitAttachment.objects.create(
            visit=visit, file=upload, original_name=upload.name[:200],
            content_type=uploads_module.content_type_for(kind, upload.name),
            size=upload.size, uploaded_by=actor,
        )
    return visit


@transaction.atomic
def set_street_rule(*, street, kind: str, min_interval_days: int, max_visitors_30d: int, is_active: bool,
                    actor: User):
    """A street's own visit rule for a kind of firm (overrides the district default)."""
    if kind not in dict(VisitRule.KIND_CHOICES):
        raise ValidationError("企业类别无效")
    if not 1 <= min_interval_days <= 730:
        raise ValidationError("走访周期应在 1–730 天之间")
    if not 1 <= max_visitors_30d <= 50:
        raise ValidationError("30 天内不同走访人上限应在 1–50 之间")
    rule = VisitRule.objects.filter(street=street, kind=kind).first() or VisitRule(street=street, kind=kind)
    rule.min_interval_days, rule.max_visitors_30d, rule.is_active = min_interval_days, max_visitors_30d, is_active
    rule._history_user = actor
    rule.save()
    return rule


@transaction.atomic
def create_campaign(*, actor: User, name: str, street=None, start_date: dt.date, end_date: dt.date,
                    description: str = "") -> VisitCampaign:
    """A visiting campaign (营商环境服务周, 万名干部助企行) of a street, or of the district when `street` is empty
    (district-wide users only). Street leadership and administrators create them."""
    check_role(actor, MANAGEMENT_ROLES)
    if street is None and not sees_all_streets(actor):
        street = actor.street
    if street is not None and not sees_all_streets(actor) and street.pk != actor.street_id:
        raise ValidationError("只能为本街道创建走访活动")
    if end_date < start_date:
        raise ValidationError({"end_date": "结束日期不能早于开始日期"})
    campaign = VisitCampaign(name=name, street=street, start_date=start_date, end_date=end_date,
                             description=description)
    campaign._history_user = actor
    campaign.save()
    return campaign
