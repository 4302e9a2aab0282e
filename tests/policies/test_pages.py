"""The pages of 惠企政策, each as the right role and as a wrong one."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse

from crm.models import Notification
from enterprises.models import IndustryCategory
from policies import services
from policies.models import Delivery, Policy, Stage
from tests.enterprises.factories import ContactFactory, EnterpriseFactory, FigureFactory, LiaisonFactory, VisitFactory
from tests.policies.factories import PolicyFactory

BIG = {"all": [{"figure": {"field": "revenue", "year": 2025, "min": 2000}}]}


def _tree_form(**extra):
    """A three-level tree as the editor's fields: all[ industry C39, any[ revenue ≥ 2000, not[ all[ status moved_out ]]]]."""
    data = {
        "r0-t": "all",
        "r0.0-t": "industry", "r0.0-prefix": "C39 C40",
        "r0.1-t": "any",
        "r0.1.0-t": "figure", "r0.1.0-field": "revenue", "r0.1.0-year": "2025", "r0.1.0-min": "2000",
        "r0.1.0-max": "",
        "r0.1.1-t": "not",
        "r0.1.1.0-t": "all",
        "r0.1.1.0.0-t": "status", "r0.1.1.0.0-codes": ["moved_out"],
    }
    data.update(extra)
    return data


POLICY_FIELDS = {"title": "技改补贴", "issuer": "区工信局", "level": "district", "benefit_kind": "subsidy",
                 "status": "open", "window_opens": "2026-01-01", "window_closes": "2026-12-31",
                 "benefit_min": "10", "benefit_max": "200"}


