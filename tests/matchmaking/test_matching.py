"""Supplier and buyer matching: who is found, in which order, with which reasons; bank products by range and rule."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from enterprises.models import AnnualFigure, Classification, Enterprise, IndustryCategory
from matchmaking import selectors
from matchmaking.eligibility import check, validate
from matchmaking.models import Introduction, Need
from policies.rules import RuleError
from tests.crm.factories import StreetFactory
from tests.matchmaking.factories import (
    ClassificationFactory,
    EnterpriseFactory,
    FinancialProductFactory,
    IntroductionFactory,
    NeedFactory,
    ProductFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer(street):
    return EnterpriseFactory(street=street, name="买方企业")


def test_suppliers_rank_same_street_before_district_before_elsewhere(street, other_street, buyer):
    from tests.crm.factories import DistrictFactory

    far_street = StreetFactory(code="440111001", district=DistrictFactory(code="440111", name="外区"))
    far = ProductFactory(enterprise=EnterpriseFactory(street=far_street, name="A外区")).enterprise
    district = ProductFactory(enterprise=EnterpriseFactory(street=other_street, name="B本区")).enterprise
    local = ProductFactory(enterprise=EnterpriseFactory(street=street, name="C同街道")).enterprise
    need = NeedFactory(enterprise=buyer, industry_prefix="391")

    rows = selectors.suppliers_for(need)

    assert [r.pk for r in rows] == [local.pk, district.pk, far.pk]
    assert "同街道" in rows[0].reasons and "本区" in rows[1].reasons
    assert "行业代码匹配" in rows[0].reasons


def test_suppliers_within_a_street_rank_zjtx_then_sishang_then_past_deal(street, buyer):
    plain = ProductFactory(enterprise=EnterpriseFactory(street=street, name="A普通")).enterprise
    partner = ProductFactory(enterprise=EnterpriseFactory(street=street, name="B合作过")).enterprise
    sishang = ProductFactory(enterprise=EnterpriseFactory(street=street, name="C四上")).enterprise
    zjtx = ProductFactory(enterprise=EnterpriseFactory(street=street, name="D专精特新")).enterprise
    ClassificationFactory(enterprise=sishang, year=timezone.localdate().year)
    ClassificationFactory(enterprise=zjtx, kind=Classification.Kind.ZJTX, category="provincial", year=None,
                          valid_from=dt.date(2020, 1, 1))
    IntroductionFactory(need=NeedFactory(enterprise=buyer), party_b=partner, outcome=Introduction.Outcome.INTENT)
    need = NeedFactory(enterprise=buyer, industry_prefix="39")

    rows = selectors.suppliers_for(need)

    assert [r.pk for r in rows] == [zjtx.pk, sishang.pk, partner.pk, plain.pk]
    assert "曾有合作" in rows[2].reasons and "专精特新" in rows[0].reasons


def test_suppliers_exclude_other_industries_the_buyer_itself_and_closed_firms(street, buyer):
    ProductFactory(enterprise=EnterpriseFactory(street=street), industry_code="1311")
    ProductFactory(enterprise=buyer, industry_code="3912")
    ProductFactory(enterprise=EnterpriseFactory(street=street, status=Enterprise.Status.DEREGISTERED))
    match = ProductFactory(enterprise=EnterpriseFactory(street=street)).enterprise

    assert [r.pk for r in selectors.suppliers_for(NeedFactory(enterprise=buyer, industry_prefix="39"))] == [match.pk]


def test_buyers_for_a_product_are_firms_with_a_matching_open_need_or_customer_industry(street):
    from enterprises.models import IndustryCategory

    product = ProductFactory(enterprise=EnterpriseFactory(street=street), industry_code="3912",
                             customer_industries=["36"])
    needing = NeedFactory(enterprise=EnterpriseFactory(street=street, name="A有需求"), industry_prefix="39").enterprise
    NeedFactory(enterprise=EnterpriseFactory(street=street, name="B已满足"), industry_prefix="39",
                status=Need.Status.MET)
    NeedFactory(enterprise=EnterpriseFactory(street=street, name="C别的行业"), industry_prefix="13")
    # get_or_create: a transactional test elsewhere may have flushed the GB/T 4754 rows the migration loads.
    cars, _new = IndustryCategory.objects.get_or_create(
        code="3612", defaults={"name": "新能源车整车制造", "level": "xiao", "section": "C"})
    carmaker = EnterpriseFactory(street=street, name="D汽车", industry=cars)

    rows = selectors.buyers_for(product)

    assert [r.pk for r in rows] == [needing.pk, carmaker.pk]
    assert "有对应采购需求" in rows[0].reasons and "属于主要客户行业" in rows[1].reasons


def test_bank_products_fit_amount_and_term_and_report_the_rule(street):
    firm = EnterpriseFactory(street=street)
    AnnualFigure.objects.create(enterprise=firm, year=2025, revenue=Decimal("800"))
    need = NeedFactory(enterprise=firm, kind=Need.Kind.FINANCING, industry_prefix="", amount=Decimal("300"),
                       term_months=24)
    fits = FinancialProductFactory(eligibility={"all": [{"figure": {"field": "revenue", "year": 2025, "min": 500}}]})
    rule_fails = FinancialProductFactory(eligibility={"all": [{"classification": {"kind": "zjtx"}}]})
    FinancialProductFactory(max_amount=Decimal("100"))
    FinancialProductFactory(max_term_months=12)

    rows = selectors.bank_products_for(need)

    assert [(fp.pk, ok) for fp, ok, _why in rows] == [(fits.pk, True), (rule_fails.pk, False)]


def test_bank_eligibility_uses_the_policy_rule_engine_with_any_and_age(street):
    chips, _new = IndustryCategory.objects.get_or_create(
        code="3973", defaults={"name": "集成电路制造", "level": "xiao", "section": "C"})
    young = EnterpriseFactory(street=street, industry=chips, established_on=timezone.localdate() - dt.timedelta(days=365))
    rule = {"any": [{"classification": {"kind": "zjtx"}}, {"industry": {"prefix": ["C39"]}}]}
    assert check(rule, young, timezone.localdate()) == (True, [])
    ok, unmet = check({"all": [{"age": {"min_years": 2}}]}, young, timezone.localdate())
    assert not ok and len(unmet) == 1
    with pytest.raises(RuleError):
        validate({"all": [{"figure": {"field": "profit", "year": 2025}}]})

