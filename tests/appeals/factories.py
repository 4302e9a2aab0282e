import datetime as dt
from zoneinfo import ZoneInfo

import factory

from appeals import services
from appeals.models import AppealCategory
from tests.crm.factories import DepartmentFactory, StreetFactory, UserFactory  # noqa: F401
from tests.enterprises.factories import EnterpriseFactory  # noqa: F401

TZ = ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


def category(code: str = "other") -> AppealCategory:
    services.ensure_categories()
    return AppealCategory.objects.get(code=code)


def make_appeal(*, enterprise=None, officer=None, street=None, at_=None, code="other", urgency="normal", **kwargs):
    """An appeal created through the service (so its clocks exist), at a fixed instant by default."""
    if enterprise is None:
        enterprise = EnterpriseFactory(street=street or (officer.street if officer else StreetFactory()))
    if officer is None:
        officer = UserFactory(role="officer", street=enterprise.street)
    return services.create_appeal(
        enterprise=enterprise, category=category(code), description=kwargs.pop("description", "厂房漏水，需协调维修"),
        officer=officer, actor=officer, urgency=urgency, at=at_ or at(2026, 2, 13, 10), **kwargs,
    )


class AppealCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AppealCategory
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"cat{n}")
    name = factory.Sequence(lambda n: f"类别{n}")