def test_a_manager_builds_a_three_level_tree_without_typing_json(client_for, manager, officer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = SimpleUploadedFile("技改政策原文.txt", "第一条 …".encode(), content_type="text/plain")
    response = client_for(manager).post(reverse("policies:create"),
                                        {**POLICY_FIELDS, **_tree_form(), "attachments": [text]})
    assert response.status_code == 302, response.content.decode()[:2000]
    policy = Policy.objects.get()
    assert policy.rules == {"all": [
        {"industry": {"prefix": ["C39", "C40"]}},
        {"any": [{"figure": {"field": "revenue", "year": 2025, "min": 2000, "max": None}},
                 {"not": {"all": [{"status": ["moved_out"]}]}}]},
    ]}
    assert policy.street == manager.street
    download = client_for(officer).get(reverse("policies:attachment", args=[policy.attachments.get().pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == "第一条 …".encode()


def test_a_disguised_attachment_refuses_the_save(client_for, manager):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("政策原文.pdf", b"MZ\x90\x00 an executable", content_type="application/pdf")
    response = client_for(manager).post(reverse("policies:create"),
                                        {**POLICY_FIELDS, **_tree_form(), "attachments": [fake]})
    assert response.status_code == 200
    assert not Policy.objects.exists()


def test_an_officer_may_not_create_a_policy(client_for, officer):
    assert client_for(officer).get(reverse("policies:create")).status_code == 403
    assert client_for(officer).post(reverse("policies:create"), {**POLICY_FIELDS, **_tree_form()}).status_code == 403
    assert not Policy.objects.exists()


def test_a_bad_condition_is_shown_and_nothing_is_saved(client_for, statistician):
    data = {**POLICY_FIELDS, **_tree_form(**{"r0.1.0-min": "很多"})}
    response = client_for(statistician).post(reverse("policies:create"), data)
    assert response.status_code == 200
    assert "“min”应为数字" in response.content.decode()
    assert not Policy.objects.exists()


def test_the_editor_adds_a_group_and_updates_the_count(client_for, statistician, street):
    computer = IndustryCategory.objects.get(code="3911")
    for revenue in (2500, 100):
        FigureFactory(enterprise=EnterpriseFactory(street=street, industry=computer), year=2025, revenue=revenue)
    client = client_for(statistician)
    added = client.post(reverse("policies:editor"), {**_tree_form(), "op": "add:0:any"}, HTTP_HX_REQUEST="true")
    assert added.status_code == 200
    assert 'name="r0.2-t" value="any"' in added.content.decode()
    count = client.post(reverse("policies:editor"), {"r0-t": "all", "r0.0-t": "industry", "r0.0-prefix": "C39",
                                                     "r0.1-t": "figure", "r0.1-field": "revenue", "r0.1-year": "2025",
                                                     "r0.1-min": "2000"})
    assert "符合条件企业：1 家" in count.content.decode()
    removed = client.post(reverse("policies:editor"), {**_tree_form(), "op": "del:0.1"}, HTTP_HX_REQUEST="true")
    assert 'name="r0.1-t"' not in removed.content.decode()


def test_matched_firms_are_the_users_street_only(client_for, officer, street, other_street):
    mine = FigureFactory(enterprise=EnterpriseFactory(street=street, name="本街大企业"), year=2025, revenue=5000)
    FigureFactory(enterprise=EnterpriseFactory(street=other_street, name="外街大企业"), year=2025, revenue=5000)
    policy = PolicyFactory(rules=BIG)
    page = client_for(officer).get(reverse("policies:matched", args=[policy.pk])).content.decode()
    assert mine.enterprise.name in page and "外街大企业" not in page


def test_another_streets_own_policy_is_hidden(client_for, officer, other_street):
    theirs = PolicyFactory(street=other_street)
    assert client_for(officer).get(reverse("policies:detail", args=[theirs.pk])).status_code == 404


def test_every_office_role_and_the_district_role_read_policies_departments_do_not(
        client_for, officer, department_user):
    policy = PolicyFactory(title="人才住房政策")
    assert "人才住房政策" in client_for(officer).get(reverse("policies:list")).content.decode()
    assert client_for(officer).get(reverse("policies:detail", args=[policy.pk])).status_code == 200
    assert client_for(department_user).get(reverse("policies:list")).status_code == 403


def test_push_from_the_page_lands_on_the_dashboard(client_for, manager, officer, street):
    firm = FigureFactory(enterprise=EnterpriseFactory(street=street), year=2025, revenue=5000).enterprise
    LiaisonFactory(enterprise=firm, officer=officer)
    policy = PolicyFactory(rules=BIG)
    assert client_for(officer).post(reverse("policies:push", args=[policy.pk])).status_code == 403
    response = client_for(manager).post(reverse("policies:push", args=[policy.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("policies:dashboard", args=[policy.pk])
    assert "新增 1 家企业" in response.content.decode()
    assert Notification.objects.filter(recipient=officer, kind="policy_push").count() == 1


def test_an_officer_records_informed_during_a_visit_on_a_phone(client_for, manager, officer, statistician, street):
    firm = FigureFactory(enterprise=EnterpriseFactory(street=street), year=2025, revenue=5000).enterprise
    LiaisonFactory(enterprise=firm, officer=officer)
    policy = PolicyFactory(rules=BIG)
    services.push(policy, actor=manager)
    delivery = Delivery.objects.get()
    visit = VisitFactory(enterprise=firm, created_by=officer, topics=["policy"])
    url = reverse("policies:delivery", args=[delivery.pk])
    data = {"stage": "informed", "on": dt.date.today().isoformat(), "method": "visit", "visit": visit.pk}
    assert client_for(statistician).post(url, data).status_code == 403
    client = client_for(officer)
    tasks = client.get(reverse("policies:deliveries"), {"mine": "1"}).content.decode()
    assert firm.name in tasks
    ContactFactory(enterprise=firm, phone="13812345678")
    assert 'href="tel:13812345678"' in client.get(url).content.decode()  # call the firm from the phone
    response = client.post(url, data)
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.stage, delivery.inform_method, delivery.visit) == (Stage.INFORMED, "visit", visit)
    assert response.url == reverse("policies:deliveries") + "?mine=1"


def test_the_firm_page_lists_qualifying_and_nearly_met_policies(client_for, officer, street):
    firm = FigureFactory(enterprise=EnterpriseFactory(street=street, established_on=dt.date(2010, 1, 1)),
                         year=2025, revenue=1500).enterprise
    PolicyFactory(title="老企业稳岗政策", rules={"all": [{"age": {"min_years": 5}}]})
    PolicyFactory(title="规上企业奖励", rules={"all": [{"age": {"min_years": 5}},
                                                  {"figure": {"field": "revenue", "year": 2025, "min": 2000}}]})
    PolicyFactory(title="草稿政策", status="draft", rules={"all": []})
    page = client_for(officer).get(reverse("enterprises:detail", args=[firm.pk])).content.decode()
    section = page.split('id="section-policies"')[1]
    qualifies, nearly = section.split("差一项即可申报")[0], section.split("差一项即可申报")[1].split("已获政策支持")[0]
    assert "老企业稳岗政策" in qualifies and "成立满 5 年" in qualifies
    assert "规上企业奖励" in nearly and "2025 年营业收入（万元） ≥ 2000" in nearly
    assert "草稿政策" not in section


def test_dashboards_and_exports_for_readers_not_departments(client_for, manager, officer, department_user, street):
    firm = FigureFactory(enterprise=EnterpriseFactory(street=street), year=2025, revenue=5000).enterprise
    policy = PolicyFactory(rules=BIG, title="减租惠企")
    services.push(policy, actor=manager)
    services.record_step(Delivery.objects.get(), actor=manager, stage=Stage.PAID, on=dt.date.today(), amount="156")
    client = client_for(officer)
    assert client.get(reverse("policies:dashboard", args=[policy.pk])).status_code == 200
    export = client.get(reverse("policies:export"), {"policy": policy.pk})
    book = openpyxl.load_workbook(io.BytesIO(export.content))
    cells = [c for row in book["按街道"].iter_rows(values_only=True) for c in row]
    assert street.name in cells and 156 in cells
    amounts = client.get(reverse("policies:amounts"), {"year": dt.date.today().year}).content.decode()
    assert "减租惠企" in amounts and "156" in amounts
    drill = reverse("policies:deliveries")
    assert firm.name in client.get(drill, {"policy": policy.pk, "stage": "paid", "street": street.pk}).content.decode()
    assert firm.name not in client.get(drill, {"policy": policy.pk, "stage": "informed"}).content.decode()
    received = client.get(reverse("enterprises:detail", args=[firm.pk])).content.decode().split("已获政策支持")[1]
    assert "减租惠企" in received and "156" in received
    assert client_for(department_user).get(reverse("policies:amounts")).status_code == 403


def test_import_pages_for_statisticians_not_officers(client_for, statistician, officer):
    policy = PolicyFactory()
    assert client_for(officer).get(reverse("policies:import", args=[policy.pk])).status_code == 403
    response = client_for(statistician).get(reverse("policies:import", args=[policy.pk]))
    assert response.status_code == 302 and response.url.startswith(reverse("namelists:upload"))  # the pipeline
    assert client_for(statistician).get(response.url).status_code == 200
