"""Oversize, malformed and injection input on every page: never a server error, never a change on refusal, and
a message the user can read."""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm.models import SpecialDay
from tests.trust.test_permission_matrix import URL_RULES, _build, _url
from tests.trust.urlconf import checked_routes

pytestmark = pytest.mark.django_db

HOSTILE_VALUES = [
    "x" * 20_000,  # oversize
    "' OR 1=1 --",  # SQL injection
    "<script>alert(1)</script>",  # markup
    "%00\x00nul",  # NUL byte (PostgreSQL refuses it in text)
    "-1",
    "99999999999999999999999",  # integer overflow
    "2025-13-45",  # malformed date
    "１２３",  # full-width digits
    "../../etc/passwd",
]
PARAMS = ["q", "page", "after", "before", "street", "community", "year", "status", "kind", "category", "from", "to",
          "period", "officer", "department", "kpi", "by", "sort", "id", "enterprise", "problem", "stage", "tier"]
GET_ROUTES = [r for r in checked_routes() if r.key in URL_RULES and URL_RULES[r.key].method == "GET"]
POST_ROUTES = [r for r in checked_routes() if r.key in URL_RULES]


@pytest.mark.parametrize("route", GET_ROUTES, ids=lambda r: r.key)
def test_hostile_query_parameters_never_cause_a_server_error(route, world, client):
    admin = world.users["admin"]
    rule = URL_RULES[route.key]
    obj = _build(rule.kind, world, admin, "own") if route.kwargs or rule.kind not in ("none", "public") else None
    url = _url(route, rule, obj)
    client.force_login(admin)
    for value in HOSTILE_VALUES:
        response = client.get(url, {p: value for p in PARAMS})
        assert response.status_code < 500, f"{route.key} ?…={value[:30]!r} → {response.status_code}"
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            assert "<script>alert(1)</script>" not in response.content.decode(), f"{route.key} reflects markup"


@pytest.mark.parametrize("route", POST_ROUTES, ids=lambda r: r.key)
def test_hostile_form_posts_never_cause_a_server_error(route, world, client):
    admin = world.users["admin"]
    rule = URL_RULES[route.key]
    obj = _build(rule.kind, world, admin, "own") if route.kwargs or rule.kind not in ("none", "public") else None
    url = _url(route, rule, obj)
    client.force_login(admin)
    fields = PARAMS + ["name", "title", "description", "notes", "date", "uscc", "phone", "email", "area", "amount",
                       "target_value", "comment", "reply", "answer", "reason", "due", "held_on", "planned_investment"]
    for value in HOSTILE_VALUES:
        response = client.post(url, {f: value for f in fields})
        assert response.status_code < 500, f"{route.key} POST {value[:30]!r} → {response.status_code}"


def test_a_malformed_calendar_day_is_refused_with_a_message_and_saves_nothing(client_for, admin_user):
    client = client_for(admin_user)
    before = SpecialDay.objects.count()
    response = client.post(reverse("calendar:day_save"), {"date": "2025-13-45", "kind": "holiday", "name": "x" * 500},
                           follow=True)
    assert SpecialDay.objects.count() == before
    body = response.content.decode()
    assert "保存失败" in body


def test_an_oversize_enterprise_name_is_refused_with_a_message(client_for, statistician):
    from enterprises.models import Enterprise
    from tests.enterprises.factories import make_uscc

    before = Enterprise.objects.count()
    response = client_for(statistician).post(reverse("enterprises:create"), {
        "uscc": make_uscc(900_001), "name": "深" * 5000, "street": statistician.street_id})
    assert response.status_code == 200  # the form again, with its errors
    assert Enterprise.objects.count() == before
    assert "errorlist" in response.content.decode() or "aria-invalid" in response.content.decode()


def test_an_invalid_uscc_is_refused_with_a_chinese_message(client_for, statistician):
    from enterprises.models import Enterprise

    response = client_for(statistician).post(reverse("enterprises:create"), {
        "uscc": "91440300715267260X' OR 1=1", "name": "深圳市注入测试有限公司", "street": statistician.street_id})
    assert response.status_code == 200
    assert not Enterprise.objects.filter(name="深圳市注入测试有限公司").exists()
    body = response.content.decode()
    assert "信用代码" in body


def test_an_upload_is_judged_by_content_not_extension(client_for, statistician):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from namelists.models import ImportBatch

    png = SimpleUploadedFile("名录.xlsx", b"\x89PNG\r\n\x1a\n" + b"\0" * 200, content_type="application/vnd.ms-excel")
    response = client_for(statistician).post(reverse("namelists:upload"), {"file": png, "list_kind": "sishang",
                                                                           "year": 2025, "street": statistician.street_id})
    assert response.status_code == 200
    assert ImportBatch.objects.count() == 0
    assert "不是电子表格文件" in response.content.decode()


def test_date_inputs_render_iso_dates_the_browser_can_show(client_for, admin_user, street):
    """<input type=date> only accepts YYYY-MM-DD; the zh-hans format (2026/11/24) shows as empty, so a browser
    refuses to submit a required date and silently clears an optional one on save."""
    import re

    client = client_for(admin_user)
    for name in ("enterprises:visit_create", "calendar:index"):
        body = client.get(reverse(name)).content.decode()
        for tag in re.findall(r'<input[^>]*type="date"[^>]*>', body):
            value = re.search(r'value="([^"]*)"', tag)
            assert value is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.group(1)), f"{name}: {tag}"


def test_nul_bytes_are_refused_with_a_message(client_for, officer):
    response = client_for(officer).get(reverse("enterprises:list"), {"q": "科技\x00"})
    assert response.status_code == 400 and "非法字符" in response.content.decode()


def test_an_oversize_number_in_a_filter_is_ignored_and_in_a_form_refused(client_for, admin_user, street):
    client = client_for(admin_user)
    assert client.get(reverse("appeals:list"), {"street": "9" * 25, "q": "x"}).status_code == 200
    response = client.post(reverse("notifications:mark_read"), {"id": "9" * 25})
    assert response.status_code == 400 and "数字过大" in response.content.decode()
