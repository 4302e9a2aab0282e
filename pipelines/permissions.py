"""Who may do what in 招商引资: the one table of roles, and the one rule for confidential projects.

A confidential project (保密项目) is seen by its officer in charge, the members of its team (专班) and street
leadership (CONFIDENTIAL_READERS, within their street). Everyone else who can see the street's pipeline is told
that a confidential project is there, never its name: every page, export, notification and search that names a
project goes through `Project.objects.visible_to(user)` (rows) or `Project.visible_name_for(user)` /
the `project_name` template filter (a name on a row of something else: a vacancy, an event, a firm).
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.permissions import MANAGEMENT_ROLES, PIPELINE_READ_ROLES, PIPELINE_WRITE_ROLES, user_has_role

#: Pages that read the pipeline (the district role read-only); pages that write it; pages that set targets.
READ_ROLES = PIPELINE_READ_ROLES
WRITE_ROLES = PIPELINE_WRITE_ROLES
MANAGE_ROLES = MANAGEMENT_ROLES

#: Roles that see every confidential project of their street (street leadership).
CONFIDENTIAL_READERS = MANAGEMENT_ROLES
#: What everyone else reads where a confidential project's name would be.
CONFIDENTIAL_LABEL = _("保密项目")


def sees_every_confidential_project(user) -> bool:
    return user_has_role(user, CONFIDENTIAL_READERS)


def confidential_visibility(user) -> Q:
    """The rows of a street's projects `user` may see by name (to AND with the street scope)."""
    if user is None or not user.is_authenticated:
        return Q(confidential=False)
    if sees_every_confidential_project(user):
        return Q()
    return Q(confidential=False) | Q(officer=user) | Q(team__in=user.teams.values("pk"))


def _team_ids(user) -> frozenset[int]:
    cached = getattr(user, "_pipeline_team_ids", None)
    if cached is None:
        cached = frozenset(user.teams.values_list("pk", flat=True))
        user._pipeline_team_ids = cached
    return cached


def may_see_project(user, project) -> bool:
    """The same rule as `confidential_visibility`, for one project already in the user's street scope."""
    if not project.confidential:
        return True
    if user is None or not user.is_authenticated:
        return False
    if sees_every_confidential_project(user):
        return user.street_id is None or user.street_id == project.street_id
    if project.officer_id is not None and project.officer_id == user.pk:
        return True
    return project.team_id is not None and project.team_id in _team_ids(user)
