"""Creating and editing 固投 projects, renewal projects and their milestones.

Every function checks space.permissions with its explicit actor and keeps the record inside the actor's street;
anything the project points at (招商 project, owner firm, officer, team, parks) must belong to the same street.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.models import Role, User
from crm.scoping import sees_all_streets
from space.models import InvestmentProject, RenewalMilestone, RenewalProject
from space.permissions import require

INVESTMENT_FIELDS = (
    "code", "name", "kind", "enterprise", "owner_body", "pipeline_project", "planned_total", "year", "year_plan",
    "registered", "registered_on", "start_on", "completion_on", "officer",
)
RENEWAL_FIELDS = ("name", "kind", "area", "year_area_target", "status", "officer", "team")
MILESTONE_FIELDS = ("name", "planned_on", "actual_on", "delivered_area")


def _check_scope(actor: User, street_id: int | None) -> None:
    if street_id is None or (not sees_all_streets(actor) and actor.street_id != street_id):
        raise PermissionDenied(_("只能修改本街道的数据。"))


def _assign(obj, data: dict, allowed: tuple[str, ...]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationError(_("不可修改的字段：%(f)s") % {"f": "、".join(sorted(unknown))})
    for field, value in data.items():
        setattr(obj, field, value)


def _check_officer(officer, street_id: int, errors: dict) -> None:
    if officer is not None and (officer.street_id != street_id or officer.role not in (Role.OFFICER, Role.MANAGER)):
        errors["officer"] = _("责任人须为本街道的经济专员或街道领导。")


@transaction.atomic
def save_investment(*, actor: User, project: InvestmentProject, data: dict) -> InvestmentProject:
    """Create (project not yet saved, street set) or change a 固投 project, including its link to a 招商 project."""
    require(actor, "edit_investment")
    if project.pk:
        _check_scope(actor, InvestmentProject.objects.values_list("street_id", flat=True).get(pk=project.pk))
    _check_scope(actor, project.street_id)
    _assign(project, data, INVESTMENT_FIELDS)
    errors: dict[str, str] = {}
    street_id = project.street_id
    if project.pipeline_project is not None and project.pipeline_project.street_id != street_id:
        errors["pipeline_project"] = _("关联的招商项目须属于本街道。")
    if project.enterprise is not None and project.enterprise.street_id != street_id:
        errors["enterprise"] = _("业主企业须属于本街道。")
    if project.enterprise is None and not (project.owner_body or "").strip():
        errors["owner_body"] = _("请选择业主企业或填写业主单位。")
    _check_officer(project.officer, street_id, errors)
    if project.year_plan is not None and project.planned_total is not None and project.year_plan > project.planned_total:
        errors["year_plan"] = _("年度计划投资不能大于计划总投资。")
    if project.start_on and project.completion_on and project.completion_on < project.start_on:
        errors["completion_on"] = _("竣工日期不能早于开工日期。")
    if project.registered and not project.registered_on:
        errors["registered_on"] = _("已入库的项目请填写入库日期。")
    if (InvestmentProject.objects.filter(street_id=street_id, code=project.code).exclude(pk=project.pk).exists()):
        errors["code"] = _("本街道已有此项目代码的固投项目。")
    if errors:
        raise ValidationError(errors)
    project.full_clean(exclude=["street"], validate_constraints=False)
    project.save()
    return project


@transaction.atomic
def save_renewal(*, actor: User, project: RenewalProject, data: dict, parks=None) -> RenewalProject:
    """Create or change a renewal project; `parks` (if given) replaces the parks it covers."""
    require(actor, "edit_renewal")
    if project.pk:
        _check_scope(actor, RenewalProject.objects.values_list("street_id", flat=True).get(pk=project.pk))
    _check_scope(actor, project.street_id)
    _assign(project, data, RENEWAL_FIELDS)
    errors: dict[str, str] = {}
    _check_officer(project.officer, project.street_id, errors)
    if project.team is not None and project.team.street_id != project.street_id:
        errors["team"] = _("责任专班须属于本街道。")
    if parks is not None and any(p.street_id != project.street_id for p in parks):
        errors["parks"] = _("涉及的园区/楼宇须属于本街道。")
    if errors:
        raise ValidationError(errors)
    project.full_clean(exclude=["street"], validate_constraints=False)
    project.save()
    if parks is not None:
        project.parks.set(parks)
    return project


@transaction.atomic
def save_milestone(*, actor: User, milestone: RenewalMilestone, data: dict) -> RenewalMilestone:
    """Create or change a milestone of a renewal project (planned date, and when done the actual date)."""
    require(actor, "edit_renewal")
    _check_scope(actor, RenewalProject.objects.values_list("street_id", flat=True).get(pk=milestone.project_id))
    if milestone.pk and RenewalMilestone.objects.values_list("project_id", flat=True).get(pk=milestone.pk) != milestone.project_id:
        raise PermissionDenied(_("节点不属于该项目。"))
    _assign(milestone, data, MILESTONE_FIELDS)
    errors: dict[str, str] = {}
    if milestone.delivered_area is not None and milestone.actual_on is None:
        errors["actual_on"] = _("登记交付面积时请填写实际完成日期。")
    if errors:
        raise ValidationError(errors)
    milestone.full_clean(exclude=["project"])
    milestone.save()
    return milestone
