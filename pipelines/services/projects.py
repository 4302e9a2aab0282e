"""Project rules: creation, edits, stage moves with their history, and the milestone dates derived from it."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import User
from pipelines.models import MILESTONES, OPEN_STAGES, STAGE_ORDER, Project, Stage, StageChange

REASON_STAGES = (Stage.LOST, Stage.PAUSED)


def recompute_milestones(project: Project) -> list[str]:
    """Milestone dates from the history: the first day the project reached that stage or any later one.

    Jumping from 洽谈 straight to 注册落地 still dates 签约 (it cannot register unsigned). Returns changed fields.
    """
    changes = list(project.stage_changes.order_by("on", "pk").values_list("to_stage", "on"))
    changed = []
    for field, stage in MILESTONES.items():
        threshold = STAGE_ORDER[stage.value]
        first = next((on for to, on in changes if STAGE_ORDER.get(to, -1) >= threshold), None)
        if getattr(project, field) != first:
            setattr(project, field, first)
            changed.append(field)
    return changed


def _check_next_action(stage: str, next_action: str, due: dt.date | None) -> None:
    if stage in OPEN_STAGES and (not next_action.strip() or due is None):
        raise ValidationError(_("在办项目必须填写下一步工作和计划完成日期。"))


@transaction.atomic
def create_project(*, actor: User, street_id: int, clusters=(), on: dt.date | None = None, **fields) -> Project:
    project = Project(street_id=street_id, created_by=actor, **fields)
    _check_next_action(project.stage, project.next_action, project.next_action_due)
    project.full_clean(exclude=["street", "touched_at"])
    project.save()
    if clusters:
        project.clusters.set(clusters)
    StageChange.objects.create(project=project, from_stage="", to_stage=project.stage,
                               on=on or timezone.localdate(), by=actor, note=_("新建项目"))
    if recompute_milestones(project):
        project.save()
    return project


@transaction.atomic
def update_project(project: Project, *, actor: User, clusters=None, **fields) -> Project:
    """Edit the project's data. The stage is changed only through move_stage()."""
    fields.pop("stage", None)
    for name, value in fields.items():
        setattr(project, name, value)
    _check_next_action(project.stage, project.next_action, project.next_action_due)
    project.touched_at = timezone.now()
    project.save()
    if clusters is not None:
        project.clusters.set(clusters)
    return project


@transaction.atomic
def move_stage(project: Project, to_stage: str, *, actor: User, on: dt.date | None = None, note: str = "",
               reason: str = "", next_action: str | None = None, next_action_due: dt.date | None = None) -> StageChange:
    """Move a project to another stage, keeping a dated history row.

    - 暂缓/流失 can be reached from any stage and need a reason; a paused or lost project can be reopened;
    - the date may be set back (the signing happened last week) but not into the future, nor before the
      previous change;
    - the milestone dates are recomputed from the whole history.
    """
    project = Project.objects.select_for_update().get(pk=project.pk)
    today = timezone.localdate()
    on = on or today
    if to_stage not in Stage.values:
        raise ValidationError(_("未知的项目阶段。"))
    if to_stage == project.stage:
        raise ValidationError(_("项目已处于该阶段。"))
    if on > today:
        raise ValidationError(_("阶段变更日期不能晚于今天。"))
    last = project.stage_changes.order_by("-on", "-pk").first()
    if last and on < last.on:
        raise ValidationError(_("阶段变更日期不能早于上一次变更（%(date)s）。") % {"date": last.on})
    if to_stage in REASON_STAGES and not reason.strip():
        raise ValidationError(_("暂缓或流失须填写原因。"))
    if next_action is not None:
        project.next_action = next_action
    if next_action_due is not None:
        project.next_action_due = next_action_due
    _check_next_action(to_stage, project.next_action, project.next_action_due)

    change = StageChange.objects.create(
        project=project, from_stage=project.stage, to_stage=to_stage, on=on, by=actor,
        note=(reason if to_stage in REASON_STAGES else note)[:300],
    )
    project.stage = to_stage
    project.stage_reason = reason.strip()[:200] if to_stage in REASON_STAGES else ""
    project.touched_at = timezone.now()
    recompute_milestones(project)
    project.save()
    return change


def next_stage(stage: str) -> str | None:
    """The next step on the line, for the board's one-tap "推进" button."""
    order = STAGE_ORDER.get(stage)
    if order is None or order + 1 >= len(STAGE_ORDER):
        return None
    return [s for s, i in STAGE_ORDER.items() if i == order + 1][0]
