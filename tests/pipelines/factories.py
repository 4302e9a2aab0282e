import datetime as dt
from decimal import Decimal

import factory

from enterprises.models import Classification, Enterprise, Park
from enterprises.uscc import ALPHABET, check_char
from pipelines.models import Event, Project, SpaceDemand, SpaceType, Target, Vacancy
from tests.crm.factories import StreetFactory, UserFactory


def make_uscc(n: int) -> str:
    body = "".join(ch if ch in ALPHABET else "0" for ch in f"91440311{n:09d}"[:17])
    return body + check_char(body)


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    uscc = factory.Sequence(lambda n: make_uscc(600_000 + n))
    name = factory.Sequence(lambda n: f"深圳市招商测试{n}有限公司")
    street = factory.SubFactory(StreetFactory)


class ParkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Park

    street = factory.SubFactory(StreetFactory)
    name = factory.Sequence(lambda n: f"招商测试园{n}")


class ClassificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Classification

    enterprise = factory.SubFactory(EnterpriseFactory)
    kind = Classification.Kind.SISHANG
    category = Classification.SishangCategory.INDUSTRY
    year = 2026


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    street = factory.SubFactory(StreetFactory)
    name = factory.Sequence(lambda n: f"测试招商项目{n}")
    investor_name = factory.Sequence(lambda n: f"测试投资方{n}集团")
    planned_investment = Decimal("5")
    officer = factory.SubFactory(UserFactory, street=factory.SelfAttribute("..street"))
    next_action = "约见投资方"
    next_action_due = factory.LazyFunction(lambda: dt.date.today() + dt.timedelta(days=7))


class VacancyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vacancy

    park = factory.SubFactory(ParkFactory)
    building = "A栋"
    unit_name = factory.Sequence(lambda n: f"{n + 101}")
    space_type = SpaceType.FACTORY
    area = Decimal("2000")
    rent = Decimal("35")


class SpaceDemandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SpaceDemand

    project = factory.SubFactory(ProjectFactory)
    street = factory.SelfAttribute("project.street")
    space_type = SpaceType.FACTORY
    area = Decimal("2000")


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    street = factory.SubFactory(StreetFactory)
    title = factory.Sequence(lambda n: f"招商推介会{n}")
    held_on = dt.date(2026, 3, 15)


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Target

    street = factory.SubFactory(StreetFactory)
    year = 2026
    metric = "signed_10"
    target_value = Decimal("3")
