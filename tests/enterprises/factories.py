import datetime as dt

import factory

from enterprises.models import (
    AnnualFigure,
    Classification,
    Enterprise,
    EnterpriseContact,
    LiaisonAssignment,
    Park,
    Visit,
    VisitCampaign,
    VisitProblem,
    VisitRule,
)
from enterprises.uscc import ALPHABET, check_char
from tests.crm.factories import StreetFactory, UserFactory


def make_uscc(n: int, region: str = "440311") -> str:
    """A valid code: 91 + region + a 9-char organisation code derived from n + the check char."""
    body = f"91{region}{n:09d}"[:17]
    body = "".join(ch if ch in ALPHABET else "0" for ch in body)
    return body + check_char(body)


class ParkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Park

    street = factory.SubFactory(StreetFactory)
    name = factory.Sequence(lambda n: f"测试产业园{n}")


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    uscc = factory.Sequence(lambda n: make_uscc(10_000 + n))
    name = factory.Sequence(lambda n: f"深圳市测试{n}科技有限公司")
    street = factory.SubFactory(StreetFactory)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EnterpriseContact

    enterprise = factory.SubFactory(EnterpriseFactory)
    name = "张三"
    title = "总经理"
    phone = "13812345678"
    email = "zhangsan@example.com"
    is_primary = True


class ClassificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Classification

    enterprise = factory.SubFactory(EnterpriseFactory)
    kind = Classification.Kind.SISHANG
    category = Classification.SishangCategory.INDUSTRY
    year = 2025


class FigureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnnualFigure

    enterprise = factory.SubFactory(EnterpriseFactory)
    year = 2025
    revenue = 3000


class LiaisonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LiaisonAssignment

    enterprise = factory.SubFactory(EnterpriseFactory)
    # Same street as the firm: no stray streets (StreetFactory codes are a bounded sequence).
    officer = factory.SubFactory(UserFactory, street=factory.SelfAttribute("..enterprise.street"))
    team_role = LiaisonAssignment.TeamRole.SERVICE_OFFICER
    start_date = dt.date(2025, 1, 1)


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VisitCampaign

    name = "营商环境服务周"
    street = factory.SubFactory(StreetFactory)
    start_date = dt.date(2025, 5, 12)
    end_date = dt.date(2025, 5, 18)


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit
        skip_postgeneration_save = True

    enterprise = factory.SubFactory(EnterpriseFactory)
    date = factory.LazyFunction(dt.date.today)
    created_by = factory.SubFactory(UserFactory, street=factory.SelfAttribute("..enterprise.street"))
    topics = factory.LazyFunction(lambda: ["business"])
    notes = "了解经营情况"

    @factory.post_generation
    def officers(obj, create, extracted, **kwargs):
        if create:
            obj.officers.set(extracted if extracted is not None else [obj.created_by])


class ProblemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VisitProblem

    visit = factory.SubFactory(VisitFactory)
    description = "厂房租金上涨，希望协调"
    category = VisitProblem.Category.SPACE


class VisitRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VisitRule
        django_get_or_create = ("street", "kind")

    street = None
    kind = Classification.Kind.SISHANG
    min_interval_days = 90
    max_visitors_30d = 3
