"""Shared fixtures: one user per role in two streets, and a clean calendar cache and language per test."""

import pytest

from crm.models import Role
from tests.crm.factories import StreetFactory, UserFactory


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    from crm.services.workcalendar import invalidate_calendar

    invalidate_calendar()
    yield
    invalidate_calendar()


@pytest.fixture(autouse=True)
def _fresh_sishang_rules():
    """The 四上 thresholds are cached per year in memory; a test's own threshold rows are rolled back with it."""
    from enterprises.services.classification import clear_rules_cache

    clear_rules_cache()
    yield
    clear_rules_cache()


@pytest.fixture(autouse=True)
def _default_language():
    """A request made in English leaves English active in the test's thread; the next test starts in Chinese."""
    from django.conf import settings
    from django.utils import translation

    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def street(db):
    return StreetFactory(code="440311006", name="马田街道")


@pytest.fixture
def other_street(db):
    return StreetFactory(code="440311005", name="玉塘街道")


@pytest.fixture
def officer(street):
    return UserFactory(role=Role.OFFICER, street=street, username="officer_mt")


@pytest.fixture
def other_officer(other_street):
    return UserFactory(role=Role.OFFICER, street=other_street, username="officer_yt")


@pytest.fixture
def statistician(street):
    return UserFactory(role=Role.STATISTICIAN, street=street, username="stat_mt")


@pytest.fixture
def manager(street):
    return UserFactory(role=Role.MANAGER, street=street, username="manager_mt")


@pytest.fixture
def department_user(db):
    from tests.crm.factories import DepartmentFactory

    return UserFactory(role=Role.DEPARTMENT, street=None, department=DepartmentFactory(), username="dept_user")


@pytest.fixture
def admin_user(db):
    return UserFactory(role=Role.ADMIN, street=None, username="admin_user", is_staff=True, is_superuser=True)


@pytest.fixture
def client_for(client):
    """client_for(user) → a test client logged in as that user."""

    def login(user):
        client.force_login(user)
        return client

    return login
