"""Space work: registering a demand, reserving a unit for it, and moving a unit's status. Each write checks the
actor's role (pipelines.permissions) here, not only in the view."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import User
from crm.permissions import check_role
from pipelines.models import Project, SpaceDemand, Vacancy
from pipelines.permissions import WRITE_ROLES


@transaction.atomic
def register_demand(*, actor: User, street_id: int, project: Project | None = None, enterprise=None,
                    **fields) -> SpaceDemand:
    """A space demand of a project or of an existing firm (exactly one); the project counts as worked on."""
    check_role(actor, WRITE_ROLES)
    if (project is None) == (enterprise is None):
        raise ValidationError(_("空间需求须属于一个招商项目或一家企业。"))
    demand = SpaceDemand(street_id=street_id, project=project, enterprise=enterprise, **fields)
    demand.save()
    if project is not None:
        Project.objects.filter(pk=project.pk).update(touched_at=timezone.now())
    return demand


@transaction.atomic
def reserve_vacancy(demand: SpaceDemand, vacancy_pk: int, *, actor: User, vacancies) -> Vacancy:
    """Lock a unit (意向锁定) for a demand and close the demand. `vacancies` is the actor's visible queryset; the
    row is locked so two officers cannot reserve the same unit."""
    check_role(actor, WRITE_ROLES)
    vacancy = vacancies.select_for_update().filter(pk=vacancy_pk).first()
    if vacancy is None:
        raise Vacancy.DoesNotExist
    if vacancy.status != Vacancy.Status.AVAILABLE:
        raise ValidationError(_("该物业已不可租售。"))
    if not demand.is_open:
        raise ValidationError(_("该需求已解决。"))
    vacancy.status = Vacancy.Status.RESERVED
    vacancy.taken_by_project, vacancy.taken_by_enterprise = demand.project, demand.enterprise
    vacancy.save()
    demand.is_open = False
    demand.save(update_fields=["is_open"])
    return vacancy


@transaction.atomic
def set_vacancy_status(vacancy: Vacancy, status: str, *, actor: User) -> Vacancy:
    """Mark a unit taken / available again / withdrawn. Freeing or withdrawing it clears who took it."""
    check_role(actor, WRITE_ROLES)
    if status not in Vacancy.Status.values:
        raise ValidationError(_("未知的物业状态。"))
    vacancy.status = status
    if status in (Vacancy.Status.AVAILABLE, Vacancy.Status.WITHDRAWN):
        vacancy.taken_by_project = vacancy.taken_by_enterprise = None
    vacancy.save()
    return vacancy


