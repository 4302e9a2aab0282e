"""A confidential project (保密项目) is named only to those who may see it (its officer, its team, street leadership):
every page, export and notification that names projects says "保密项目" to everyone else (issue 15 §4)."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from crm.models import Notification, Role
from pipelines.models import Stage, Vacancy
from pipelines.permissions import may_see_project
from pipelines.services.projects import move_stage
from pipelines.services.reminders import send_reminders
from tests.crm.factories import TeamFactory, UserFactory
from tests.pipelines.factories import (
    EnterpriseFactory,
    EventFactory,
    ParkFactory,
    ProjectFactory,
    TargetFactory,
    VacancyFactory,
)

pytestmark = pytest.mark.django_db
SECRET = "机密氢能电堆项目"
MASK = "保密项目"


@pytest.fixture
def secret(street, manager):
    in_charge = UserFactory(role=Role.OFFICER, street=street, username="secret_owner")
    firm = EnterpriseFactory(street=street)
    project = ProjectFactory(street=street, officer=in_charge, enterprise=firm, confidential=True, name=SECRET,
                             planned_investment=Decimal("20"), expected_output=Decimal("7.5"),
                             stage=Stage.PRODUCTION)
    move_stage(project, Stage.COUNTED, actor=manager, on=timezone.localdate())
    return project


def _pages(street, project):
    """Every page that names projects of a street, other than the project's own URL (404 to outsiders)."""
    year = timezone.localdate().year
    vacancy = VacancyFactory(park=ParkFactory(street=street), status=Vacancy.Status.RESERVED,
                             taken_by_project=project)
    event = EventFactory(street=street, held_on=timezone.localdate())
    event.projects.add(project)
    type(project).objects.filter(pk=project.pk).update(source_event=event)
    counted = TargetFactory(street=street, year=year, metric="counted_output", target_value=Decimal("40"))
    signed = TargetFactory(street=street, year=year, metric="signed_10")
    named = {  # pages that list the project under its name or as 保密项目
        "vacancy list": reverse("pipelines:vacancy_list") + f"?status={vacancy.status}",
        "event": reverse("pipelines:event_detail", args=[event.pk]),
        "drill-down 新增纳统产值": reverse("pipelines:drilldown", args=[counted.pk]),
        "drill-down 签约十亿级": reverse("pipelines:drilldown", args=[signed.pk]),
        "firm's 360° page": reverse("enterprises:detail", args=[project.enterprise_id]),
    }
    hidden = {  # pages that list only the projects the user may see
        "board": reverse("pipelines:board"),
        "list": reverse("pipelines:project_list"),
        "search": reverse("pipelines:project_list") + f"?q={SECRET[:4]}",
        "events": reverse("pipelines:event_list"),
        "dashboard": reverse("pipelines:dashboard"),
    }
    return named, hidden


def test_an_officer_outside_the_project_reads_保密项目_on_every_page_and_export(client_for, street, officer,
                                                                                 secret):
    named, hidden = _pages(street, secret)
    client = client_for(officer)
    assert client.get(reverse("pipelines:project_detail", args=[secret.pk])).status_code == 404
    for what, url in named.items():
        response = client.get(url)
        body = response.content.decode()
        assert response.status_code == 200, what
        assert SECRET not in body, what
        assert MASK in body, what
        assert secret.get_absolute_url() not in body, what
    for what, url in hidden.items():
        response = client.get(url)
        assert response.status_code == 200, what
        assert SECRET not in response.content.decode(), what
    export = client.get(reverse("pipelines:export"), {"year": timezone.localdate().year})
    cells = [str(c.value) for row in load_workbook(io.BytesIO(export.content)).active.iter_rows() for c in row]
    assert not any(SECRET in c for c in cells)


@pytest.mark.parametrize("who", ["in_charge", "manager"])
def test_those_who_may_see_it_read_its_name_and_get_the_link(client_for, street, manager, secret, who):
    named, _hidden = _pages(street, secret)
    client = client_for(secret.officer if who == "in_charge" else manager)
    for what, url in named.items():
        body = client.get(url).content.decode()
        assert SECRET in body, what
        assert secret.get_absolute_url() in body, what


def test_a_team_leader_outside_the_team_is_reminded_without_the_name(street):
    leader = UserFactory(role=Role.OFFICER, street=street, username="team_leader")  # leads, not a member
    team = TeamFactory(street=street, leader=leader)
    project = ProjectFactory(street=street, officer=None, team=team, confidential=True, name=SECRET,
                             next_action_due=timezone.localdate() - dt.timedelta(days=3))
    assert not may_see_project(leader, project)
    send_reminders()
    titles = list(Notification.objects.filter(recipient=leader).values_list("title", flat=True))
    assert titles and all(SECRET not in t and MASK in t for t in titles)
    team.members.add(leader)
    leader = type(leader).objects.get(pk=leader.pk)
    assert may_see_project(leader, project)


def test_the_drill_down_lists_each_projects_output_summing_to_the_card(client_for, street, manager, officer,
                                                                      secret):
    from pipelines import selectors

    other = ProjectFactory(street=street, officer=officer, stage=Stage.PRODUCTION, expected_output=Decimal("3"),
                           actual_output=Decimal("4.25"))
    move_stage(other, Stage.COUNTED, actor=manager, on=timezone.localdate())
    target = TargetFactory(street=street, year=timezone.localdate().year, metric="counted_output",
                           target_value=Decimal("40"))
    card = selectors.progress(target, timezone.localdate()).actual
    assert card == Decimal("11.75")  # 7.5 (expected, no actual yet) + 4.25 (actual)
    body = client_for(officer).get(reverse("pipelines:drilldown", args=[target.pk])).content.decode()
    assert ">4.25<" in body and ">7.50<" in body
    assert 'id="pl-figure-total">11.75<' in body



def test_masking_costs_no_query_per_row(client_for, street, officer):
    """The vacancy list names 1 or 40 reserved units' projects with the same number of queries."""
    park = ParkFactory(street=street)

    def count_for(n):
        for _ in range(n):
            VacancyFactory(park=park, status=Vacancy.Status.RESERVED,
                           taken_by_project=ProjectFactory(street=street, confidential=True))
        client = client_for(officer)
        with CaptureQueriesContext(connection) as ctx:
            body = client.get(reverse("pipelines:vacancy_list"), {"status": "reserved"}).content.decode()
        assert body.count(">保密项目<") == Vacancy.objects.filter(status="reserved").count()
        return len(ctx.captured_queries)

    assert count_for(1) == count_for(39)
