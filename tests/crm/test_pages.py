"""The shell: login, home page per role, inbox, calendar administration, health check."""

import pytest
from django.urls import reverse

from crm.models import CalendarYear, Notification, Role, SpecialDay

pytestmark = pytest.mark.django_db


def test_anonymous_users_are_sent_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_login_page_is_chinese(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "登录" in response.content.decode()


@pytest.mark.parametrize(
    "fixture, marker",
    [
        ("officer", "走访企业"),
        ("statistician", "导入统计局名录"),
        ("manager", "诉求办理时效"),
        ("department_user", "本部门收到的转办诉求"),
        ("admin_user", "用户、组织架构"),
    ],
)
def test_each_role_gets_its_own_home_page(request, client_for, fixture, marker):
    user = request.getfixturevalue(fixture)
    response = client_for(user).get(reverse("home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert marker in body
    assert user.get_role_display() in body


def test_navigation_shows_only_what_the_role_may_open(client_for, officer, admin_user):
    officer_page = client_for(officer).get(reverse("home")).content.decode()
    assert reverse("calendar:index") not in officer_page
    admin_page = client_for(admin_user).get(reverse("home")).content.decode()
    assert reverse("calendar:index") in admin_page


def test_pages_carry_no_external_assets(client_for, officer):
    body = client_for(officer).get(reverse("home")).content.decode()
    assert "http://" not in body.replace("http://testserver", "") and "https://" not in body
    assert "/static/vendor/htmx.min.js" in body


def test_login_works_and_locks_out_after_repeated_failures(client, officer):
    url = reverse("login")
    assert client.post(url, {"username": officer.username, "password": "Pass-word-123"}).status_code == 302
    client.logout()
    for _ in range(5):
        client.post(url, {"username": officer.username, "password": "wrong"})
    response = client.post(url, {"username": officer.username, "password": "Pass-word-123"})
    assert response.status_code == 429
    assert "锁定" in response.content.decode()


def test_inbox_lists_only_the_users_own_notifications(client_for, officer, manager):
    Notification.objects.create(recipient=officer, key="k1", kind="test", title="给专员的消息")
    Notification.objects.create(recipient=manager, key="k1", kind="test", title="给领导的消息")
    body = client_for(officer).get(reverse("notifications:inbox")).content.decode()
    assert "给专员的消息" in body and "给领导的消息" not in body


def test_opening_a_notification_marks_it_read_and_follows_only_local_links(client_for, officer, manager):
    mine = Notification.objects.create(recipient=officer, key="k", kind="t", title="t", url="https://evil.example/")
    theirs = Notification.objects.create(recipient=manager, key="k", kind="t", title="t")
    client = client_for(officer)
    response = client.get(reverse("notifications:open", args=[mine.pk]))
    assert response.url == reverse("notifications:inbox")
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert client.get(reverse("notifications:open", args=[theirs.pk])).status_code == 404


def test_unread_count_shows_in_the_header(client_for, officer):
    Notification.objects.create(recipient=officer, key="a", kind="t", title="t")
    Notification.objects.create(recipient=officer, key="b", kind="t", title="t")
    body = client_for(officer).get(reverse("home")).content.decode()
    assert 'id="unread-count">2<' in body


def test_calendar_page_for_admins_and_managers_but_not_officers(client_for, admin_user, manager, officer):
    assert client_for(admin_user).get(reverse("calendar:index") + "?year=2026").status_code == 200
    assert client_for(manager).get(reverse("calendar:index")).status_code == 200
    assert client_for(officer).get(reverse("calendar:index")).status_code == 403


def test_admin_adds_a_holiday_and_the_year_version_moves(client_for, admin_user):
    CalendarYear.objects.create(year=2027, status=CalendarYear.Status.PROVISIONAL)
    client = client_for(admin_user)
    response = client.post(reverse("calendar:day_save"), {"date": "2027-01-01", "kind": "holiday", "name": "元旦"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("appeals:recompute"))  # the preview of moved deadlines comes next
    assert SpecialDay.objects.get(date="2027-01-01").kind == "holiday"
    assert CalendarYear.objects.get(year=2027).version == 2


def test_managers_cannot_edit_the_calendar(client_for, manager):
    response = client_for(manager).post(reverse("calendar:day_save"), {"date": "2027-01-01", "kind": "holiday"})
    assert response.status_code == 403
    assert not SpecialDay.objects.filter(date="2027-01-01").exists()


def test_admins_see_the_next_year_banner_from_october(client_for, admin_user, officer, monkeypatch):
    import datetime as dt

    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2026, 11, 23))
    assert "2027 年放假安排尚未录入" in client_for(admin_user).get(reverse("home")).content.decode()
    assert "2027 年放假安排尚未录入" not in client_for(officer).get(reverse("home")).content.decode()


def test_health_check(client):
    assert client.get("/healthz").json() == {"status": "ok", "database": True}


def test_english_is_available(client_for, officer):
    client = client_for(officer)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert '<html lang="en"' in response.content.decode()


def test_csrf_is_enforced_on_state_changing_requests(officer):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    assert client.post(reverse("notifications:mark_read")).status_code == 403


def test_role_enum_has_the_six_roles():
    assert set(Role.values) == {"officer", "statistician", "manager", "department", "admin", "district"}


def test_the_shell_is_translated_to_english(client_for, officer):
    client = client_for(officer)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(reverse("home")).content.decode()
    assert "Log out" in body and "退出登录" not in body


def test_chinese_is_the_default_whatever_the_browser_asks_for(client_for, officer):
    body = client_for(officer).get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans"' in body and "退出登录" in body


def test_names_are_shown_family_name_first(officer):
    officer.last_name, officer.first_name = "王", "芳"
    assert officer.get_full_name() == "王芳"
