"""Bank products (金融产品): managers and administrators keep them; the eligibility rule is checked by the
policies engine and a bad rule is refused with its Chinese message, changing nothing."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from matchmaking import services
from matchmaking.models import FinancialProduct
from tests.matchmaking.factories import FinancialProductFactory

pytestmark = pytest.mark.django_db

VALID = {"bank": "光明农商行", "name": "智造贷", "min_amount": "50", "max_amount": "500", "max_term_months": "24",
         "eligibility": '{"industry": {"prefix": ["39"]}}', "description": "", "contact_name": "陈经理",
         "contact_phone": "13800001111", "is_active": "on"}


def test_manager_creates_a_bank_product_and_lands_on_the_list(client_for, manager):
    c = client_for(manager)
    resp = c.post(reverse("matchmaking:fp_create"), VALID)
    assert resp.status_code == 302 and resp["Location"] == reverse("matchmaking:fp_list")
    fp = FinancialProduct.objects.get()
    assert fp.name == "智造贷" and fp.max_amount == Decimal("500")
    assert fp.eligibility == {"industry": {"prefix": ["39"]}}
    page = c.get(resp["Location"]).content.decode()
    assert "智造贷" in page and 'href="tel:13800001111"' in page


def test_admin_edits_a_bank_product(client_for, admin_user):
    fp = FinancialProductFactory(name="旧名称")
    resp = client_for(admin_user).post(reverse("matchmaking:fp_edit", args=[fp.pk]), {**VALID, "name": "新名称"})
    assert resp.status_code == 302
    fp.refresh_from_db()
    assert fp.name == "新名称" and FinancialProduct.objects.count() == 1


def test_bad_eligibility_rule_shows_the_engine_message_and_saves_nothing(client_for, manager):
    resp = client_for(manager).post(reverse("matchmaking:fp_create"),
                                    {**VALID, "eligibility": '{"colour": {"is": "red"}}'})
    assert resp.status_code == 200
    assert "未知条件“colour”" in resp.content.decode()
    assert not FinancialProduct.objects.exists()


def test_bad_edit_leaves_the_product_unchanged(client_for, manager):
    fp = FinancialProductFactory(name="原产品", max_amount=Decimal("1000"))
    resp = client_for(manager).post(reverse("matchmaking:fp_edit", args=[fp.pk]),
                                    {**VALID, "name": "改名", "min_amount": "900", "max_amount": "100"})
    assert resp.status_code == 200 and "最高额度不能低于最低额度" in resp.content.decode()
    fp.refresh_from_db()
    assert fp.name == "原产品" and fp.max_amount == Decimal("1000")


@pytest.mark.parametrize("role_fixture", ["officer", "statistician"])
def test_other_roles_may_not_see_or_change_bank_products(request, client_for, role_fixture):
    fp = FinancialProductFactory(name="不可改")
    c = client_for(request.getfixturevalue(role_fixture))
    assert c.get(reverse("matchmaking:fp_list")).status_code == 403
    assert c.post(reverse("matchmaking:fp_create"), VALID).status_code == 403
    assert c.post(reverse("matchmaking:fp_edit", args=[fp.pk]), {**VALID, "name": "改"}).status_code == 403
    fp.refresh_from_db()
    assert fp.name == "不可改" and FinancialProduct.objects.count() == 1


def test_service_refuses_an_officer(officer):
    with pytest.raises(PermissionDenied):
        services.save_financial_product(officer, FinancialProduct(bank="行", name="贷", max_amount=Decimal("10")))
    assert not FinancialProduct.objects.exists()
