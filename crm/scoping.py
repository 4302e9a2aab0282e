"""Row-level scoping: who may see which rows. The one place every view and export goes through.

A model whose rows belong to a street uses `ScopedQuerySet` (or a subclass) as its manager and names the path
to its street in `street_field`. Views never filter by street themselves: they call `.visible_to(user)`.

- administrators, superusers and district-wide users (no street) see every street;
- officers, statisticians and managers see their own street;
- department handlers see nothing by default; a model whose rows are sent to departments (appeals) overrides
  `for_department`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

from .models import Role

if TYPE_CHECKING:
    from .models import User


def sees_all_streets(user: User) -> bool:
    from .permissions import ADMIN_ROLES, user_has_role

    return user_has_role(user, ADMIN_ROLES) or bool(user.street_id is None and user.role != Role.DEPARTMENT)


class ScopedQuerySet(models.QuerySet):
    #: Path from the model to its Street, e.g. "street" or "enterprise__street".
    street_field: str = "street"
    #: True where a row without a street is the district's own (a district-wide policy, campaign or rule): every
    #: street's staff see it beside their street's rows.
    district_rows_shared: bool = False

    def visible_to(self, user: User | None) -> ScopedQuerySet:
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if not user.is_superuser and user.role == Role.DEPARTMENT:
            return self.for_department(user)
        if sees_all_streets(user):
            return self.all()
        own = Q(**{self.street_field: user.street_id})
        if self.district_rows_shared:
            own |= Q(**{f"{self.street_field}__isnull": True})
        return self.filter(own)

    def for_department(self, user: User) -> ScopedQuerySet:
        return self.none()

    def in_street(self, street_id: int | None) -> ScopedQuerySet:
        return self if street_id is None else self.filter(**{self.street_field: street_id})


def scoped_manager(street_field: str, base: type[ScopedQuerySet] = ScopedQuerySet) -> models.Manager:
    """A manager whose queryset is scoped through `street_field`."""
    queryset_class = type(f"{base.__name__}_{street_field}", (base,), {"street_field": street_field})
    return queryset_class.as_manager()


def visible_streets(user: User):
    from .models import Street

    if not user.is_authenticated:
        return Street.objects.none()
    if sees_all_streets(user):
        return Street.objects.all()
    if user.street_id:
        return Street.objects.filter(pk=user.street_id)
    return Street.objects.none()
