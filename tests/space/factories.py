import datetime as dt
from decimal import Decimal

import factory

from space.models import (EfficiencyRule, InvestmentKind, InvestmentMonth, InvestmentProject, RenewalMilestone,
                          RenewalProject)
from tests.crm.factories import StreetFactory
from tests.enterprises.factories import (  # noqa: F401  (re-exported for the space tests)
    ClassificationFactory,
    EnterpriseFactory,
    FigureFactory,
    ParkFactory,
)
from tests.pipelines.factories import SpaceDemandFactory, VacancyFactory  # noqa: F401


class RuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EfficiencyRule

    street = None
    min_tax_per_10k = Decimal("100")
    min_occupancy = None


class InvestmentProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InvestmentProject

    street = factory.SubFactory(StreetFactory)
    code = factory.Sequence(lambda n: f"2026-440311-{n:05d}")
    name = factory.Sequence(lambda n: f"测试固投项目{n}")
    kind = InvestmentKind.PRIVATE
    planned_total = Decimal("50000")
    year = 2026
    year_plan = Decimal("12000")


class InvestmentMonthFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InvestmentMonth

    project = factory.SubFactory(InvestmentProjectFactory)
    month = dt.date(2026, 1, 1)
    amount = Decimal("1000")


class RenewalProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RenewalProject

    street = factory.SubFactory(StreetFactory)
    name = factory.Sequence(lambda n: f"测试更新项目{n}")
    kind = RenewalProject.Kind.INDUSTRIAL
    area = Decimal("10000")


class RenewalMilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RenewalMilestone

    project = factory.SubFactory(RenewalProjectFactory)
    name = factory.Sequence(lambda n: f"节点{n}")
    planned_on = dt.date(2026, 9, 1)
