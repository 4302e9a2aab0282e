"""Events (招商活动): saving one and adding its participants, with the actor's role checked here."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.models import User
from crm.permissions import check_role
from enterprises.models import Enterprise
from pipelines.models import Event, Project
from pipelines.permissions import WRITE_ROLES


@transaction.atomic
def save_event(event: Event, *, actor: User, street_id: int) -> Event:
    """Create or update an event (built by the form, unsaved) in its street."""
    check_role(actor, WRITE_ROLES)
    event.street_id = street_id
    event.save()
    return event


@transaction.atomic
def add_project(event: Event, project_pk: int, *, actor: User) -> Project:
    """A project of the event's street the actor may see joins the event (对接项目)."""
    check_role(actor, WRITE_ROLES)
    project = Project.objects.visible_to(actor).filter(pk=project_pk, street_id=event.street_id).first()
    if project is None:
        raise ValidationError(_("未找到该项目。"))
    event.projects.add(project)
    return project


@transaction.atomic
def add_firm(event: Event, uscc: str, *, actor: User) -> Enterprise:
    """A firm of the event's street, by 统一社会信用代码, joins the participants."""
    check_role(actor, WRITE_ROLES)
    firm = Enterprise.objects.visible_to(actor).filter(uscc=uscc, street_id=event.street_id).first()
    if firm is None:
        raise ValidationError(_("未找到该统一社会信用代码对应的本街道企业。"))
    event.enterprises.add(firm)
    return firm
