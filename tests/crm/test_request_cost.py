"""What every page costs before its own work (issue 17, capacity): the session is read, not written, on an ordinary
page view; it is renewed every few minutes of use, so the idle timeout still holds; the user's street and
department, which the header names, come with the user."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.middleware import IdleSessionRenewalMiddleware

PASSWORD = "Pass-word-123"


def _signed_in(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _session_writes(queries) -> list[str]:
    writes = ('UPDATE "django_session"', 'INSERT INTO "django_session"')
    return [q["sql"] for q in queries if q["sql"].startswith(writes)]


@pytest.mark.django_db
def test_an_ordinary_page_view_reads_the_session_without_writing_it(client, officer):
    _signed_in(client, officer)  # signing in starts the renewal clock: even the first page does not write
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("home")).status_code == 200
        assert _session_writes(queries.captured_queries) == []


@pytest.mark.django_db
def test_the_session_is_renewed_when_the_user_works_after_the_interval(client, officer):
    _signed_in(client, officer)
    client.get(reverse("home"))
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(pk=key).update(expire_date=Session.objects.get(pk=key).expire_date - dt.timedelta(hours=1))
    before = Session.objects.get(pk=key).expire_date
    session = client.session
    session[IdleSessionRenewalMiddleware.KEY] -= settings.SESSION_RENEW_SECONDS + 1  # last renewed long ago
    session.save()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    assert len(_session_writes(queries.captured_queries)) == 1
    assert Session.objects.get(pk=key).expire_date > before + dt.timedelta(minutes=59)


@pytest.mark.django_db
def test_an_anonymous_visitor_with_a_stale_session_cookie_gets_no_session_row(client):
    client.cookies[settings.SESSION_COOKIE_NAME] = "stale0000000000000000000000000000"
    client.get(reverse("login"))
    assert Session.objects.count() == 0


@pytest.mark.django_db
def test_the_header_names_the_users_street_without_a_query_for_it(client, officer):
    _signed_in(client, officer)
    with CaptureQueriesContext(connection) as queries:
        body = client.get(reverse("notifications:inbox")).content.decode()
    assert officer.street.name in body
    assert not [q for q in queries.captured_queries if q["sql"].startswith('SELECT "crm_street"')]


def test_templates_are_compiled_once_per_process():
    """No `loaders` option and APP_DIRS: Django wraps the app-directories loader in the cached loader, so a page's
    templates and includes are parsed once per worker, not on every request (a `loaders` list would turn that off)."""
    from django.template import engines
    from django.template.loaders.cached import Loader as CachedLoader

    loaders = engines["django"].engine.template_loaders
    assert len(loaders) == 1 and isinstance(loaders[0], CachedLoader)
    assert "loaders" not in settings.TEMPLATES[0].get("OPTIONS", {})
