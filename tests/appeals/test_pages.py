"""Every appeals page as the right role and as a wrong role; scoping gives 404 outside the user's scope."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from appeals import services
from appeals.models import Appeal, AppealAttachment
from tests.appeals.factories import at, category, make_appeal
from tests.crm.factories import DepartmentFactory
from tests.enterprises.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def appeal(officer):
    return make_appeal(officer=officer)


@pytest.mark.parametrize("name, right, wrong", [
    ("appeals:list", "officer", None),
    ("appeals:create", "officer", "statistician"),
    ("appeals:queue", "department_user", None),
    ("appeals:extensions", "manager", "officer"),
    ("appeals:dashboard", "manager", "officer"),
    ("appeals:policies", "admin_user", "officer"),
    ("appeals:recompute", "admin_user", "officer"),
    ("appeals:moved", "manager", "statistician"),
])
def test_pages_render_for_the_right_role_and_refuse_the_wrong_one(request, client_for, appeal, name, right, wrong):
    response = client_for(request.getfixturevalue(right)).get(reverse(name))
    assert response.status_code == 200
    assert "<h1" in response.content.decode()
    if wrong:
        assert client_for(request.getfixturevalue(wrong)).get(reverse(name)).status_code == 403


def test_detail_renders_for_its_street_and_404_for_another(client_for, officer, other_officer, appeal):
    page = client_for(officer).get(reverse("appeals:detail", args=[appeal.pk]))
    assert page.status_code == 200 and appeal.title in page.content.decode()
    assert client_for(other_officer).get(reverse("appeals:detail", args=[appeal.pk])).status_code == 404


def test_department_sees_only_its_appeal_in_list_detail_and_queue(client_for, officer, department_user, appeal):
    other = make_appeal(officer=officer)
    services.transfer(appeal, actor=officer, department=department_user.department, at=at(2026, 2, 13, 11))
    services.transfer(other, actor=officer, department=DepartmentFactory(), at=at(2026, 2, 13, 11))
    client = client_for(department_user)
    assert client.get(reverse("appeals:detail", args=[appeal.pk])).status_code == 200
    assert client.get(reverse("appeals:detail", args=[other.pk])).status_code == 404
    listing = client.get(reverse("appeals:list")).content.decode()
    assert appeal.title in listing and f"/appeals/{other.pk}/" not in listing
    queue = client.get(reverse("appeals:queue")).content.decode()
    assert f"/appeals/{appeal.pk}/" in queue and f"/appeals/{other.pk}/" not in queue


def test_create_from_enterprise_link_and_bad_input_changes_nothing(client_for, officer):
    enterprise = EnterpriseFactory(street=officer.street)
    client = client_for(officer)
    page = client.get(reverse("appeals:create") + f"?enterprise={enterprise.pk}")
    assert page.status_code == 200
    bad = client.post(reverse("appeals:create"), {"enterprise": enterprise.pk, "description": ""})
    assert bad.status_code == 200 and not Appeal.objects.exists()
    response = client.post(reverse("appeals:create"), {
        "enterprise": enterprise.pk, "category": category("labour").pk, "source": "phone", "urgency": "normal",
        "description": "招工难，需要对接人社部门招聘会", "officer": officer.pk,
        "attachment": SimpleUploadedFile("现场.txt", b"photo", content_type="text/plain"),
    })
    created = Appeal.objects.get()
    assert response.status_code == 302 and created.enterprise == enterprise
    assert created.clocks.count() == 3 and created.attachments.count() == 1


def test_actions_through_htmx_and_refusals_are_shown(client_for, officer, appeal):
    client = client_for(officer)
    url = reverse("appeals:action", args=[appeal.pk, "sign"])
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "已签收" in response.content.decode()
    again = client.post(url, HTTP_HX_REQUEST="true")
    assert "不能签收" in again.content.decode()
    resolve = client.post(reverse("appeals:action", args=[appeal.pk, "resolve"]), {"answer": "已答复"})
    assert resolve.status_code == 302 and Appeal.objects.get(pk=appeal.pk).status == "resolved"


def test_other_street_cannot_act_on_an_appeal(client_for, other_officer, appeal):
    response = client_for(other_officer).post(reverse("appeals:action", args=[appeal.pk, "sign"]))
    assert response.status_code == 404 and Appeal.objects.get(pk=appeal.pk).status == "new"


def test_attachment_download_is_scoped(client_for, officer, other_officer, appeal):
    services.add_attachment(appeal, actor=officer, upload=SimpleUploadedFile("a.txt", b"hello"))
    attachment = AppealAttachment.objects.get()
    url = reverse("appeals:attachment", args=[attachment.pk])
    assert client_for(officer).get(url).status_code == 200
    assert client_for(other_officer).get(url).status_code == 404


def test_dashboard_shows_rates_with_formulas_and_drills_down(client_for, officer, manager):
    done = make_appeal(officer=officer, at_=at(2026, 11, 2, 10))
    late = make_appeal(officer=officer, at_=at(2026, 11, 2, 10))
    services.respond(done, actor=officer, at=at(2026, 11, 2, 11))
    services.resolve(done, actor=officer, answer="已办结", at=at(2026, 11, 3, 10))
    services.record_followup(done, actor=officer, result="satisfied", at=at(2026, 11, 3, 11))
    services.resolve(late, actor=officer, answer="已办结", at=at(2026, 11, 20, 10))
    client = client_for(manager)
    page = client.get(reverse("appeals:dashboard") + "?from=2026-11-01&to=2026-11-30").content.decode()
    assert "按时办结率 = 按时办结 1 ÷ 应办结 2" in page
    assert "响应率 = 按时响应 1 ÷ 应响应 2" in page
    assert "sla-chart-data" in page and "appeals/dashboard.js" in page
    drill = client.get(reverse("appeals:list") + "?kpi=resolution_met&from=2026-11-01&to=2026-11-30")
    body = drill.content.decode()
    assert f"/appeals/{done.pk}/" in body and f"/appeals/{late.pk}/" not in body
    by_officer = client.get(reverse("appeals:dashboard") + "?from=2026-11-01&to=2026-11-30&by=officer")
    assert by_officer.status_code == 200


def test_excel_exports_are_formula_safe(client_for, officer, manager):
    make_appeal(officer=officer, description="=HYPERLINK(\"http://x\")", at_=at(2026, 11, 2, 10))
    from io import BytesIO

    from openpyxl import load_workbook

    response = client_for(manager).get(reverse("appeals:list") + "?export=xlsx")
    sheet = load_workbook(BytesIO(response.content)).active
    titles = [row[5] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert titles == ["'=HYPERLINK(\"http://x\")"]
    dash = client_for(manager).get(reverse("appeals:dashboard") + "?export=xlsx")
    assert dash.status_code == 200 and len(load_workbook(BytesIO(dash.content)).sheetnames) == 4


def test_extension_approval_page(client_for, officer, manager, appeal):
    request = services.request_extension(appeal, actor=officer, requested_due=at(2026, 3, 3, 18), reason="复杂",
                                         at=at(2026, 2, 24, 9))
    client = client_for(manager)
    assert "复杂" in client.get(reverse("appeals:extensions")).content.decode()
    client.post(reverse("appeals:extensions"), {"id": request.pk, "decision": "approve"})
    request.refresh_from_db()
    assert request.state == "approved"


def test_policy_preview_changes_nothing_until_confirmed(client_for, admin_user, appeal,
                                                        django_capture_on_commit_callbacks):
    from appeals.models import SlaClock, SlaPolicy

    policy = SlaPolicy.objects.get(category=None, urgency="")
    client = client_for(admin_user)
    data = {"urgency": "", "sign": "2wh", "response": "same_day", "resolution": "5wd", "followup": "2wd",
            "department": "2wd", "warning_share": 75, "escalate_after": "1wd"}
    preview = client.post(reverse("appeals:policies") + f"?id={policy.pk}", data)
    assert "预览" in preview.content.decode()
    policy.refresh_from_db()
    assert policy.resolution == "3wd"
    bad = client.post(reverse("appeals:policies") + f"?id={policy.pk}", {**data, "resolution": "3 weeks"})
    assert "无法识别的时限" in bad.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("appeals:policies") + f"?id={policy.pk}", {**data, "confirm": "1"})
    policy.refresh_from_db()
    assert policy.resolution == "5wd" and policy.version == 2
    assert SlaClock.objects.get(appeal=appeal, metric="resolution").policy_version == 2


def test_appeals_for_enterprise_selector_is_scoped(officer, other_officer, appeal):
    from appeals.selectors import appeals_for_enterprise

    assert list(appeals_for_enterprise(appeal.enterprise, officer)) == [appeal]
    assert list(appeals_for_enterprise(appeal.enterprise, other_officer)) == []
