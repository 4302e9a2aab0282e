"""Row scoping lives in crm.scoping and every app's querysets inherit it."""

import pytest

from crm.models import Role, Street
from crm.scoping import ScopedQuerySet, visible_streets
from enterprises.models import Enterprise
from tests.crm.factories import StreetFactory, UserFactory

pytestmark = pytest.mark.django_db


def make_enterprise(street, uscc):
    return Enterprise.objects.create(uscc=uscc, name=f"企业{uscc[-4:]}", street=street)


@pytest.fixture
def two_firms(street, other_street):
    return make_enterprise(street, "9144030071526726XG"), make_enterprise(other_street, "91110000710926094P")


def test_officer_sees_only_their_street(officer, two_firms):
    mine, theirs = two_firms
    assert list(Enterprise.objects.visible_to(officer)) == [mine]


def test_manager_and_statistician_are_street_scoped_too(manager, statistician, two_firms):
    mine, _ = two_firms
    assert list(Enterprise.objects.visible_to(manager)) == [mine]
    assert list(Enterprise.objects.visible_to(statistician)) == [mine]


def test_district_wide_users_and_admins_see_every_street(admin_user, two_firms):
    district_manager = UserFactory(role=Role.MANAGER, street=None, username="district_mgr")
    assert set(Enterprise.objects.visible_to(admin_user)) == set(two_firms)
    assert set(Enterprise.objects.visible_to(district_manager)) == set(two_firms)


def test_department_handlers_see_no_street_data_by_default(department_user, two_firms):
    assert not Enterprise.objects.visible_to(department_user).exists()


def test_anonymous_and_inactive_users_see_nothing(two_firms, officer):
    from django.contrib.auth.models import AnonymousUser

    assert not Enterprise.objects.visible_to(AnonymousUser()).exists()
    assert not Enterprise.objects.visible_to(None).exists()
    officer.is_active = False
    assert not Enterprise.objects.visible_to(officer).exists()


def test_scoped_queryset_follows_a_path_through_relations(officer, two_firms):
    from enterprises.models import Classification

    mine, theirs = two_firms
    Classification.objects.create(enterprise=mine, kind="sishang", category="industry", year=2025)
    Classification.objects.create(enterprise=theirs, kind="sishang", category="industry", year=2025)
    assert [c.enterprise for c in Classification.objects.visible_to(officer)] == [mine]
    assert issubclass(type(Classification.objects.all()), ScopedQuerySet)


def test_visible_streets(officer, admin_user, other_street):
    StreetFactory(code="440311001", name="光明街道")
    assert list(visible_streets(officer)) == [officer.street]
    assert visible_streets(admin_user).count() == Street.objects.count()
