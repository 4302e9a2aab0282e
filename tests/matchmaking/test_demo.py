import pytest

from crm.models import Role
from crm.registry import registry
from enterprises.demo import demo_uscc
from matchmaking.demo import STREET, load
from matchmaking.models import FinancialProduct, Introduction, Need, Product
from tests.crm.factories import UserFactory
from tests.matchmaking.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

MODELS = (Product, Need, FinancialProduct, Introduction)


def test_demo_loader_is_registered():
    assert "matchmaking" in [name for name, _loader in registry.demo_in_order()]


def test_demo_creates_needs_bank_products_and_a_signed_deal_once(street):
    UserFactory(username="officer", role=Role.OFFICER, street=street)
    for n in range(1, 7):
        EnterpriseFactory(street=street, uscc=demo_uscc(STREET, n))
    first = load()
    assert first == {"products": 3, "needs": 2, "financial_products": 2, "introductions": 1}
    assert set(Need.objects.values_list("kind", "status")) == {
        (Need.Kind.PURCHASING, Need.Status.OPEN), (Need.Kind.FINANCING, Need.Status.OPEN)}
    deal = Introduction.objects.get()
    assert deal.outcome == Introduction.Outcome.SIGNED and deal.amount > 0
    for fp in FinancialProduct.objects.all():
        fp.full_clean()  # the eligibility rules pass the policies engine

    before = {m: m.objects.count() for m in MODELS}
    assert load() == {"products": 0, "needs": 0, "financial_products": 0, "introductions": 0}
    assert {m: m.objects.count() for m in MODELS} == before


def test_demo_does_nothing_without_the_demo_firms(street):
    UserFactory(username="officer", role=Role.OFFICER, street=street)
    assert load() == {}
    assert not any(m.objects.exists() for m in MODELS)
