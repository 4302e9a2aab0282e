"""The park rollups the list, park page and map read: equal to a straightforward recomputation on varied data, and
kept current by every write path (single saves, a firm's move, vacancy changes, the vacancy import, a committed
name-list import, the nightly refresh)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest

from enterprises.models import AnnualFigure, Classification, Enterprise, Park
from pipelines.models import Vacancy
from space import selectors
from space.models import ParkRollup, ParkYearRollup
from space.services.rollup import refresh
from space.tasks import refresh_park_rollups
from tests.space.factories import ClassificationFactory, EnterpriseFactory, FigureFactory, ParkFactory, VacancyFactory

pytestmark = pytest.mark.django_db
YEAR = 2025


def recomputed(park: Park, year: int) -> dict:
    """The figures by the plain definition, firm by firm."""
    firms = list(Enterprise.objects.filter(park=park))
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)

    def valid(f: Classification) -> bool:
        return (f.valid_from is None or f.valid_from <= end) and (f.valid_to is None or f.valid_to >= start)

    facts = [f for f in Classification.objects.filter(enterprise__in=firms)]
    figures = AnnualFigure.objects.filter(enterprise__in=firms, year=year)
    return {
        "tenants": sum(1 for e in firms if e.status not in ("moved_out", "deregistered")),
        "revenue": sum((f.revenue or 0 for f in figures), Decimal(0)),
        "output": sum((f.output_value or 0 for f in figures), Decimal(0)),
        "tax": sum((f.tax or 0 for f in figures), Decimal(0)),
        "sishang": len({f.enterprise_id for f in facts if f.kind == "sishang" and f.year == year}),
        "zjtx": len({f.enterprise_id for f in facts if f.kind == "zjtx" and f.category in ("provincial", "little_giant")
                     and (f.year or 0) <= year and valid(f)}),
        "gaoxin": len({f.enterprise_id for f in facts if f.kind == "gaoxin" and valid(f)}),
        "vacant_area": sum((v.area for v in Vacancy.objects.filter(park=park, status__in=("available", "reserved"))),
                           Decimal(0)),
    }


def read(user, park: Park, year: int) -> dict:
    p = selectors.park_with_figures(user, park.pk, year)
    return {k: getattr(p, k) for k in ("tenants", "revenue", "output", "tax", "sishang", "zjtx", "gaoxin",
                                       "vacant_area")}


@pytest.fixture
def varied(street):
    """Six parks, forty firms in random places and states, two years of figures, facts of every counted kind."""
    rng = random.Random(7)
    parks = [ParkFactory(street=street, floor_area=Decimal(rng.choice([0, 5000, 20000]))) for _ in range(6)]
    for i in range(40):
        firm = EnterpriseFactory(street=street, park=rng.choice(parks + [None]),
                                 status=rng.choice(["active", "active", "active", "moved_out", "deregistered"]))
        for year in (YEAR - 1, YEAR):
            if rng.random() < 0.8:
                FigureFactory(enterprise=firm, year=year, revenue=Decimal(rng.randint(0, 900)),
                              output_value=rng.choice([None, Decimal(rng.randint(0, 900))]),
                              tax=Decimal(rng.randint(0, 90)))
        if rng.random() < 0.4:
            ClassificationFactory(enterprise=firm, kind="sishang", category="industry", year=rng.choice([YEAR - 1, YEAR]))
        if rng.random() < 0.3:
            ClassificationFactory(enterprise=firm, kind="zjtx", category=rng.choice(["provincial", "little_giant",
                                                                                   "innovative"]),
                                  year=rng.choice([YEAR - 2, YEAR, YEAR + 1]), valid_from=dt.date(YEAR - 2, 3, 1),
                                  valid_to=rng.choice([None, dt.date(YEAR - 1, 6, 30)]))
        if rng.random() < 0.3:
            start = rng.choice([dt.date(YEAR - 3, 1, 1), dt.date(YEAR, 11, 1)])
            ClassificationFactory(enterprise=firm, kind="gaoxin", category="", year=None, certificate_no=f"GR{i}",
                                  valid_from=start, valid_to=rng.choice([None, start.replace(year=start.year + 2)]))
    for i in range(15):
        VacancyFactory(park=rng.choice(parks), area=Decimal(rng.randint(100, 900)),
                       status=rng.choice(["available", "reserved", "taken"]))
    return parks


@pytest.mark.parametrize("year", [YEAR - 1, YEAR])
def test_rollups_equal_a_recomputation_on_varied_data(varied, officer, year):
    for park in varied:
        assert read(officer, park, year) == recomputed(park, year), park
    refresh()  # the whole refresh gives the same as the per-save ones
    for park in varied:
        assert read(officer, park, year) == recomputed(park, year), park


def test_each_single_write_refreshes_its_parks(street, officer):
    a = ParkFactory(street=street, floor_area=Decimal("10000"))
    b = ParkFactory(street=street, floor_area=Decimal("10000"))
    firm = EnterpriseFactory(street=street, park=a)
    figure = FigureFactory(enterprise=firm, year=YEAR, tax=Decimal("40"))
    assert read(officer, a, YEAR)["tax"] == Decimal("40")
    figure.tax = Decimal("70")
    figure.save()
    assert read(officer, a, YEAR)["tax"] == Decimal("70")
    fact = ClassificationFactory(enterprise=firm, kind="sishang", category="industry", year=YEAR)
    assert read(officer, a, YEAR)["sishang"] == 1
    fact.delete()
    assert read(officer, a, YEAR)["sishang"] == 0
    firm.park = b  # moves: both parks change
    firm.save()
    assert (read(officer, a, YEAR)["tenants"], read(officer, a, YEAR)["tax"]) == (0, 0)
    assert (read(officer, b, YEAR)["tenants"], read(officer, b, YEAR)["tax"]) == (1, Decimal("70"))
    vacancy = VacancyFactory(park=b, area=Decimal("3000"))
    assert read(officer, b, YEAR)["vacant_area"] == Decimal("3000")
    vacancy.status = Vacancy.Status.TAKEN
    vacancy.save()
    assert read(officer, b, YEAR)["vacant_area"] == 0
    firm.delete()
    assert read(officer, b, YEAR)["tenants"] == 0


def test_vacancy_import_refreshes_after_commit(street, officer, django_capture_on_commit_callbacks):
    from pipelines.services.vacancy_import import import_vacancies
    from tests.pipelines.test_vacancy_import import xlsx

    park = ParkFactory(street=street, name="合水口科技园", floor_area=Decimal("10000"))
    with django_capture_on_commit_callbacks(execute=True):
        import_vacancies(xlsx([["合水口科技园", "A栋", "101", "厂房", 2400, 33, 8, 630, "集体", ""]]), actor=officer,
                         street_id=street.pk)
    assert read(officer, park, YEAR)["vacant_area"] == Decimal("2400")


def test_a_committed_namelist_import_refreshes_after_commit(street, officer, django_capture_on_commit_callbacks):
    from space.signals import _after_namelist_commit

    park = ParkFactory(street=street)
    firm = EnterpriseFactory(street=street, park=park)
    AnnualFigure.objects.bulk_create([AnnualFigure(enterprise=firm, year=YEAR, tax=Decimal("12"))])  # as COPY writes
    assert read(officer, park, YEAR)["tax"] == 0
    batch = type("Batch", (), {"status": "committed", "list_kind": "sishang"})()
    with django_capture_on_commit_callbacks(execute=True):
        _after_namelist_commit(sender=None, instance=batch)
    assert read(officer, park, YEAR)["tax"] == Decimal("12")


def test_nightly_refresh_fixes_drift_and_parks_without_rows_read_as_zero(street, officer):
    park = ParkFactory(street=street, floor_area=Decimal("10000"))
    firm = EnterpriseFactory(street=street, park=park)
    FigureFactory(enterprise=firm, year=YEAR, tax=Decimal("5"))
    ParkRollup.objects.all().delete()
    ParkYearRollup.objects.all().delete()
    assert read(officer, park, YEAR) == {"tenants": 0, "revenue": 0, "output": 0, "tax": 0, "sishang": 0, "zjtx": 0,
                                         "gaoxin": 0, "vacant_area": 0}
    refresh_park_rollups()
    assert read(officer, park, YEAR)["tenants"] == 1 and read(officer, park, YEAR)["tax"] == Decimal("5")


def test_floor_area_edits_need_no_refresh(street, officer):
    park = ParkFactory(street=street, floor_area=Decimal("10000"))
    FigureFactory(enterprise=EnterpriseFactory(street=street, park=park), year=YEAR, tax=Decimal("50"))
    Park.objects.filter(pk=park.pk).update(floor_area=Decimal("20000"))  # as the ledger import writes
    assert selectors.park_with_figures(officer, park.pk, YEAR).tax_density == Decimal("25")


def test_a_scoped_refresh_touches_only_its_parks(street):
    a, b = ParkFactory(street=street), ParkFactory(street=street)
    EnterpriseFactory(street=street, park=a)
    EnterpriseFactory(street=street, park=b)
    Enterprise.objects.update(status="moved_out")
    refresh([a.pk])
    assert ParkRollup.objects.get(park=a).tenants == 0
    assert ParkRollup.objects.get(park=b).tenants == 1


def test_a_real_sishang_list_import_updates_the_park_after_commit(officer, django_capture_on_commit_callbacks):
    from namelists import services
    from tests.namelists.factories import guangming_streets, xlsx_bytes

    street = guangming_streets()["440311006"]
    park = ParkFactory(street=street)
    firm = EnterpriseFactory(street=street, park=park, name="深圳市园区内科技有限公司")
    officer.street = street
    officer.save()
    data = xlsx_bytes({"名录": [["统一社会信用代码", "企业名称"], [firm.uscc, firm.name]]})
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.commit_batch(services.create_batch(None, data, "2025年四上名录.xlsx", "sishang",
                                                            street=street).pk)
    assert batch.status == "committed"
    assert read(officer, park, 2025)["sishang"] == 1
