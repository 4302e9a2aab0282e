"""issue 17, the appeal screens: no dead end after an action. "转为企业诉求" lands on the new appeal; each workflow
step says what happened and what is due next; no empty section heading; every list links to the appeal."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from appeals import services
from appeals.models import Appeal
from crm.models import Role
from enterprises.models import EnterpriseContact
from tests.appeals.factories import at, make_appeal
from tests.crm.factories import UserFactory
from tests.enterprises.factories import EnterpriseFactory, ProblemFactory, VisitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def firm(street):
    firm = EnterpriseFactory(street=street, name="深圳市马田精密制造有限公司")
    EnterpriseContact.objects.create(enterprise=firm, name="李秘书", phone="13900000001")
    EnterpriseContact.objects.create(enterprise=firm, name="王总", phone="13800000002", is_primary=True)
    return firm


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- 转为企业诉求 ------------------------------------------------------------------------------------------------
def test_raising_an_appeal_from_my_visit_lands_on_the_appeal_signed_by_me_with_the_primary_contact(
        client_for, officer, firm):
    problem = ProblemFactory(visit=VisitFactory(enterprise=firm, created_by=officer), category="utilities",
                             description="用电容量不足，需增容")
    client = client_for(officer)
    response = client.post(reverse("enterprises:problem_appeal", args=[problem.pk]))
    appeal = Appeal.objects.get(visit_problem=problem)
    assert response.status_code == 302 and response.url == appeal.get_absolute_url()
    assert appeal.status == Appeal.Status.SIGNED
    assert appeal.events.filter(action="sign", actor=officer).exists()
    assert (appeal.contact_name, appeal.contact_phone) == ("王总", "13800000002")
    page = client.get(response.url).content.decode()
    assert f"#{appeal.pk}" in page and "办结" in page and 'class="light' in page
    visit = client.get(reverse("enterprises:visit_detail", args=[problem.visit_id])).content.decode()
    assert f'href="{appeal.get_absolute_url()}"' in visit and "已签收" in visit


def test_a_manager_raising_it_from_an_officers_visit_leaves_it_new_for_that_officer(client_for, officer, manager,
                                                                                    firm):
    problem = ProblemFactory(visit=VisitFactory(enterprise=firm, created_by=officer))
    client_for(manager).post(reverse("enterprises:problem_appeal", args=[problem.pk]))
    appeal = Appeal.objects.get(visit_problem=problem)
    assert appeal.status == Appeal.Status.NEW and appeal.officer == officer


def test_the_appeal_form_from_a_problem_confirms_the_number_and_deadlines(client_for, officer, firm):
    problem = ProblemFactory(visit=VisitFactory(enterprise=firm, created_by=officer))
    response = client_for(officer).post(reverse("appeals:create") + f"?problem={problem.pk}")
    appeal = Appeal.objects.get(visit_problem=problem)
    assert response.url == appeal.get_absolute_url()
    [message] = messages_of(response)
    assert f"诉求 #{appeal.pk} 已登记并由您签收" in message and "办结期限" in message


# --- confirmations ----------------------------------------------------------------------------------------------
def test_each_step_says_what_happened_and_what_is_due_next(client_for, officer, department_user):
    appeal = make_appeal(officer=officer)  # received 13 Feb 2026 10:00: response due 18:00, resolution 25 Feb
    client = client_for(officer)

    def do(action, data=None, user_client=client):
        response = user_client.post(reverse("appeals:action", args=[appeal.pk, action]), data or {})
        assert response.status_code == 302
        message = messages_of(response)[-1]
        assert "操作已完成" not in message
        return message

    assert do("sign") == "已签收，首次响应期限 2月13日 18:00，办结期限 2月25日 18:00。"
    assert do("respond") == "已记录首次响应，办结期限 2月25日 18:00。"
    transfer = do("transfer", {"department": department_user.department.pk})
    assert transfer.startswith(f"已转办至{department_user.department}") and "企业办结期限仍为 2月25日 18:00" in transfer
    assert "请在" in do("department_sign", user_client=client_for(department_user))
    client.force_login(officer)
    assert do("resolve", {"answer": "已协调供电局增容"}).startswith("已办结并答复企业，回访期限")
    assert do("followup", {"result": "satisfied"}) == "回访已记录（满意），诉求已关闭。"


def test_a_refused_step_says_why_and_nothing_else(client_for, officer):
    appeal = make_appeal(officer=officer)
    response = client_for(officer).post(reverse("appeals:action", args=[appeal.pk, "followup"]),
                                        {"result": "satisfied"})
    assert messages_of(response) == ["诉求当前状态为“新建”，不能回访。"]


def test_merging_lands_on_the_appeal_it_joined(client_for, officer):
    first = make_appeal(officer=officer)
    duplicate = make_appeal(enterprise=first.enterprise, officer=officer)
    response = client_for(officer).post(reverse("appeals:action", args=[duplicate.pk, "merge"]), {"into": first.pk})
    assert response.url == first.get_absolute_url()
    assert messages_of(response) == [f"已合并至诉求 #{first.pk}，本诉求的时限已撤销。"]


# --- no empty heading -------------------------------------------------------------------------------------------
def test_no_handling_heading_when_there_is_nothing_to_do(client_for, officer, statistician):
    appeal = make_appeal(officer=officer)
    url = appeal.get_absolute_url()
    assert "办理</h2>" in client_for(officer).get(url).content.decode()
    assert "办理</h2>" not in client_for(statistician).get(url).content.decode()
    services.resolve(appeal, actor=officer, answer="已办结", at=at(2026, 2, 14, 10))
    services.record_followup(appeal, actor=officer, result="satisfied", at=at(2026, 2, 15, 10))
    assert "办理</h2>" not in client_for(officer).get(url).content.decode()


def test_the_contact_phone_is_a_tel_link_for_the_roles_that_see_it(client_for, officer, statistician):
    appeal = make_appeal(officer=officer, contact_name="王总", contact_phone="13800000002")
    assert 'href="tel:13800000002"' in client_for(officer).get(appeal.get_absolute_url()).content.decode()
    masked = client_for(statistician).get(appeal.get_absolute_url()).content.decode()
    assert "13800000002" not in masked and "138****" in masked


# --- links and the district role ----------------------------------------------------------------------------------
def test_get_absolute_url_and_the_firm_page_links_to_the_appeal(client_for, officer):
    appeal = make_appeal(officer=officer)
    assert appeal.get_absolute_url() == reverse("appeals:detail", args=[appeal.pk])
    page = client_for(officer).get(reverse("enterprises:detail", args=[appeal.enterprise_id])).content.decode()
    assert f'href="{appeal.get_absolute_url()}"' in page


def test_a_district_leader_reads_every_street_and_changes_nothing(client_for, officer, other_officer):
    leader = UserFactory(role=Role.DISTRICT, street=None, username="district_leader")
    ours, theirs = make_appeal(officer=officer), make_appeal(officer=other_officer)
    client = client_for(leader)
    listing = client.get(reverse("appeals:list")).content.decode()
    assert ours.get_absolute_url() in listing and theirs.get_absolute_url() in listing
    assert client.get(theirs.get_absolute_url()).status_code == 200
    assert client.get(reverse("appeals:dashboard")).status_code == 200
    assert client.post(reverse("appeals:action", args=[ours.pk, "sign"])).status_code == 403
    assert client.get(reverse("appeals:create")).status_code == 403
    assert client.get(reverse("appeals:recompute")).status_code == 403
    assert Appeal.objects.get(pk=ours.pk).status == Appeal.Status.NEW
