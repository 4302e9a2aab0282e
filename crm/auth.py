"""The authentication backend: Django's ModelBackend, with the per-request user lookup loading what every page
shows of the user.

The base template's user menu names the user's street and department: with the plain ModelBackend that is one or
two more queries on every page (the user row is read by id on each request, then `user.street` and
`user.department` each fetch their row). Loading them in the same query costs nothing measurable.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        User = get_user_model()
        try:
            user = User._default_manager.select_related("street", "department").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
