import datetime as dt

import factory

from policies.models import Delivery, Policy
from tests.enterprises.factories import EnterpriseFactory


class PolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Policy

    title = factory.Sequence(lambda n: f"工业技改补贴政策{n}")
    issuer = "光明区工业和信息化局"
    level = Policy.Level.DISTRICT
    status = Policy.Status.OPEN
    window_opens = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=30))
    window_closes = factory.LazyFunction(lambda: dt.date.today() + dt.timedelta(days=60))
    benefit_kind = Policy.BenefitKind.SUBSIDY
    benefit_max = 100
    rules = factory.LazyFunction(lambda: {"all": [{"status": ["active"]}]})


class DeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delivery

    policy = factory.SubFactory(PolicyFactory)
    enterprise = factory.SubFactory(EnterpriseFactory)
