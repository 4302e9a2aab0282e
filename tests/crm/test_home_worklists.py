"""Each role's home page is its work for today, most urgent first, not a grid of links repeating the menu."""

import pytest
from django.urls import reverse
from django.utils import timezone

from appeals import services
from appeals.models import Appeal, DepartmentTask
from tests.appeals.factories import at, make_appeal
from tests.crm.factories import UserFactory
from tests.enterprises.factories import EnterpriseFactory, LiaisonFactory, VisitRuleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit_rule(db):
    """Every liaised firm is due a visit every 90 days (a reference row; a transactional test's flush removes
    the seeded one)."""
    from enterprises.models import VisitRule

    return VisitRuleFactory(kind=VisitRule.ASSIGNED, min_interval_days=90)


def section(html: str, key: str) -> str:
    """The HTML of one work list (<section id="work-KEY">), or "" when the page has none."""
    start = html.find(f'id="work-{key}"')
    if start < 0:
        return ""
    return html[start:html.find("</section>", start)]


def test_officer_home_lists_own_appeals_near_breach_with_a_one_tap_sign(client_for, officer):
    mine = make_appeal(officer=officer, description="厂房漏水需要协调维修，已经超时")  # Feb: long past due
    other = make_appeal(officer=UserFactory(role="officer", street=officer.street), description="别人的诉求标题")
    html = client_for(officer).get(reverse("home")).content.decode()
    work = section(html, "appeals")
    assert mine.title in work and mine.enterprise.name in work
    assert other.title not in work
    # The one action of a new appeal is 签收, posted from the home page.
    assert reverse("appeals:action", args=[mine.pk, "sign"]) in work
    assert "quick-links" not in html  # the old grid of buttons repeating the menu is gone
    assert 'action="/enterprises/"' in html and 'name="q"' in html  # the search box


def test_officer_home_lists_due_visits_with_record_visit(client_for, officer, visit_rule):
    firm = EnterpriseFactory(street=officer.street, name="深圳市待走访测试有限公司")
    LiaisonFactory(enterprise=firm, officer=officer)
    other = EnterpriseFactory(street=officer.street, name="深圳市别人挂点有限公司")
    LiaisonFactory(enterprise=other, officer=UserFactory(role="officer", street=officer.street))
    work = section(client_for(officer).get(reverse("home")).content.decode(), "due")
    assert firm.name in work and other.name not in work
    assert f"{reverse('enterprises:visit_create')}?enterprise={firm.pk}" in work


def test_a_recorded_visit_leaves_the_home_list_at_once(client_for, officer, visit_rule):
    from tests.enterprises.factories import VisitFactory

    firm = EnterpriseFactory(street=officer.street, name="深圳市刚走访过有限公司")
    LiaisonFactory(enterprise=firm, officer=officer)
    client = client_for(officer)
    assert firm.name in section(client.get(reverse("home")).content.decode(), "due")
    visit = VisitFactory(enterprise=firm, date=timezone.localdate())
    visit.officers.add(officer)
    assert firm.name not in section(client.get(reverse("home")).content.decode(), "due")


def test_manager_home_shows_escalated_appeals_and_coverage(client_for, manager, officer):
    escalated = make_appeal(officer=officer, description="督办中的诉求需要领导协调")
    Appeal.objects.filter(pk=escalated.pk).update(escalated=True)
    calm = make_appeal(officer=officer, description="普通在办诉求不在督办")
    html = client_for(manager).get(reverse("home")).content.decode()
    work = section(html, "escalated")
    assert escalated.title in work and calm.title not in work
    assert section(html, "coverage")  # 挂点服务覆盖率 is on the manager's home
    assert section(html, "targets")  # and the year's target progress
    assert not section(html, "appeals")  # the officer's list is not the manager's


def test_department_home_counts_late_only_against_its_own_deadline(client_for, officer, department_user):
    """An appeal the department answered on time is not counted 超时 on its home, even though the
    enterprise-facing clock of the appeal has run out (the officer still has to close it)."""
    dept = department_user.department
    answered = make_appeal(officer=officer, description="部门已按时答复的诉求")
    late = make_appeal(officer=officer, description="部门尚未答复的诉求")
    for appeal in (answered, late):
        services.transfer(appeal, actor=officer, department=dept, at=at(2026, 2, 13, 11))
    services.department_reply(answered, actor=department_user, reply="已答复", at=at(2026, 2, 13, 15))
    html = client_for(department_user).get(reverse("home")).content.decode()
    work = section(html, "queue")
    assert late.title in work and answered.title not in work
    assert reverse("appeals:action", args=[late.pk, "department_sign"]) in work
    from appeals.home import overdue_card

    card = overdue_card(department_user)
    assert card["value"] == 1
    from appeals.selectors import kpi_filters

    # …although both appeals are late for the enterprise: the officer still has to close them.
    assert Appeal.objects.filter(kpi_filters(timezone.now())["overdue"], pk__in=[answered.pk, late.pk]).count() == 2
    assert not DepartmentTask.objects.filter(appeal=answered, state__in=DepartmentTask.OPEN_STATES).exists()


def test_home_work_lists_are_bounded(client_for, officer):
    for i in range(12):
        make_appeal(officer=officer, description=f"超时诉求第{i}件需要处理")
    work = section(client_for(officer).get(reverse("home")).content.decode(), "appeals")
    from appeals.home import HOME_ROWS

    assert work.count("<tr>") == HOME_ROWS + 1  # the heading row and at most HOME_ROWS rows


@pytest.mark.parametrize("who", ["officer", "manager", "department_user", "statistician", "admin_user"])
def test_every_role_has_a_home_page(request, client_for, who):
    assert client_for(request.getfixturevalue(who)).get(reverse("home")).status_code == 200


def test_district_role_has_a_home_page(client_for):
    user = UserFactory(role="district", street=None, username="district_user")
    assert client_for(user).get(reverse("home")).status_code == 200


def test_anonymous_is_sent_to_login(client):
    assert client.get(reverse("home")).status_code == 302


def test_the_officer_home_sweeps_due_visits_once_for_its_card_and_its_list(client_for, officer, visit_rule,
                                                                           monkeypatch):
    from enterprises import home, selectors

    firm = EnterpriseFactory(street=officer.street, name="深圳市一次计算科技有限公司")
    LiaisonFactory(enterprise=firm, officer=officer)
    calls = []
    real = selectors.due_visits
    monkeypatch.setattr(home.selectors, "due_visits", lambda *a, **kw: calls.append(1) or real(*a, **kw))
    html = client_for(officer).get(reverse("home")).content.decode()
    assert firm.name in section(html, "due")  # the list shows the firm, and the card counts it …
    assert len(calls) == 1  # … from one sweep per request
    client_for(officer).get(reverse("home"))
    assert len(calls) == 2  # and the next request sweeps again: nothing outlives the page
