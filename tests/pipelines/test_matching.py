import datetime as dt
from decimal import Decimal

import pytest

from pipelines.models import SpaceType, Vacancy
from pipelines.services.matching import match
from tests.pipelines.factories import ParkFactory, SpaceDemandFactory, VacancyFactory

pytestmark = pytest.mark.django_db


def test_best_matches_first_with_reasons(street, other_street):
    park = ParkFactory(street=street)
    demand = SpaceDemandFactory(project__street=street, space_type=SpaceType.FACTORY, area=Decimal("2000"),
                                floor_load=Decimal("8"), power_kva=800, budget=Decimal("40"),
                                needed_by=dt.date(2026, 6, 30))
    perfect = VacancyFactory(park=park, area=2100, floor_load=10, power_kva=1000, rent=38,
                             available_from=dt.date(2026, 5, 1))
    weak_load = VacancyFactory(park=park, area=2100, floor_load=5, power_kva=1000, rent=30)
    too_big = VacancyFactory(park=park, area=5000, floor_load=10, power_kva=1000, rent=30)
    VacancyFactory(park=park, area=2000, space_type=SpaceType.RND)  # R&D floors cannot host a factory
    VacancyFactory(park=park, area=2000, space_type=SpaceType.OFFICE)  # office cannot host a factory
    VacancyFactory(park=park, area=300)  # far too small
    VacancyFactory(park=park, area=2000, status=Vacancy.Status.TAKEN)
    VacancyFactory(park=ParkFactory(street=other_street), area=2000)
    results = match(demand)
    # 100 / 85 (load too low) / 80 (2.5× the area)
    assert [m.vacancy for m in results] == [perfect, weak_load, too_big]
    assert results[0].score == 100
    assert any("荷载满足" in r for r in results[0].reasons)
    assert any("荷载不足" in w for w in results[1].warnings)
    assert any("面积偏大" in w for w in results[2].warnings)


def test_research_demand_accepts_office_space_at_a_discount(street):
    park = ParkFactory(street=street)
    demand = SpaceDemandFactory(project__street=street, space_type=SpaceType.RND, area=Decimal("1000"))
    rnd = VacancyFactory(park=park, space_type=SpaceType.RND, area=1000)
    office = VacancyFactory(park=park, space_type=SpaceType.OFFICE, area=1000)
    results = match(demand)
    assert [m.vacancy for m in results] == [rnd, office]
    assert results[1].score == results[0].score - 15 and "类型可替代" in results[1].warnings[0]


def test_ties_go_to_cheaper_unit(street):
    park = ParkFactory(street=street)
    demand = SpaceDemandFactory(project__street=street)
    dear = VacancyFactory(park=park, rent=50)
    cheap = VacancyFactory(park=park, rent=30)
    assert [m.vacancy for m in match(demand)] == [cheap, dear]
