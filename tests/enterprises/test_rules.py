"""Classifications by year, 四上 thresholds, liaison assignment, coverage and visit rules."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from crm.models import Notification
from enterprises import selectors
from enterprises.models import LiaisonAssignment, VisitProblem, VisitRule
from enterprises.services import liaison, visits
from enterprises.services.classification import parse_industry_code, sishang_category_for
from enterprises.services.reminders import notify_due_visits
from tests.crm.factories import UserFactory
from tests.enterprises.factories import (
    ClassificationFactory,
    EnterpriseFactory,
    FigureFactory,
    LiaisonFactory,
    VisitFactory,
    VisitRuleFactory,
)

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


@pytest.mark.parametrize(
    "code, revenue, expected",
    [
        ("C3982", 2000, "industry"),
        ("3982 电子电路制造", 1999.99, None),
        ("4411", 5000, "industry"),  # D
        ("5171", 2000, "wholesale"),
        ("5211", 500, "retail"),
        ("5211", 499, None),
        ("6110", 200, "accommodation"),
        ("6210", 200, "catering"),
        ("6520", 2000, "services"),  # I 集成电路设计
        ("6520", 1500, None),
        ("7212", 1000, "services"),  # L
        ("7020", 1000, "services"),  # 物业管理
        ("7010", 0, "real_estate"),  # 房地产开发经营: the licence, not revenue
        ("4710", None, "construction"),
        ("8010", 500, "services"),  # O
        ("8521", 500, "services"),  # 85 社会工作
        ("8411", 1999, None),  # 84 卫生 needs 2000
        ("0111", 99999, None),  # agriculture is never 四上
        ("", 5000, None),
    ],
)
def test_sishang_category_follows_the_thresholds_of_the_year(code, revenue, expected):
    assert sishang_category_for(code, revenue, 2025) == expected


def test_a_later_threshold_set_replaces_the_earlier_one_from_its_year():
    from enterprises.models import SishangThreshold

    SishangThreshold.objects.create(year=2026, category="industry", industry_prefixes="B,C,D", min_revenue=3000)
    assert sishang_category_for("3982", 2500, 2025) == "industry"
    assert sishang_category_for("3982", 2500, 2026) is None
    assert sishang_category_for("3982", 3000, 2027) == "industry"


def test_industry_codes_are_read_as_lists_write_them():
    assert parse_industry_code("C3982") == "3982"
    assert parse_industry_code(" 3982 电子电路制造") == "3982"
    assert parse_industry_code("c") == "C"


def test_what_was_this_firm_in_2024(street):
    ent = EnterpriseFactory(street=street)
    ClassificationFactory(enterprise=ent, year=2024, category="industry")
    ClassificationFactory(enterprise=ent, year=2025, category="wholesale")
    ClassificationFactory(enterprise=ent, kind="zjtx", category="little_giant", year=2025, valid_from=dt.date(2025, 7, 1),
                          valid_to=dt.date(2028, 6, 30))
    FigureFactory(enterprise=ent, year=2024, revenue=2500)
    officer = UserFactory(street=street)
    LiaisonFactory(enterprise=ent, officer=officer, start_date=dt.date(2023, 1, 1), end_date=dt.date(2024, 12, 31))
    p2024 = selectors.profile_in_year(ent, 2024)
    assert [(c.kind, c.category) for c in p2024["classifications"]] == [("sishang", "industry")]
    assert p2024["figures"].revenue == 2500
    assert [a.officer for a in p2024["liaisons"]] == [officer]
    p2025 = selectors.profile_in_year(ent, 2025)
    assert {(c.kind, c.category) for c in p2025["classifications"]} == {("sishang", "wholesale"), ("zjtx", "little_giant")}
    assert p2025["liaisons"] == []


def test_which_firms_became_sishang_this_year(street, other_street, manager):
    old = EnterpriseFactory(street=street)
    ClassificationFactory(enterprise=old, year=2024)
    ClassificationFactory(enterprise=old, year=2025)
    new = EnterpriseFactory(street=street)
    ClassificationFactory(enterprise=new, year=2025)
    back = EnterpriseFactory(street=street)  # 四上 in 2023, dropped in 2024, back in 2025: new again
    ClassificationFactory(enterprise=back, year=2023)
    ClassificationFactory(enterprise=back, year=2025)
    ClassificationFactory(enterprise=EnterpriseFactory(street=other_street), year=2025)
    assert set(selectors.became_sishang(manager, 2025)) == {new, back}


def test_bulk_assignment_skips_existing_and_records_history(street, statistician, officer):
    firms = EnterpriseFactory.create_batch(3, street=street)
    LiaisonFactory(enterprise=firms[0], officer=officer)
    result = liaison.assign(firms, officer=officer, team_role="service_officer", actor=statistician)
    assert (result.created, result.already) == (2, 1)
    assert LiaisonAssignment.objects.filter(officer=officer, end_date__isnull=True).count() == 3
    assert LiaisonAssignment.history.filter(history_user=statistician).count() == 2


def test_replacing_a_liaison_ends_the_previous_one_the_day_before(street, statistician, officer):
    ent = EnterpriseFactory(street=street)
    before = LiaisonFactory(enterprise=ent, officer=UserFactory(street=street), start_date=dt.date(2024, 1, 1))
    liaison.assign([ent], officer=officer, team_role="service_officer", actor=statistician,
                   start_date=dt.date(2025, 3, 1), replace=True)
    before.refresh_from_db()
    assert before.end_date == dt.date(2025, 2, 28)
    assert [a.officer for a in LiaisonAssignment.objects.active_on(dt.date(2025, 3, 1))] == [officer]


def test_an_officer_cannot_be_assigned_to_another_streets_firm(other_street, officer, statistician):
    with pytest.raises(ValidationError):
        liaison.assign([EnterpriseFactory(street=other_street)], officer=officer, team_role="grid", actor=statistician)
    assert not LiaisonAssignment.objects.exists()


def test_a_department_user_cannot_be_a_liaison(street, statistician, department_user):
    with pytest.raises(ValidationError):
        liaison.assign([EnterpriseFactory(street=street)], officer=department_user, team_role="grid", actor=statistician)


def test_coverage_counts_firms_with_and_without_an_active_liaison(street, manager, officer):
    covered, bare = EnterpriseFactory(street=street), EnterpriseFactory(street=street)
    for ent in (covered, bare):
        ClassificationFactory(enterprise=ent, year=TODAY.year)
    LiaisonFactory(enterprise=covered, officer=officer, start_date=TODAY - dt.timedelta(days=10))
    ended = EnterpriseFactory(street=street)  # an ended assignment does not cover
    ClassificationFactory(enterprise=ended, year=TODAY.year)
    LiaisonFactory(enterprise=ended, officer=officer, start_date=dt.date(2020, 1, 1), end_date=dt.date(2020, 12, 31))
    rows = {r.kind: r for r in selectors.coverage(manager)}
    assert (rows["sishang"].total, rows["sishang"].covered, rows["sishang"].uncovered) == (3, 1, 2)
    assert set(selectors.uncovered_firms(manager)) == {bare, ended}
    assert selectors.officer_load(manager)[0]["firms"] == 1


def test_firms_not_visited_within_their_interval_are_due(street, manager, officer):
    VisitRuleFactory(kind="sishang", min_interval_days=90)
    due, fresh, never = (EnterpriseFactory(street=street) for _ in range(3))
    for ent in (due, fresh, never):
        ClassificationFactory(enterprise=ent, year=TODAY.year)
    VisitFactory(enterprise=due, date=TODAY - dt.timedelta(days=91), created_by=officer)
    VisitFactory(enterprise=fresh, date=TODAY - dt.timedelta(days=89), created_by=officer)
    found = {d.enterprise: d for d in selectors.due_visits(manager)}
    assert set(found) == {due, never}
    assert found[due].last_visit == TODAY - dt.timedelta(days=91)


def test_a_streets_own_rule_overrides_the_district_default(street, manager, officer):
    VisitRuleFactory(kind="sishang", min_interval_days=90)
    VisitRuleFactory(street=street, kind="sishang", min_interval_days=30)
    ent = EnterpriseFactory(street=street)
    ClassificationFactory(enterprise=ent, year=TODAY.year)
    VisitFactory(enterprise=ent, date=TODAY - dt.timedelta(days=45), created_by=officer)
    assert [d.enterprise for d in selectors.due_visits(manager)] == [ent]


def test_too_many_different_visitors_in_30_days_are_flagged(street, manager):
    VisitRule.objects.update(max_visitors_30d=3)
    busy, calm = EnterpriseFactory(street=street), EnterpriseFactory(street=street)
    people = UserFactory.create_batch(4, street=street)
    for person in people:
        VisitFactory(enterprise=busy, created_by=person, date=TODAY - dt.timedelta(days=5))
    for _ in range(5):  # many visits by the same person are not "different people"
        VisitFactory(enterprise=calm, created_by=people[0], date=TODAY - dt.timedelta(days=3))
    VisitFactory(enterprise=calm, created_by=people[1], date=TODAY - dt.timedelta(days=40))
    flagged = selectors.over_visited(manager)
    assert [(f.enterprise, f.visitors) for f in flagged] == [(busy, 4)]


def test_due_visit_reminders_go_to_liaisons_once_per_week(street, officer):
    ent = EnterpriseFactory(street=street)
    ClassificationFactory(enterprise=ent, year=TODAY.year)
    LiaisonFactory(enterprise=ent, officer=officer, start_date=TODAY - dt.timedelta(days=200))
    assert notify_due_visits() == 1
    assert notify_due_visits() == 0
    note = Notification.objects.get(recipient=officer)
    assert ent.name in note.body and note.kind == "visit_due"


def test_logging_a_visit_records_team_topics_and_problems(street, officer):
    ent = EnterpriseFactory(street=street)
    colleague = UserFactory(street=street)
    visit = visits.log_visit(
        enterprise=ent, actor=officer, officers=[colleague], people_met="王总", topics=["labour", "space"],
        notes="订单饱满", problems=[("招工难", "labour"), ("  ", "other")],
    )
    assert set(visit.officers.all()) == {officer, colleague}
    assert visit.date == dt.date.today()
    assert [p.description for p in visit.problems.all()] == ["招工难"]
    assert visit.history.first().history_user == officer


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"date": TODAY + dt.timedelta(days=1)}, "不能晚于今天"),
        ({"topics": ["gossip"]}, "走访内容无效"),
        ({"problems": [("问题", "weird")]}, "问题类别无效"),
    ],
)
def test_bad_visit_input_is_refused_and_changes_nothing(street, officer, kwargs, message):
    ent = EnterpriseFactory(street=street)
    with pytest.raises(ValidationError, match=message):
        visits.log_visit(enterprise=ent, actor=officer, **kwargs)
    assert not ent.visits.exists()


def test_an_officer_cannot_log_a_visit_to_another_streets_firm(other_street, officer):
    with pytest.raises(ValidationError):
        visits.log_visit(enterprise=EnterpriseFactory(street=other_street), actor=officer)


def test_raising_an_appeal_calls_the_handler_registered_in_the_registry(street, officer, monkeypatch):
    from crm.registry import registry

    calls = []
    monkeypatch.setattr(registry, "visit_problem_handler",
                        lambda problem, actor: calls.append((problem, actor)) or "appeal")
    problem = VisitProblem.objects.create(visit=VisitFactory(enterprise=EnterpriseFactory(street=street)),
                                          description="用电不稳")
    assert visits.raise_appeal_from_problem(problem, officer) == "appeal"
    assert calls == [(problem, officer)]


def test_without_a_registered_handler_a_problem_cannot_become_an_appeal(street, officer, monkeypatch):
    from crm.registry import registry

    monkeypatch.setattr(registry, "visit_problem_handler", None)
    problem = VisitProblem.objects.create(visit=VisitFactory(enterprise=EnterpriseFactory(street=street)),
                                          description="用电不稳")
    with pytest.raises(ValidationError):
        visits.raise_appeal_from_problem(problem, officer)
    assert not hasattr(VisitProblem.objects.get(pk=problem.pk), "appeal")


def test_the_appeals_app_registers_its_section_and_visit_problem_handler():
    from appeals.enterprise_section import appeals_section, raise_from_visit_problem
    from crm.registry import registry
    from pipelines.enterprise_section import projects_section

    assert registry.visit_problem_handler is raise_from_visit_problem
    providers = {s.name: s.provider for s in registry.enterprise_sections}
    assert providers["appeals"] is appeals_section and providers["pipelines"] is projects_section


def test_firms_above_the_threshold_but_not_sishang_are_candidates(street, manager):
    from enterprises.models import IndustryCategory

    pcb = IndustryCategory.objects.get(code="3982")
    above, below, already = (EnterpriseFactory(street=street, industry=pcb) for _ in range(3))
    FigureFactory(enterprise=above, year=2025, revenue=2100)
    FigureFactory(enterprise=below, year=2025, revenue=1900)
    FigureFactory(enterprise=already, year=2025, revenue=5000)
    ClassificationFactory(enterprise=already, year=2025)
    assert selectors.sishang_candidates(manager, 2025) == [(above, "industry")]


def test_the_list_filters_new_sishang_and_candidates(client_for, street, manager):
    from django.urls import reverse

    new = EnterpriseFactory(street=street)
    ClassificationFactory(enterprise=new, year=2025)
    old = EnterpriseFactory(street=street)
    ClassificationFactory(enterprise=old, year=2024)
    ClassificationFactory(enterprise=old, year=2025)
    rows = client_for(manager).get(reverse("enterprises:list"), {"new_sishang": 2025}).context["page"].rows
    assert rows == [new]


def test_a_firm_sishang_another_year_and_sampled_this_year_is_still_a_candidate(street, manager):
    from enterprises.models import IndustryCategory

    ent = EnterpriseFactory(street=street, industry=IndustryCategory.objects.get(code="3982"))
    FigureFactory(enterprise=ent, year=2025, revenue=2500)
    ClassificationFactory(enterprise=ent, year=2023)
    ClassificationFactory(enterprise=ent, kind="sampled", category="", year=2025)
    assert selectors.sishang_candidates(manager, 2025) == [(ent, "industry")]
