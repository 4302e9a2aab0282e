"""Security settings: CSP on every page and no inline script without the nonce, secure cookies and session
timeout in production, CSRF on every state-changing request (enumerated from the URL conf)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.trust.test_permission_matrix import URL_RULES, _build, _url
from tests.trust.urlconf import EXCLUDED_NAMES, all_routes, checked_routes

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def test_pages_carry_a_strict_content_security_policy(client_for, officer):
    response = client_for(officer).get(reverse("home"))
    policy = response.headers["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}
    assert directives["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"]
    assert "'self'" in directives["script-src"] and "'nonce'" not in directives["script-src"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_every_inline_script_in_a_page_carries_the_csp_nonce(client_for, admin_user, street):
    client = client_for(admin_user)
    for name in ("home", "calendar:index", "enterprises:visit_create", "enterprises:list", "appeals:list", "appeals:dashboard",
                 "pipelines:dashboard", "namelists:index"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        found = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
        for tag in re.findall(r"<script\b[^>]*>", response.content.decode()):
            if "src=" not in tag and 'type="application/json"' not in tag:
                assert found and f'nonce="{found.group(1)}"' in tag, f"{name}: inline script without the nonce: {tag}"


TEMPLATE_DIRS = [p for p in ROOT.glob("*/templates") if ".venv" not in str(p)]


def test_templates_have_no_inline_event_handlers_or_unnonced_scripts():
    """CSP blocks onclick=… and un-nonced inline scripts: they would silently not work in the browser."""
    problems = []
    for template in (f for d in TEMPLATE_DIRS for f in d.rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and "nonce" not in tag and "application/json" not in tag:
                problems.append(f"{template.relative_to(ROOT)}: {tag}")
        for handler in re.findall(r"<[^>]+\s(on[a-z]+)\s*=", text):
            problems.append(f"{template.relative_to(ROOT)}: inline handler {handler}=")
        if re.search(r"(src|href)=\"(https?:)?//", text):
            problems.append(f"{template.relative_to(ROOT)}: external asset")
    assert not problems, "\n".join(problems)


def _production_settings() -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; print(json.dumps({k: getattr(s, k) "
        "for k in ['SESSION_COOKIE_SECURE','CSRF_COOKIE_SECURE','SESSION_COOKIE_HTTPONLY','CSRF_COOKIE_HTTPONLY',"
        "'SESSION_COOKIE_AGE','SESSION_EXPIRE_AT_BROWSER_CLOSE','SESSION_SAVE_EVERY_REQUEST','SECURE_SSL_REDIRECT',"
        "'SECURE_HSTS_SECONDS','SESSION_COOKIE_SAMESITE','CSRF_COOKIE_SAMESITE','AXES_FAILURE_LIMIT',"
        "'AXES_ENABLE_ACCESS_FAILURE_LOG','DEBUG','SESSION_RENEW_SECONDS','MIDDLEWARE']}))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "crm.settings", "DEBUG": "0", "ALLOWED_HOSTS": "crm.example.gov.cn",
           "SECRET_KEY": "a-production-like-secret-key-with-enough-length-and-entropy-0987654321",
           "VAR_DIR": str(ROOT / "var" / "deploycheck")}
    env.pop("DATABASE_URL", None)
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_production_cookies_are_secure_http_only_and_sessions_time_out():
    s = _production_settings()
    assert s["DEBUG"] is False
    assert s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"] and s["SESSION_COOKIE_HTTPONLY"]
    assert s["CSRF_COOKIE_HTTPONLY"]
    assert s["SESSION_COOKIE_SAMESITE"] in ("Lax", "Strict") and s["CSRF_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert 0 < s["SESSION_COOKIE_AGE"] <= 8 * 3600 and s["SESSION_EXPIRE_AT_BROWSER_CLOSE"]
    # Idle timeout, renewed while the user works: every few minutes of use, not by a write on every request.
    assert s["SESSION_SAVE_EVERY_REQUEST"] or (
        "crm.middleware.IdleSessionRenewalMiddleware" in s["MIDDLEWARE"] and 0 < s["SESSION_RENEW_SECONDS"] <= 900)
    assert s["SECURE_SSL_REDIRECT"] and s["SECURE_HSTS_SECONDS"] >= 31536000
    assert 0 < s["AXES_FAILURE_LIMIT"] <= 10 and s["AXES_ENABLE_ACCESS_FAILURE_LOG"]


def test_an_idle_session_expires_and_the_user_must_sign_in_again(client, officer):
    client.post(reverse("login"), {"username": officer.username, "password": "Pass-word-123"})
    assert client.get(reverse("home")).status_code == 200
    assert client.session.get_expiry_age() <= settings.SESSION_COOKIE_AGE
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_sessions_are_renewed_on_login_against_fixation(client, officer):
    client.get(reverse("login"))
    client.session["probe"] = 1
    before = client.cookies.get(settings.SESSION_COOKIE_NAME)
    client.post(reverse("login"), {"username": officer.username, "password": "Pass-word-123"})
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert before is None or before.value != after


# --- CSRF: every URL, POSTed without a token, is refused ------------------------------------------------------
CSRF_ROUTES = [r for r in checked_routes()] + [r for r in all_routes() if r.key in EXCLUDED_NAMES]


@pytest.mark.parametrize("route", CSRF_ROUTES, ids=lambda r: r.key)
def test_a_post_without_csrf_token_is_refused(route, request, admin_user):
    from tests.trust.test_permission_matrix import world as _world_fixture  # noqa: F401

    world = request.getfixturevalue("world")
    rule = URL_RULES.get(route.key)
    if rule is None and route.kwargs:
        pytest.skip(f"{route.key} has no permission-matrix rule yet (test_every_url_has_a_rule fails for it)")
    obj = _build(rule.kind, world, admin_user, "own") if rule else None
    url = _url(route, rule, obj) if rule else reverse(route.key)
    assert not getattr(route.callback, "csrf_exempt", False), f"{route.key} is csrf_exempt"
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    response = client.post(url, {"name": "x"})
    if rule and rule.kind == "public":
        assert response.status_code in (403, 405), f"{route.key}: {response.status_code}"
    else:
        assert response.status_code == 403, f"{route.key}: POST without CSRF token answered {response.status_code}"
