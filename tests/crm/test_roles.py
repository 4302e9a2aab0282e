"""One role check: crm.permissions.user_has_role (User.has_role, a second spelling, is gone)."""

from django.urls import reverse

from crm.models import Role
from crm.permissions import ADMIN_ROLES, CALENDAR_VIEW_ROLES, MANAGEMENT_ROLES, user_has_role
from tests.crm.factories import UserFactory


def test_user_has_role_answers_by_role_activity_and_superuser(db):
    for role in Role.values:
        user = UserFactory(role=role)
        for roles in (ADMIN_ROLES, MANAGEMENT_ROLES, CALENDAR_VIEW_ROLES):
            assert user_has_role(user, roles) == (role in roles), (role, roles)
    # a deactivated manager is refused; a superuser passes every check
    assert not user_has_role(UserFactory(role=Role.MANAGER, is_active=False), MANAGEMENT_ROLES)
    assert user_has_role(UserFactory(role=Role.OFFICER, is_superuser=True), ADMIN_ROLES)
    assert not hasattr(UserFactory.build(), "has_role")


def test_the_calendar_menu_item_follows_the_calendar_roles(client_for, manager, officer):
    assert reverse("calendar:index") in client_for(manager).get(reverse("home")).content.decode()
    assert reverse("calendar:index") not in client_for(officer).get(reverse("home")).content.decode()


def test_a_district_leader_gets_a_home_page(client_for, db):
    district = UserFactory(role=Role.DISTRICT, street=None)
    assert client_for(district).get(reverse("home")).status_code == 200
