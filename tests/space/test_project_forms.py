"""Creating and editing 固投 projects (with their 招商 project), renewal projects and their milestones."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from crm.models import Role
from space.models import InvestmentProject, RenewalMilestone, RenewalProject
from space.services.projects import save_investment
from tests.crm.factories import UserFactory
from tests.pipelines.factories import ProjectFactory
from tests.space.factories import InvestmentProjectFactory, RenewalMilestoneFactory, RenewalProjectFactory

pytestmark = pytest.mark.django_db


def _investment_post(**extra):
    data = {"code": "2026-440311-04-01-000001", "name": "新材料产业园一期", "kind": "private",
            "owner_body": "某某集团", "planned_total": "50000", "year": "2026", "year_plan": "12000"}
    data.update(extra)
    return data


def test_statistician_creates_an_investment_project_linked_to_its_pipeline_project(street, statistician, client_for):
    pipeline = ProjectFactory(street=street, name="新材料招商项目")
    response = client_for(statistician).post(reverse("space:investment_create"),
                                             _investment_post(pipeline_project=pipeline.pk))
    project = InvestmentProject.objects.get()
    assert response.status_code == 302 and f"#p{project.pk}" in response["Location"]
    assert project.street == street and project.pipeline_project == pipeline
    assert project.planned_total == Decimal("50000")


def test_new_investment_page_prefills_the_pipeline_project(street, officer, client_for):
    pipeline = ProjectFactory(street=street, name="某招商项目")
    response = client_for(officer).get(reverse("space:investment_create"), {"pipeline_project": pipeline.pk})
    assert response.status_code == 200
    assert response.context["form"].initial["pipeline_project"] == pipeline.pk


def test_investment_pages_refuse_the_district_and_departments(street, department_user, client_for):
    project = InvestmentProjectFactory(street=street)
    district = UserFactory(role=Role.DISTRICT, street=None)
    assert client_for(district).get(reverse("space:investment_create")).status_code == 403
    assert client_for(district).post(reverse("space:investment_create"), _investment_post()).status_code == 403
    assert client_for(department_user).get(reverse("space:investment_edit", args=[project.pk])).status_code == 403
    assert not InvestmentProject.objects.exclude(pk=project.pk).exists()


def test_other_streets_project_is_hidden_from_edit(street, other_officer, client_for):
    project = InvestmentProjectFactory(street=street, name="原名")
    response = client_for(other_officer).post(reverse("space:investment_edit", args=[project.pk]),
                                              _investment_post(name="改名"))
    assert response.status_code == 404
    project.refresh_from_db()
    assert project.name == "原名"


def test_linking_another_streets_pipeline_project_is_refused(street, other_street, statistician):
    project = InvestmentProjectFactory(street=street, owner_body="区住建局")
    foreign = ProjectFactory(street=other_street)
    with pytest.raises(ValidationError) as exc:
        save_investment(actor=statistician, project=project, data={"pipeline_project": foreign})
    assert "pipeline_project" in exc.value.message_dict
    project.refresh_from_db()
    assert project.pipeline_project is None


def test_edit_with_year_plan_above_total_shows_the_error_and_changes_nothing(street, manager, client_for):
    project = InvestmentProjectFactory(street=street, owner_body="区住建局")
    response = client_for(manager).post(reverse("space:investment_edit", args=[project.pk]),
                                        _investment_post(code=project.code, year_plan="60000"))
    assert response.status_code == 200
    assert "year_plan" in response.context["form"].errors
    project.refresh_from_db()
    assert project.year_plan == Decimal("12000")


def test_officer_creates_a_renewal_project_and_is_sent_to_add_its_first_milestone(street, officer, client_for):
    response = client_for(officer).post(reverse("space:renewal_create"), {
        "name": "旧工业区工改工", "kind": "industrial", "area": "80000", "status": "planned", "officer": officer.pk})
    project = RenewalProject.objects.get()
    assert project.street == street and project.officer == officer
    assert response["Location"] == reverse("space:milestone_create", args=[project.pk])


def test_renewal_pages_refuse_statistician_and_other_street(street, statistician, other_officer, client_for):
    project = RenewalProjectFactory(street=street)
    assert client_for(statistician).get(reverse("space:renewal_create")).status_code == 403
    assert client_for(other_officer).get(reverse("space:renewal_edit", args=[project.pk])).status_code == 404
    assert client_for(other_officer).get(reverse("space:milestone_create", args=[project.pk])).status_code == 404


def test_milestone_planned_then_done_with_delivered_area(street, officer, client_for):
    project = RenewalProjectFactory(street=street)
    client = client_for(officer)
    response = client.post(reverse("space:milestone_create", args=[project.pk]),
                           {"name": "拆除完成", "planned_on": "2026-09-01"})
    milestone = RenewalMilestone.objects.get(project=project)
    assert response["Location"].endswith(f"#r{project.pk}") and milestone.actual_on is None
    client.post(reverse("space:milestone_edit", args=[milestone.pk]),
                {"name": "拆除完成", "planned_on": "2026-09-01", "actual_on": "2026-09-10", "delivered_area": "30000"})
    milestone.refresh_from_db()
    assert milestone.actual_on == dt.date(2026, 9, 10) and milestone.delivered_area == Decimal("30000")


def test_delivered_area_without_actual_date_is_refused(street, manager, client_for):
    milestone = RenewalMilestoneFactory(project=RenewalProjectFactory(street=street))
    response = client_for(manager).post(reverse("space:milestone_edit", args=[milestone.pk]), {
        "name": milestone.name, "planned_on": "2026-09-01", "delivered_area": "100"})
    assert response.status_code == 200 and "actual_on" in response.context["form"].errors
    milestone.refresh_from_db()
    assert milestone.delivered_area is None


def test_milestone_edit_refuses_wrong_role_and_other_street(street, statistician, other_officer, client_for):
    milestone = RenewalMilestoneFactory(project=RenewalProjectFactory(street=street))
    assert client_for(statistician).get(reverse("space:milestone_edit", args=[milestone.pk])).status_code == 403
    assert client_for(other_officer).get(reverse("space:milestone_edit", args=[milestone.pk])).status_code == 404


def test_lists_offer_create_and_edit_only_to_editors(street, officer, client_for):
    project = InvestmentProjectFactory(street=street, year=timezone.localdate().year)
    milestone = RenewalMilestoneFactory(project=RenewalProjectFactory(street=street))
    district = UserFactory(role=Role.DISTRICT, street=None)
    edit_investment = reverse("space:investment_edit", args=[project.pk])
    edit_milestone = reverse("space:milestone_edit", args=[milestone.pk])
    assert edit_investment in client_for(officer).get(reverse("space:investment_list")).content.decode()
    assert edit_milestone in client_for(officer).get(reverse("space:renewal_list")).content.decode()
    district_investment = client_for(district).get(reverse("space:investment_list"))
    assert district_investment.status_code == 200 and edit_investment not in district_investment.content.decode()
    district_renewal = client_for(district).get(reverse("space:renewal_list"))
    assert district_renewal.status_code == 200 and edit_milestone not in district_renewal.content.decode()
