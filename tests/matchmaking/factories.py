import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from matchmaking.models import FinancialProduct, Introduction, Need, Product
from tests.crm.factories import UserFactory
from tests.enterprises.factories import ClassificationFactory, EnterpriseFactory  # noqa: F401 (re-exported)


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    enterprise = factory.SubFactory(EnterpriseFactory)
    name = factory.Sequence(lambda n: f"测试产品{n}")
    industry_code = "3912"


class NeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Need

    enterprise = factory.SubFactory(EnterpriseFactory)
    kind = Need.Kind.PURCHASING
    title = factory.Sequence(lambda n: f"采购需求{n}")
    industry_prefix = "39"


class FinancialProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FinancialProduct

    bank = "测试银行"
    name = factory.Sequence(lambda n: f"科创贷{n}")
    min_amount = Decimal("10")
    max_amount = Decimal("1000")
    max_term_months = 36
    contact_name = "李经理"
    contact_phone = "13900000000"


class IntroductionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Introduction

    need = factory.SubFactory(NeedFactory)
    party_a = factory.LazyAttribute(lambda o: o.need.enterprise)
    street = factory.LazyAttribute(lambda o: o.party_a.street)
    party_b = factory.SubFactory(EnterpriseFactory)
    introduced_by = factory.SubFactory(UserFactory)
    introduced_on = factory.LazyFunction(lambda: timezone.localdate())
