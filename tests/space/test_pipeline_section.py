"""A 招商 project that has reached construction offers "创建其固投项目" to the roles that may create 固投 projects, and
links to its 固投 project once there is one (the section comes through crm.registry: pipelines imports no space)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from crm.models import Role
from pipelines.models import Stage, StageChange
from tests.crm.factories import UserFactory
from tests.pipelines.factories import ProjectFactory
from tests.space.factories import InvestmentProjectFactory

pytestmark = pytest.mark.django_db
BUTTON = "创建其固投项目"


def page(client, project):
    response = client.get(reverse("pipelines:project_detail", args=[project.pk]))
    assert response.status_code == 200
    return response


def create_url(project):
    return f'{reverse("space:investment_create")}?pipeline_project={project.pk}'


@pytest.mark.parametrize("role", [Role.OFFICER, Role.STATISTICIAN, Role.MANAGER])
def test_a_project_in_construction_offers_the_button_to_roles_that_create(street, client_for, role):
    project = ProjectFactory(street=street, stage=Stage.CONSTRUCTION)
    body = page(client_for(UserFactory(role=role, street=street)), project).content.decode()
    assert BUTTON in body and create_url(project) in body


def test_the_button_leads_to_a_prefilled_form(street, officer, client_for):
    project = ProjectFactory(street=street, stage=Stage.PRODUCTION, name="光明新材料基地")
    response = client_for(officer).get(create_url(project))
    assert response.status_code == 200
    assert response.context["form"].instance.pipeline_project == project


def test_a_project_before_construction_has_no_button(street, officer, client_for):
    project = ProjectFactory(street=street, stage=Stage.SPACE_SECURED)
    assert BUTTON not in page(client_for(officer), project).content.decode()


def test_a_paused_project_that_was_in_construction_still_offers_it(street, officer, client_for):
    project = ProjectFactory(street=street, stage=Stage.PAUSED)
    StageChange.objects.create(project=project, from_stage=Stage.SPACE_SECURED, to_stage=Stage.CONSTRUCTION,
                               on=dt.date(2026, 3, 1))
    assert BUTTON in page(client_for(officer), project).content.decode()


def test_a_linked_project_shows_its_link_instead(street, officer, client_for):
    project = ProjectFactory(street=street, stage=Stage.CONSTRUCTION)
    fai = InvestmentProjectFactory(street=street, pipeline_project=project, name="新材料基地固投")
    body = page(client_for(officer), project).content.decode()
    assert BUTTON not in body
    assert f'{reverse("space:investment_list")}?year={fai.year}#p{fai.pk}' in body
    assert reverse("space:investment_edit", args=[fai.pk]) in body


def test_district_reads_the_link_but_is_offered_no_button_and_may_not_create(street, client_for):
    district = UserFactory(role=Role.DISTRICT, street=None)
    project = ProjectFactory(street=street, stage=Stage.CONSTRUCTION)
    client = client_for(district)
    body = page(client, project).content.decode()
    assert BUTTON not in body and create_url(project) not in body
    assert client.get(create_url(project)).status_code == 403
    fai = InvestmentProjectFactory(street=street, pipeline_project=project)
    body = page(client, project).content.decode()
    assert f"#p{fai.pk}" in body and reverse("space:investment_edit", args=[fai.pk]) not in body
