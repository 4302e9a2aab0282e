"""One role check (crm.permissions.user_has_role); User.has_role delegates to it until it is removed."""

from django.urls import reverse

from crm.models import Role
from crm.permissions import ADMIN_ROLES, CALENDAR_VIEW_ROLES, MANAGEMENT_ROLES, user_has_role
from tests.crm.factories import UserFactory


def test_has_role_gives_the_same_answer_as_user_has_role_for_every_kind_of_user(db):
    users = [UserFactory(role=role) for role in Role.values]
    users += [UserFactory(role=Role.MANAGER, is_active=False), UserFactory(role=Role.OFFICER, is_superuser=True)]
    for user in users:
        for roles in (ADMIN_ROLES, MANAGEMENT_ROLES, CALENDAR_VIEW_ROLES):
            assert user.has_role(*roles) == user_has_role(user, roles), (user.role, roles)
    # a deactivated manager is refused by both (has_role used to say yes)
    assert not users[-2].has_role(Role.MANAGER)


def test_the_calendar_menu_item_follows_the_calendar_roles(client_for, manager, officer):
    assert reverse("calendar:index") in client_for(manager).get(reverse("home")).content.decode()
    assert reverse("calendar:index") not in client_for(officer).get(reverse("home")).content.decode()


def test_a_district_leader_gets_a_home_page(client_for, db):
    district = UserFactory(role=Role.DISTRICT, street=None)
    assert client_for(district).get(reverse("home")).status_code == 200
