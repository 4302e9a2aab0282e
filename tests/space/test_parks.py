"""Parks as managed places: derived figures, ranking, the 低效 rule, the pages and who may change the ledger."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from crm.models import Role
from enterprises.models import Classification, Enterprise, Park
from pipelines.models import Vacancy
from space import selectors
from space.services.parks import set_rule, update_park
from tests.crm.factories import UserFactory
from tests.space.factories import (
    ClassificationFactory,
    EnterpriseFactory,
    FigureFactory,
    ParkFactory,
    RuleFactory,
    VacancyFactory,
)

pytestmark = pytest.mark.django_db
YEAR = 2025


@pytest.fixture
def two_parks(street):
    """Park A: 20,000 ㎡, two tenants paying 300 + 100 万元 tax, 2,000 ㎡ vacant. Park B: 10,000 ㎡, one tenant 50."""
    a = ParkFactory(street=street, name="甲园区", floor_area=Decimal("20000"))
    b = ParkFactory(street=street, name="乙园区", floor_area=Decimal("10000"))
    e1 = EnterpriseFactory(street=street, park=a)
    e2 = EnterpriseFactory(street=street, park=a)
    e3 = EnterpriseFactory(street=street, park=b)
    FigureFactory(enterprise=e1, year=YEAR, revenue=Decimal("5000"), output_value=Decimal("8000"), tax=Decimal("300"))
    FigureFactory(enterprise=e2, year=YEAR, revenue=Decimal("1000"), output_value=None, tax=Decimal("100"))
    FigureFactory(enterprise=e2, year=YEAR - 1, revenue=Decimal("999999"), tax=Decimal("999999"))  # other year
    FigureFactory(enterprise=e3, year=YEAR, revenue=Decimal("400"), tax=Decimal("50"))
    ClassificationFactory(enterprise=e1, kind=Classification.Kind.SISHANG, year=YEAR)
    ClassificationFactory(enterprise=e2, kind=Classification.Kind.SISHANG, year=YEAR - 1)  # not this year
    VacancyFactory(park=a, area=Decimal("2000"))
    VacancyFactory(park=a, area=Decimal("500"), status=Vacancy.Status.TAKEN)  # taken: not vacant
    return a, b


def _figures(user, park_pk, year=YEAR):
    return selectors.park_with_figures(user, park_pk, year)


def test_figures_are_summed_from_the_tenants_of_the_year(two_parks, officer):
    a, b = two_parks
    park = _figures(officer, a.pk)
    assert park.tenants == 2
    assert park.sishang == 1
    assert park.tax == Decimal("400")
    assert park.revenue == Decimal("6000")
    assert park.tax_density == Decimal("200")  # 400 万元 over 2 万㎡
    assert park.output_density == Decimal("4000")
    assert park.vacant_area == Decimal("2000")
    assert park.occupancy == Decimal("90")
    assert park.rank == 1
    assert _figures(officer, b.pk).rank == 2  # 50 万元 per 万㎡


def test_a_moved_out_firm_is_not_a_tenant(two_parks, officer):
    a, _b = two_parks
    for firm in Enterprise.objects.filter(park=a):  # as the firm form or the admin saves it
        firm.status = Enterprise.Status.MOVED_OUT
        firm.save()
    assert _figures(officer, a.pk).tenants == 0


def test_a_bulk_write_shows_after_the_refresh_that_follows_it(two_parks, officer):
    from space.services.rollup import refresh

    a, _b = two_parks
    Enterprise.objects.filter(park=a).update(status=Enterprise.Status.MOVED_OUT)  # bypasses model signals
    assert _figures(officer, a.pk).tenants == 2
    refresh()  # what the import hooks and the nightly task run
    assert _figures(officer, a.pk).tenants == 0


def test_rule_flags_low_efficiency_and_street_rule_overrides_default(two_parks, officer, street):
    a, b = two_parks
    RuleFactory(street=None, min_tax_per_10k=Decimal("100"))
    assert not _figures(officer, a.pk).low_efficiency
    assert _figures(officer, b.pk).low_efficiency
    RuleFactory(street=street, min_tax_per_10k=None, min_occupancy=Decimal("95"))
    assert _figures(officer, a.pk).low_efficiency  # 90% occupied < 95%
    assert not _figures(officer, b.pk).low_efficiency  # no floor area: no occupancy, and tax no longer judged


def test_list_orders_by_measure_and_filters_low(two_parks, officer):
    a, b = two_parks
    RuleFactory(street=None, min_tax_per_10k=Decimal("100"))
    rows, has_next = selectors.park_page(officer, selectors.ParkFilters(year=YEAR, measure="tax_density"))
    assert [p.pk for p in rows] == [a.pk, b.pk]
    assert not has_next
    rows, _ = selectors.park_page(officer, selectors.ParkFilters(year=YEAR, measure="tax_density", low_only=True))
    assert [p.pk for p in rows] == [b.pk]


def test_other_street_parks_are_not_listed_or_opened(two_parks, other_officer, client_for):
    a, _b = two_parks
    rows, _ = selectors.park_page(other_officer, selectors.ParkFilters(year=YEAR))
    assert rows == []
    assert client_for(other_officer).get(reverse("space:park_detail", args=[a.pk])).status_code == 404


@pytest.mark.parametrize("role", [Role.OFFICER, Role.STATISTICIAN, Role.MANAGER, Role.DISTRICT])
def test_read_roles_open_list_and_park(two_parks, street, client_for, role):
    a, _b = two_parks
    user = UserFactory(role=role, street=None if role == Role.DISTRICT else street)
    client = client_for(user)
    response = client.get(reverse("space:park_list"), {"year": YEAR})
    assert response.status_code == 200
    assert "甲园区" in response.content.decode()
    response = client.get(reverse("space:park_detail", args=[a.pk]), {"year": YEAR})
    assert response.status_code == 200
    assert response.context["park"].tax_density == Decimal("200")


def test_department_user_is_refused(two_parks, department_user, client_for):
    a, _b = two_parks
    client = client_for(department_user)
    assert client.get(reverse("space:park_list")).status_code == 403
    assert client.get(reverse("space:park_detail", args=[a.pk])).status_code == 403


def test_officer_edits_the_ledger_and_lands_on_the_park(two_parks, officer, client_for):
    a, _b = two_parks
    response = client_for(officer).post(reverse("space:park_edit", args=[a.pk]), {
        "kind": Park.Kind.INDUSTRIAL, "longitude": "113.93", "latitude": "22.77", "floor_area": "20000",
        "managed_status": Park.ManagedStatus.MANAGED, "managed_area": "15000", "leased_area": "3000",
        "officer": officer.pk, "micro_unit": "第3微单元", "theme": "新材料",
    })
    assert response.status_code == 302
    assert response.url == reverse("space:park_detail", args=[a.pk])
    a.refresh_from_db()
    assert (a.managed_area, a.officer, a.micro_unit) == (Decimal("15000"), officer, "第3微单元")


def test_statistician_and_district_may_not_edit(two_parks, statistician, client_for):
    a, _b = two_parks
    assert client_for(statistician).get(reverse("space:park_edit", args=[a.pk])).status_code == 403
    with pytest.raises(PermissionDenied):
        update_park(actor=statistician, park=a, data={"theme": "x"})
    district = UserFactory(role=Role.DISTRICT, street=None)
    with pytest.raises(PermissionDenied):
        update_park(actor=district, park=a, data={"theme": "x"})


def test_officer_of_another_street_may_not_edit(two_parks, other_officer):
    a, _b = two_parks
    with pytest.raises(PermissionDenied):
        update_park(actor=other_officer, park=a, data={"theme": "x"})


def test_managed_area_above_floor_area_is_refused_and_nothing_changes(two_parks, officer, client_for):
    a, _b = two_parks
    response = client_for(officer).post(reverse("space:park_edit", args=[a.pk]), {
        "kind": Park.Kind.PARK, "floor_area": "20000", "managed_status": "managed", "managed_area": "25000",
        "theme": "改了",
    })
    assert response.status_code == 200
    assert "纳管面积不能大于建筑面积" in response.content.decode()
    a.refresh_from_db()
    assert a.managed_area is None and a.theme == ""


def test_half_a_location_is_refused(two_parks, officer):
    a, _b = two_parks
    with pytest.raises(ValidationError):
        update_park(actor=officer, park=a, data={"longitude": Decimal("113.9")})


def test_rule_is_set_by_the_manager_only(manager, officer, street, client_for):
    with pytest.raises(PermissionDenied):
        set_rule(actor=officer, street_id=street.pk, min_tax_per_10k=Decimal("1"), min_occupancy=None)
    assert client_for(officer).get(reverse("space:rule_edit")).status_code == 403
    response = client_for(manager).post(reverse("space:rule_edit"), {"min_tax_per_10k": "250", "min_occupancy": "80"})
    assert response.status_code == 302
    assert selectors.rule_for(street.pk).min_tax_per_10k == Decimal("250")


def test_list_costs_a_fixed_number_of_queries_whatever_the_number_of_parks(street, officer,
                                                                         django_assert_max_num_queries):
    for i in range(8):
        park = ParkFactory(street=street, floor_area=Decimal("1000"))
        FigureFactory(enterprise=EnterpriseFactory(street=street, park=park), year=YEAR, tax=Decimal(i))
    with django_assert_max_num_queries(4):  # rules, the page's ids (sorted in SQL), its rows by id, the ranks
        rows, _ = selectors.park_page(officer, selectors.ParkFilters(year=YEAR))
    assert len(rows) == 8
    assert [p.rank for p in rows] == list(range(1, 9))  # taxes 7, 6, … 0 over equal areas


def test_ranks_are_within_the_street_whatever_the_filters(two_parks, officer):
    a, b = two_parks
    rows, _ = selectors.park_page(officer, selectors.ParkFilters(year=YEAR, q="乙"))
    assert [(p.pk, p.rank) for p in rows] == [(b.pk, 2)]  # second in the street, though alone on the page


def test_list_pages_are_bounded(street, officer):
    for i in range(selectors.PAGE_SIZE + 3):
        ParkFactory(street=street, floor_area=Decimal("1000"))
    rows, has_next = selectors.park_page(officer, selectors.ParkFilters(year=YEAR))
    assert len(rows) == selectors.PAGE_SIZE and has_next
    rows, has_next = selectors.park_page(officer, selectors.ParkFilters(year=YEAR), page=2)
    assert len(rows) == 3 and not has_next
