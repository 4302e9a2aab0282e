"""Cultivation pools graduate (小升规 firms on the 四上 list leave as 已升规), the pool report counts entries,
graduations and exits by year, and 拟上市 firms carry their stage."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from enterprises.models import Classification
from enterprises.services.pools import graduate_from_sishang, set_ipo_stage
from tests.enterprises.factories import ClassificationFactory, EnterpriseFactory

pytestmark = pytest.mark.django_db
POOL, SISHANG = Classification.Kind.POOL, Classification.Kind.SISHANG


def pool_fact(firm, category="sishang_candidate", since=dt.date(2025, 1, 1)):
    return ClassificationFactory(enterprise=firm, kind=POOL, category=category, year=None, valid_from=since)


def test_a_pool_firm_on_the_sishang_list_graduates_and_leaves_the_pool(street):
    on_list, not_on_list, other_pool = (EnterpriseFactory(street=street) for _ in range(3))
    graduating, staying, zjtx_pool = pool_fact(on_list), pool_fact(not_on_list), pool_fact(other_pool, "zjtx_candidate")
    for firm in (on_list, other_pool):
        ClassificationFactory(enterprise=firm, kind=SISHANG, year=2025)
    ClassificationFactory(enterprise=not_on_list, kind=SISHANG, year=2023)  # an older year does not count

    assert graduate_from_sishang(2025, on=dt.date(2026, 2, 10)) == 1
    graduating.refresh_from_db()
    assert graduating.outcome == "graduated" and graduating.valid_to == dt.date(2025, 12, 31)
    assert "已升规" in graduating.reason and graduating.history.count() == 2
    staying.refresh_from_db()
    zjtx_pool.refresh_from_db()
    assert staying.valid_to is None and zjtx_pool.valid_to is None
    assert not Classification.objects.filter(kind=POOL, category="sishang_candidate", valid_to__isnull=True,
                                             enterprise=on_list).exists()
    assert graduate_from_sishang(2025, on=dt.date(2026, 2, 10)) == 0  # idempotent


def test_recording_sishang_by_hand_graduates_the_firm(street, statistician):
    from enterprises.services.registry import add_classification

    firm = EnterpriseFactory(street=street)
    fact = pool_fact(firm)
    add_classification(firm, actor=statistician, kind=SISHANG, category="industry", year=2025)
    fact.refresh_from_db()
    assert fact.outcome == "graduated" and fact.valid_to is not None


def test_committing_a_sishang_name_list_graduates_its_pool_firms(django_capture_on_commit_callbacks):
    from namelists import services
    from tests.namelists.factories import guangming_streets, make_code

    streets = guangming_streets(("440311006",))
    code = make_code()
    firm = EnterpriseFactory(uscc=code, name="深圳市升规科技有限公司", street=streets["440311006"])
    fact = pool_fact(firm)
    data = ("统一社会信用代码,企业名称,国民经济行业代码,街道,营业收入（万元）\r\n"
            f"{code},深圳市升规科技有限公司,3982,马田街道,2600\r\n").encode("utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.create_batch(None, data, "2025年四上名录.csv", "sishang", 2025, streets["440311006"])
        batch = services.commit_batch(batch.pk)
    assert batch.status == "committed", batch.message
    fact.refresh_from_db()
    assert fact.outcome == "graduated" and fact.valid_to is not None


def test_the_pool_report_counts_entries_graduations_and_exits_by_year(client_for, manager, street, other_street):
    firms = [EnterpriseFactory(street=street) for _ in range(4)]
    for firm in firms:
        pool_fact(firm, since=dt.date(2024, 3, 1))
    ClassificationFactory(enterprise=firms[0], kind=SISHANG, year=2025)
    graduate_from_sishang(2025, on=dt.date(2025, 12, 1))
    Classification.objects.filter(enterprise=firms[1], kind=POOL).update(valid_to=dt.date(2025, 6, 30),
                                                                         outcome="removed")
    pool_fact(EnterpriseFactory(street=other_street), since=dt.date(2024, 5, 1))  # another street: not counted
    page = client_for(manager).get(reverse("enterprises:pool_report"))
    assert page.status_code == 200
    rows = {(r.pool, r.year): (r.entered, r.graduated, r.removed) for r in page.context["rows"]}
    assert rows == {("sishang_candidate", 2024): (4, 0, 0), ("sishang_candidate", 2025): (0, 1, 1)}


def test_the_pool_report_is_not_for_department_handlers(client_for, department_user):
    assert client_for(department_user).get(reverse("enterprises:pool_report")).status_code == 403


def test_a_preipo_firm_carries_its_stage(street, manager):
    fact = ClassificationFactory(enterprise=EnterpriseFactory(street=street), kind="preipo", category="", year=None,
                                 valid_from=dt.date(2024, 3, 1))
    fact = set_ipo_stage(fact, "tutoring", actor=manager)
    assert str(fact) == "拟上市企业·辅导"
    fact = set_ipo_stage(fact, "listed", actor=manager)
    assert fact.valid_to is not None and fact.outcome == "graduated"
    with pytest.raises(ValidationError):
        set_ipo_stage(fact, "ipo-ish", actor=manager)


def test_a_statistician_moves_a_preipo_firm_to_its_next_stage_from_the_firm_page(client_for, statistician, officer,
                                                                                 street):
    firm = EnterpriseFactory(street=street)
    fact = ClassificationFactory(enterprise=firm, kind="preipo", category="restructuring", year=None,
                                 valid_from=dt.date(2024, 3, 1))
    c = client_for(statistician)
    assert 'name="stage"' in c.get(reverse("enterprises:detail", args=[firm.pk])).content.decode()
    resp = c.post(reverse("enterprises:classification_stage", args=[fact.pk]), {"stage": "filed"}, follow=True)
    fact.refresh_from_db()
    assert fact.category == "filed" and "上市进程已更新为“申报”" in resp.content.decode()
    assert client_for(officer).post(reverse("enterprises:classification_stage", args=[fact.pk]),
                                    {"stage": "approved"}).status_code == 403
    fact.refresh_from_db()
    assert fact.category == "filed"


def test_the_pool_report_counts_preipo_firms_by_stage(client_for, officer, street):
    for stage in ("tutoring", "tutoring", "filed"):
        ClassificationFactory(enterprise=EnterpriseFactory(street=street), kind="preipo", category=stage, year=None,
                              valid_from=dt.date(2024, 3, 1))
    page = client_for(officer).get(reverse("enterprises:pool_report"))
    stages = {value: n for value, _label, n in page.context["stages"]}
    assert stages == {"restructuring": 0, "tutoring": 2, "filed": 1, "approved": 0, "listed": 0}
