"""Demo matchmaking (idempotent): products of a few demo firms, an open purchasing need and an open financing
need, two partner-bank products, and one product→buyer introduction that ended in a deal (签约).
Everything is keyed by natural keys (firm + name/title, bank + name), so loading twice creates nothing new."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

STREET = "440311006"  # 马田: the enterprises demo's larger street


@transaction.atomic
def load(stdout=None) -> dict:
    from crm.models import User
    from enterprises.demo import demo_uscc
    from enterprises.models import Enterprise

    from .eligibility import validate
    from .models import FinancialProduct, Introduction, Need, Product

    by_uscc = {e.uscc: e for e in Enterprise.objects.select_related("street").filter(
        uscc__in=[demo_uscc(STREET, n) for n in range(1, 7)])}
    firms = [by_uscc.get(demo_uscc(STREET, n)) for n in range(1, 7)]
    officer = User.objects.filter(username="officer").first()
    if any(f is None for f in firms) or officer is None:
        return {}
    # Demo firm n has the n-th industry of enterprises.demo.INDUSTRIES: 1 电子科技 (3982), 2 电子元件 (3981),
    # 3 光电 (3976), 5 精密机械 (3484), 6 塑胶 (2929).
    buyer, components, optics, machining, plastics = firms[0], firms[1], firms[2], firms[4], firms[5]
    counts = {"products": 0, "needs": 0, "financial_products": 0, "introductions": 0}
    today = timezone.localdate()

    products = {}
    for firm, name, code, customers, capacity in (
        (components, "贴片电容及电感", "3981", ["39"], "月产 5000 万只"),
        (machining, "精密五金结构件", "3484", ["39", "38"], "月产 20 万件"),
        (plastics, "注塑外壳", "2929", ["39", "38"], "月产 30 万套"),
    ):
        products[name], created = Product.objects.get_or_create(enterprise=firm, name=name, defaults={
            "industry_code": code, "customer_industries": customers, "capacity": capacity})
        counts["products"] += created

    for firm, title, fields in (
        (buyer, "采购贴片电容等被动元件", {"kind": Need.Kind.PURCHASING, "industry_prefix": "398",
                                          "volume": "每月约 2000 万只"}),
        (optics, "流动资金贷款 300 万元", {"kind": Need.Kind.FINANCING, "amount": Decimal("300"),
                                          "term_months": 12, "purpose": "采购原材料", "collateral": "应收账款质押",
                                          "urgency": Need.Urgency.URGENT}),
    ):
        _need, created = Need.objects.get_or_create(enterprise=firm, title=title, defaults={
            **fields, "status": Need.Status.OPEN, "owner": officer})
        counts["needs"] += created

    for bank, name, fields in (
        ("光明农商银行", "科技智造贷", {"min_amount": Decimal("50"), "max_amount": Decimal("1000"),
                                       "max_term_months": 36, "contact_name": "陈经理", "contact_phone": "0755-27400001",
                                       "eligibility": validate({"industry": {"prefix": ["C38", "C39"]}}),
                                       "description": "面向电子信息、智能制造企业的信用贷款"}),
        ("建设银行光明支行", "善新贷", {"min_amount": Decimal("10"), "max_amount": Decimal("500"),
                                      "max_term_months": 12, "contact_name": "刘经理", "contact_phone": "0755-27400002",
                                      "eligibility": {}, "description": "小微企业流动资金贷款，随借随还"}),
    ):
        _fp, created = FinancialProduct.objects.get_or_create(bank=bank, name=name, defaults=fields)
        counts["financial_products"] += created

    _intro, created = Introduction.objects.get_or_create(
        product=products["精密五金结构件"], party_a=machining, party_b=buyer, defaults={
            "street": machining.street, "introduced_by": officer, "introduced_on": today - dt.timedelta(days=40),
            "outcome": Introduction.Outcome.SIGNED, "amount": Decimal("120"),
            "outcome_on": today - dt.timedelta(days=12),
            "is_local": machining.street.district_id == buyer.street.district_id,
            "note": "产销对接会上结识，签订年度结构件供货协议"})
    counts["introductions"] += created
    return counts
