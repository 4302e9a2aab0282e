"""Each target metric counts the right rows for the street, a team and an officer."""

import datetime as dt
from decimal import Decimal

import pytest

from enterprises.models import Classification
from pipelines.metrics import METRICS, Scope, compute
from pipelines.models import ScopeKind, Stage
from pipelines.services.projects import move_stage
from tests.crm.factories import TeamFactory
from tests.pipelines.factories import ClassificationFactory, EnterpriseFactory, EventFactory, ProjectFactory

pytestmark = pytest.mark.django_db
Y = dt.date.today().year
START, END = dt.date(Y, 1, 1), dt.date(Y, 12, 31)


def value(code, scope, start=START, end=END):
    return compute(code, scope, start, end).value


def signed(street, amount, on, **kw):
    project = ProjectFactory(street=street, planned_investment=Decimal(amount), stage=Stage.NEGOTIATION, **kw)
    move_stage(project, Stage.SIGNED, actor=project.officer, on=on)
    return project


@pytest.fixture
def today():
    return dt.date.today()


def test_signed_projects_by_tier_and_investment(street, other_street, today):
    scope = Scope(street.pk)
    signed(street, "120", today)
    signed(street, "15", today)
    signed(street, "10", today)
    signed(street, "3", today)
    signed(street, "0.5", today)
    signed(other_street, "200", today)
    ProjectFactory(street=street, planned_investment=Decimal("50"), stage=Stage.NEGOTIATION)  # not signed
    assert value("signed_100", scope) == 1
    assert value("signed_10", scope) == 2
    assert value("signed_1", scope) == 1
    assert value("signed_key", scope) == 4
    assert value("signed_investment", scope) == Decimal("148.5")


def test_signed_last_year_is_not_counted_this_year(street, officer):
    project = ProjectFactory(street=street, planned_investment=Decimal("20"), stage=Stage.NEGOTIATION)
    move_stage(project, Stage.SIGNED, actor=officer, on=dt.date(Y - 1, 12, 31))
    assert value("signed_10", Scope(street.pk)) == 0


def test_team_and_officer_scopes(street, officer, today):
    team = TeamFactory(street=street)
    signed(street, "20", today, team=team)
    signed(street, "20", today, officer=officer)
    assert value("signed_10", Scope(street.pk, ScopeKind.TEAM, team_id=team.pk)) == 1
    assert value("signed_10", Scope(street.pk, ScopeKind.OFFICER, officer_id=officer.pk)) == 1
    assert value("signed_10", Scope(street.pk)) == 2


def test_registered_and_counted_projects_and_output(street, officer, today):
    a = ProjectFactory(street=street, stage=Stage.SIGNED, expected_output=Decimal("3"))
    move_stage(a, Stage.COUNTED, actor=officer, on=today)
    b = ProjectFactory(street=street, stage=Stage.PRODUCTION, expected_output=Decimal("9"),
                       actual_output=Decimal("4.5"))
    move_stage(b, Stage.COUNTED, actor=officer, on=today)
    c = ProjectFactory(street=street, stage=Stage.SIGNED)
    move_stage(c, Stage.REGISTERED, actor=officer, on=today)
    scope = Scope(street.pk)
    assert value("counted_projects", scope) == 2
    assert value("counted_output", scope) == Decimal("7.5")
    assert value("registered_firms", scope) == 2 + 1  # passing 注册落地 on the way to 纳统 counts too


def test_events_held_and_leads(street, officer):
    event = EventFactory(street=street, held_on=dt.date(Y, 3, 1), officer=officer)
    EventFactory(street=street, held_on=dt.date(Y - 1, 3, 1))
    ProjectFactory(street=street, source_event=event)
    scope = Scope(street.pk)
    assert value("events_held", scope) == 1
    assert value("events_held", Scope(street.pk, ScopeKind.OFFICER, officer_id=officer.pk)) == 1
    assert value("events_held", scope, dt.date(Y, 4, 1), END) == 0
    assert value("event_leads", scope) == 1


def test_new_sishang_is_this_year_but_not_last_year(street, other_street):
    new = EnterpriseFactory(street=street)
    old = EnterpriseFactory(street=street)
    back = EnterpriseFactory(street=street)
    ClassificationFactory(enterprise=new, year=Y)
    ClassificationFactory(enterprise=old, year=Y)
    ClassificationFactory(enterprise=old, year=Y - 1)
    ClassificationFactory(enterprise=back, year=Y)
    ClassificationFactory(enterprise=back, year=Y - 2)  # dropped out in Y-1, back in Y: new again
    ClassificationFactory(enterprise=EnterpriseFactory(street=other_street), year=Y)
    result = compute("new_sishang", Scope(street.pk), START, END)
    assert result.value == 2
    assert set(result.rows.values_list("pk", flat=True)) == {new.pk, back.pk}


def test_new_sishang_months_use_the_fact_date(street):
    firm = EnterpriseFactory(street=street)
    ClassificationFactory(enterprise=firm, year=Y, valid_from=dt.date(Y, 5, 10))
    scope = Scope(street.pk)
    assert value("new_sishang", scope, dt.date(Y, 5, 1), dt.date(Y, 5, 31)) == 1
    assert value("new_sishang", scope, dt.date(Y, 4, 1), dt.date(Y, 4, 30)) == 0


def test_new_zjtx_and_little_giant_count_first_recognition_only(street):
    Z = Classification.Kind.ZJTX
    first = EnterpriseFactory(street=street)
    ClassificationFactory(enterprise=first, kind=Z, category="provincial", year=Y)
    upgraded = EnterpriseFactory(street=street)
    ClassificationFactory(enterprise=upgraded, kind=Z, category="provincial", year=Y - 2)
    ClassificationFactory(enterprise=upgraded, kind=Z, category="little_giant", year=Y)
    innovative = EnterpriseFactory(street=street)
    ClassificationFactory(enterprise=innovative, kind=Z, category="innovative", year=Y)
    scope = Scope(street.pk)
    assert value("new_zjtx", scope) == 1
    assert value("new_little_giant", scope) == 1


def test_new_listed_by_listing_date(street):
    firm = EnterpriseFactory(street=street)
    ClassificationFactory(enterprise=firm, kind="listed", category="", year=None, valid_from=dt.date(Y, 6, 18),
                          exchange="SZSE", stock_code="301999")
    old = EnterpriseFactory(street=street)
    ClassificationFactory(enterprise=old, kind="listed", category="", year=None, valid_from=dt.date(Y - 3, 1, 5))
    assert value("new_listed", Scope(street.pk)) == 1


def test_firm_metrics_for_an_officer_follow_the_projects_they_landed(street, officer):
    landed = EnterpriseFactory(street=street)
    ProjectFactory(street=street, officer=officer, enterprise=landed)
    ClassificationFactory(enterprise=landed, year=Y)
    ClassificationFactory(enterprise=EnterpriseFactory(street=street), year=Y)
    assert value("new_sishang", Scope(street.pk, ScopeKind.OFFICER, officer_id=officer.pk)) == 1


def test_every_computed_metric_runs_and_returns_rows(street):
    for metric in METRICS.values():
        if metric.manual:
            continue
        result = metric.compute(Scope(street.pk), START, END)
        assert result.value == 0
        assert result.rows is not None
