"""Every page: rendered for the right role, refused for the wrong one, 404 outside the user's scope."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from pipelines.models import Project, Stage, StageChange, Target, Vacancy
from pipelines.services.projects import move_stage
from tests.pipelines.factories import (
    EnterpriseFactory,
    EventFactory,
    ParkFactory,
    ProjectFactory,
    TargetFactory,
    VacancyFactory,
)

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


@pytest.fixture
def project(street, officer):
    return ProjectFactory(street=street, officer=officer, stage=Stage.NEGOTIATION, planned_investment=Decimal("12"))


@pytest.fixture
def foreign_project(other_street):
    return ProjectFactory(street=other_street)


READ_PAGES = [
    ("pipelines:board", None), ("pipelines:project_list", None), ("pipelines:vacancy_list", None),
    ("pipelines:event_list", None), ("pipelines:dashboard", None),
]


@pytest.mark.parametrize("name, _", READ_PAGES)
def test_read_pages_render_for_officer_and_statistician_and_refuse_departments(
        name, _, client_for, officer, statistician, department_user, project):
    for user in (officer, statistician):
        response = client_for(user).get(reverse(name))
        assert response.status_code == 200
    assert client_for(department_user).get(reverse(name)).status_code == 403


def test_board_shows_the_project_and_htmx_gets_the_partial(client_for, officer, project):
    client = client_for(officer)
    response = client.get(reverse("pipelines:board"))
    assert project.name in response.content.decode()
    partial = client.get(reverse("pipelines:board"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="board")
    assert "<html" not in partial.content.decode() and project.name in partial.content.decode()


def test_list_filters_by_tier(client_for, officer, street, project):
    small = ProjectFactory(street=street, planned_investment=Decimal("0.3"))
    body = client_for(officer).get(reverse("pipelines:project_list"), {"tier": "10"}).content.decode()
    assert project.name in body and small.name not in body


def test_project_detail_scoping(client_for, officer, other_officer, project, foreign_project, department_user):
    assert client_for(officer).get(reverse("pipelines:project_detail", args=[project.pk])).status_code == 200
    assert client_for(officer).get(reverse("pipelines:project_detail", args=[foreign_project.pk])).status_code == 404
    assert client_for(other_officer).get(reverse("pipelines:project_detail", args=[project.pk])).status_code == 404
    assert client_for(department_user).get(reverse("pipelines:project_detail", args=[project.pk])).status_code == 403


def test_confidential_project_is_404_for_an_outsider_of_the_street(client_for, street, statistician, manager):
    secret = ProjectFactory(street=street, confidential=True)
    url = reverse("pipelines:project_detail", args=[secret.pk])
    assert client_for(statistician).get(url).status_code == 404
    assert client_for(manager).get(url).status_code == 200


def test_officer_moves_a_project_on_the_board_with_htmx(client_for, officer, project):
    response = client_for(officer).post(
        reverse("pipelines:project_move", args=[project.pk]), {"to_stage": "signed", "from": "board"},
        HTTP_HX_REQUEST="true", HTTP_HX_TARGET="board",
    )
    assert response.status_code == 200 and "<html" not in response.content.decode()
    project.refresh_from_db()
    assert project.stage == Stage.SIGNED and project.signed_on == TODAY
    assert StageChange.objects.filter(project=project, to_stage="signed", by=officer).exists()


def test_move_to_lost_without_reason_is_refused_in_chinese(client_for, officer, project):
    response = client_for(officer).post(reverse("pipelines:project_move", args=[project.pk]),
                                        {"to_stage": "lost"}, follow=True)
    assert "须填写原因" in response.content.decode()
    project.refresh_from_db()
    assert project.stage == Stage.NEGOTIATION


def test_statistician_cannot_move_or_create(client_for, statistician, project):
    client = client_for(statistician)
    assert client.post(reverse("pipelines:project_move", args=[project.pk]), {"to_stage": "signed"}).status_code == 403
    assert client.get(reverse("pipelines:project_create")).status_code == 403
    assert client.get(reverse("pipelines:project_edit", args=[project.pk])).status_code == 403


def test_officer_of_another_street_gets_404_on_move(client_for, other_officer, project):
    response = client_for(other_officer).post(reverse("pipelines:project_move", args=[project.pk]),
                                              {"to_stage": "signed"})
    assert response.status_code == 404


def test_create_and_edit_project(client_for, officer, street):
    client = client_for(officer)
    assert client.get(reverse("pipelines:project_create")).status_code == 200
    response = client.post(reverse("pipelines:project_create"), {
        "name": "新能源电池基地", "investor_name": "某新能源集团", "planned_investment": "105", "source": "chain",
        "officer": officer.pk, "next_action": "报送项目评审", "next_action_due": (TODAY + dt.timedelta(days=5)).isoformat(),
    })
    project = Project.objects.get(name="新能源电池基地")
    assert response.status_code == 302 and project.tier == "100" and project.street == street
    assert project.stage_changes.count() == 1
    response = client.post(reverse("pipelines:project_edit", args=[project.pk]), {
        "name": "新能源电池基地（一期）", "investor_name": "某新能源集团", "planned_investment": "8", "source": "chain",
        "officer": officer.pk, "next_action": "报送项目评审", "next_action_due": TODAY.isoformat(),
        "industry_code": "C9999",
    })
    assert response.status_code == 200 and "未找到该国民经济行业代码" in response.content.decode()


def test_create_requires_next_action(client_for, officer):
    response = client_for(officer).post(reverse("pipelines:project_create"), {
        "name": "X", "investor_name": "Y", "planned_investment": "2", "source": "chain",
    })
    assert response.status_code == 200 and not Project.objects.exists()


def test_space_demand_and_matches_and_take(client_for, officer, other_officer, project, street):
    park = ParkFactory(street=street)
    good = VacancyFactory(park=park, area=2000)
    client = client_for(officer)
    assert client.get(reverse("pipelines:project_demand_create", args=[project.pk])).status_code == 200
    response = client.post(reverse("pipelines:project_demand_create", args=[project.pk]),
                           {"space_type": "factory", "area": "2000"})
    demand = project.space_demands.get()
    assert response.status_code == 302
    body = client.get(reverse("pipelines:demand_matches", args=[demand.pk])).content.decode()
    assert str(good.unit_name) in body and "面积匹配" in body
    client.post(reverse("pipelines:demand_take", args=[demand.pk, good.pk]))
    good.refresh_from_db()
    assert good.status == Vacancy.Status.RESERVED and good.taken_by_project == project
    assert client_for(other_officer).get(reverse("pipelines:demand_matches", args=[demand.pk])).status_code == 404


def test_enterprise_demand(client_for, officer, street):
    firm = EnterpriseFactory(street=street)
    url = reverse("pipelines:enterprise_demand_create") + f"?enterprise={firm.pk}"
    assert client_for(officer).get(url).status_code == 200
    client_for(officer).post(url, {"space_type": "office", "area": "800", "enterprise": firm.pk})
    assert firm.pk in list(type(firm).objects.values_list("pk", flat=True))


def _xlsx(rows):
    wb = Workbook()
    wb.active.append(["园区/楼宇", "单元", "类型", "面积"])
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "spaces.xlsx"
    return buf


def test_vacancy_import_page(client_for, officer, statistician, street):
    client = client_for(officer)
    assert client.get(reverse("pipelines:vacancy_import")).status_code == 200
    response = client.post(reverse("pipelines:vacancy_import"), {"file": _xlsx([["新庄园", "101", "厂房", 1500]])})
    assert response.status_code == 302 and Vacancy.objects.get().park.street == street
    response = client.post(reverse("pipelines:vacancy_import"), {"file": _xlsx([["新庄园", "102", "仓库", 1500]])})
    assert "厂房/研发/办公" in response.content.decode() and Vacancy.objects.count() == 1
    assert client_for(statistician).get(reverse("pipelines:vacancy_import")).status_code == 403


def test_events_pages(client_for, officer, other_officer, statistician, street):
    event = EventFactory(street=street)
    lead = ProjectFactory(street=street, source_event=event)
    client = client_for(officer)
    body = client.get(reverse("pipelines:event_detail", args=[event.pk])).content.decode()
    assert lead.name in body
    response = client.post(reverse("pipelines:event_create"), {"title": "光明科学城推介会", "kind": "promotion",
                                                               "held_on": "2026-04-01"})
    assert response.status_code == 302
    firm = EnterpriseFactory(street=street)
    client.post(reverse("pipelines:event_participant", args=[event.pk]), {"uscc": firm.uscc})
    assert event.enterprises.filter(pk=firm.pk).exists()
    assert client_for(other_officer).get(reverse("pipelines:event_detail", args=[event.pk])).status_code == 404
    assert client_for(statistician).get(reverse("pipelines:event_create")).status_code == 403


def test_targets_admin_is_for_managers(client_for, manager, officer, statistician, street):
    assert client_for(officer).get(reverse("pipelines:targets")).status_code == 403
    assert client_for(statistician).get(reverse("pipelines:targets")).status_code == 403
    client = client_for(manager)
    assert client.get(reverse("pipelines:targets")).status_code == 200
    response = client.post(reverse("pipelines:targets"), {"year": TODAY.year, "metric": "signed_10",
                                                          "scope_kind": "street", "target_value": "3"})
    assert response.status_code == 302
    assert Target.objects.get().street == street
    # A computed metric cannot be typed in.
    response = client.post(reverse("pipelines:targets"), {"year": TODAY.year, "metric": "events_held",
                                                          "scope_kind": "street", "target_value": "20",
                                                          "manual_actual": "5"})
    assert "不能手工填报" in response.content.decode()
    # Duplicate refused.
    response = client.post(reverse("pipelines:targets"), {"year": TODAY.year, "metric": "signed_10",
                                                          "scope_kind": "street", "target_value": "4"})
    assert "已设置" in response.content.decode() and Target.objects.count() == 1


def test_target_of_another_street_is_404(client_for, manager, other_street):
    target = TargetFactory(street=other_street)
    assert client_for(manager).get(reverse("pipelines:target_edit", args=[target.pk])).status_code == 404


def test_dashboard_drilldown_and_export(client_for, officer, other_officer, street, project):
    target = TargetFactory(street=street, year=TODAY.year, metric="signed_10", target_value=Decimal("3"))
    TargetFactory(street=street, year=TODAY.year, metric="fixed_asset_investment_manual", manual_actual=Decimal("30"),
                  target_value=Decimal("150"))
    move_stage(project, Stage.SIGNED, actor=officer)
    client = client_for(officer)
    body = client.get(reverse("pipelines:dashboard")).content.decode()
    assert "签约十亿级项目" in body and "手工填报" in body and 'id="pl-chart-data"' in body
    drill = client.get(reverse("pipelines:drilldown", args=[target.pk])).content.decode()
    assert project.name in drill
    response = client.get(reverse("pipelines:export"), {"year": TODAY.year, "period": f"{TODAY.year}-Q1"})
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    assert "马田街道" in ws["A1"].value and ws["A4"].value == "序号"
    names = [ws.cell(r, 2).value for r in range(5, 7)]
    assert "签约十亿级项目" in names
    assert client_for(other_officer).get(reverse("pipelines:drilldown", args=[target.pk])).status_code == 404


def test_drilldown_hides_confidential_rows(client_for, street, statistician, manager, officer):
    target = TargetFactory(street=street, year=TODAY.year, metric="signed_10")
    secret = ProjectFactory(street=street, confidential=True, planned_investment=Decimal("20"),
                            stage=Stage.NEGOTIATION)
    move_stage(secret, Stage.SIGNED, actor=manager)
    url = reverse("pipelines:drilldown", args=[target.pk])
    assert secret.name not in client_for(statistician).get(url).content.decode()
    assert secret.name in client_for(manager).get(url).content.decode()


def test_export_is_formula_injection_safe(street, manager):
    from pipelines.exports import targets_workbook

    TargetFactory(street=street, year=TODAY.year, metric="signed_10", note="=HYPERLINK(\"http://x\")")
    ws = load_workbook(io.BytesIO(targets_workbook(manager, street, TODAY.year, None))).active
    notes = [ws.cell(r, 11).value for r in range(5, 6)]
    assert notes[0].startswith("'=")


def test_board_one_tap_advance_moves_to_the_next_stage(client_for, officer, project):
    response = client_for(officer).post(
        reverse("pipelines:project_move", args=[project.pk]) + "?tier=10",
        {"advance": "signed", "to_stage": "lead", "from": "board"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="board",
    )
    assert response.status_code == 200 and project.name in response.content.decode()
    project.refresh_from_db()
    assert project.stage == Stage.SIGNED


def test_edit_links_the_landed_firm_by_its_code(client_for, officer, street, project):
    firm = EnterpriseFactory(street=street)
    data = {"name": project.name, "investor_name": "某集团", "planned_investment": "12", "source": "chain",
            "officer": officer.pk, "next_action": "跟进", "next_action_due": TODAY.isoformat()}
    client = client_for(officer)
    response = client.post(reverse("pipelines:project_edit", args=[project.pk]),
                           {**data, "enterprise_uscc": firm.uscc[:-1] + ("0" if firm.uscc[-1] != "0" else "1")})
    assert "校验位" in response.content.decode()
    response = client.post(reverse("pipelines:project_edit", args=[project.pk]),
                           {**data, "enterprise_uscc": firm.uscc.lower(), "industry_code": ""})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.enterprise == firm


def test_vacancy_status_change(client_for, officer, statistician, other_officer, street, project):
    vacancy = VacancyFactory(park=ParkFactory(street=street), status=Vacancy.Status.RESERVED, taken_by_project=project)
    url = reverse("pipelines:vacancy_status", args=[vacancy.pk])
    assert client_for(statistician).post(url, {"status": "taken"}).status_code == 403
    assert client_for(other_officer).post(url, {"status": "taken"}).status_code == 404
    client_for(officer).post(url, {"status": "taken"})
    vacancy.refresh_from_db()
    assert vacancy.status == "taken" and vacancy.taken_by_project == project
    client_for(officer).post(url, {"status": "available"})
    vacancy.refresh_from_db()
    assert vacancy.status == "available" and vacancy.taken_by_project is None
