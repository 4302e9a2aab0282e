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
