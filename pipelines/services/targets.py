"""Annual targets: saving and deleting one, for street leadership (the role is checked here)."""

from __future__ import annotations

from django.db import transaction

from crm.models import User
from crm.permissions import check_role
from pipelines.models import Target
from pipelines.permissions import MANAGE_ROLES


@transaction.atomic
def save_target(target: Target, *, actor: User, street_id: int, team=None, officer=None) -> Target:
    """Create or update a target (built by the form, unsaved) for the street, a team or an officer."""
    check_role(actor, MANAGE_ROLES)
    target.street_id = street_id
    target.team, target.officer = team, officer
    target.save()
    return target


@transaction.atomic
def delete_target(target: Target, *, actor: User) -> None:
    check_role(actor, MANAGE_ROLES)
    target.delete()
