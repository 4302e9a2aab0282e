"""With DEBUG off, errors show the product's own Chinese pages, not Django's English defaults."""

from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import server_error


def test_a_missing_page_is_the_products_chinese_404(client_for, officer, settings):
    settings.DEBUG = False
    response = client_for(officer).get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "页面不存在（404）" in body and "Not Found" not in body
    assert reverse("home") in body


def test_a_missing_page_for_an_anonymous_visitor_is_chinese_too(client, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "页面不存在（404）" in response.content.decode()


def test_a_wrong_role_gets_the_chinese_403_with_the_reason(client_for, officer, settings):
    settings.DEBUG = False
    response = client_for(officer).get(reverse("calendar:index"))
    assert response.status_code == 403
    body = response.content.decode()
    assert "无权访问（403）" in body and "您的角色无权访问此页面。" in body


def test_the_500_page_is_chinese_and_needs_no_request_context(db):
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "系统出错（500）" in response.content.decode()


def test_the_django_admin_and_the_lockout_records_speak_chinese(client_for, admin_user):
    from axes.models import AccessAttempt

    client = client_for(admin_user)
    index = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en-US,en").content.decode()  # an English browser
    assert "站点管理" in index and "登录安全" in index and "登录尝试" in index
    assert "Access attempts" not in index and "Axes" not in index
    AccessAttempt.objects.create(username="officer_mt", ip_address="10.0.0.8", failures_since_start=5)
    attempts = client.get("/admin/axes/accessattempt/").content.decode()
    assert "IP 地址" in attempts and "登录失败次数" in attempts and "Failed Logins" not in attempts


def test_the_lockout_message_is_chinese(client, officer, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(3):
        response = client.post(reverse("login"), {"username": officer.username, "password": "wrong-password"})
    body = response.content.decode()
    assert response.status_code in (403, 429) and "锁定" in body and "Account locked" not in body
