"""A visit's 采购/融资/用工 topic records a need (issue 21): through the hook in crm.registry, inside the visit's
transaction, updating the firm's open need of that kind instead of adding a second one."""

import datetime as dt
from pathlib import Path

import pytest
from django.urls import reverse

from crm.registry import registry
from enterprises.models import Visit
from matchmaking.models import Need
from tests.matchmaking.factories import EnterpriseFactory, NeedFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def firm(street):
    return EnterpriseFactory(street=street, name="马田走访企业")


def post_visit(client, firm, topics, **details):
    data = {"enterprise": firm.pk, "date": dt.date.today().isoformat(), "topics": topics, "notes": "走访"}
    data.update({f"topic_{k}": v for k, v in details.items()})
    return client.post(reverse("enterprises:visit_create"), data)


def test_ticking_purchasing_with_what_records_a_need_linked_to_the_visit_and_shows_suppliers(
        client_for, officer, firm, street):
    supplier = ProductFactory(enterprise=EnterpriseFactory(street=street, name="本街道模具钢供应商"),
                              industry_code="3311").enterprise
    c = client_for(officer)
    resp = post_visit(c, firm, ["purchasing"], purchasing_what="模具钢", purchasing_industry="3311",
                      purchasing_amount="每月 20 吨")
    visit = Visit.objects.get()
    need = Need.objects.get()
    assert (need.kind, need.title, need.industry_prefix, need.volume) == ("purchasing", "模具钢", "3311", "每月 20 吨")
    assert need.visit == visit and need.enterprise == firm and need.owner == officer
    # The officer goes straight on to the need's ranked suppliers.
    assert resp.status_code == 302 and resp["Location"] == reverse("matchmaking:need_detail", args=[need.pk])
    assert supplier.name in c.get(resp["Location"]).content.decode()


def test_a_second_visit_updates_the_firms_open_need_instead_of_duplicating_it(client_for, officer, firm):
    c = client_for(officer)
    post_visit(c, firm, ["finance"], finance_amount="300", finance_what="扩产")
    first = Need.objects.get()
    assert (first.kind, first.amount, first.purpose) == ("financing", 300, "扩产")
    post_visit(c, firm, ["finance"], finance_amount="800")
    assert Need.objects.count() == 1 and Visit.objects.count() == 2
    first.refresh_from_db()
    assert first.amount == 800 and first.purpose == "扩产"  # a blank input keeps the stored value
    assert first.visit == Visit.objects.earliest("pk")  # the need keeps the visit that raised it


def test_a_met_need_is_not_reopened_a_new_one_is_recorded(client_for, officer, firm):
    NeedFactory(enterprise=firm, kind=Need.Kind.TALENT, industry_prefix="", title="旧招聘", status=Need.Status.MET)
    post_visit(client_for(officer), firm, ["labour"], labour_what="数控操作工", labour_amount="5")
    new = Need.objects.get(status=Need.Status.OPEN)
    assert (new.kind, new.positions, new.headcount, new.title) == ("talent", "数控操作工", 5, "招聘：数控操作工")


def test_inputs_of_an_unticked_topic_or_blank_inputs_record_nothing(client_for, officer, firm):
    c = client_for(officer)
    resp = post_visit(c, firm, ["business"], finance_amount="500")
    assert resp.status_code == 302 and resp["Location"] == reverse("enterprises:visit_detail",
                                                                   args=[Visit.objects.get().pk])
    post_visit(c, firm, ["finance"], finance_amount="", finance_what="")
    assert Visit.objects.count() == 2 and not Need.objects.exists()


@pytest.mark.parametrize("details, message", [
    ({"finance_amount": "五百"}, "融资金额须为数字"),
    ({"purchasing_what": "模具钢"}, "采购需求须填写所需行业代码"),
    ({"purchasing_what": "模具钢", "purchasing_industry": "9999"}, "不在《国民经济行业分类》中"),
])
def test_a_refused_need_rolls_the_visit_back_and_the_form_says_why(client_for, officer, firm, details, message):
    topic = next(iter(details)).split("_")[0]
    resp = post_visit(client_for(officer), firm, [topic], **details)
    body = resp.content.decode()
    assert resp.status_code == 200 and message in body
    assert not Visit.objects.exists() and not Need.objects.exists()
    # What the officer typed is still there.
    assert all(f'value="{v}"' in body for v in details.values())


def test_the_phone_form_offers_the_inputs_under_their_topics(client_for, officer):
    body = client_for(officer).get(reverse("enterprises:visit_create")).content.decode()
    assert 'data-topic="finance"' in body and 'name="topic_finance_amount"' in body and 'inputmode="decimal"' in body
    assert 'data-topic="purchasing"' in body and 'name="topic_labour_what"' in body
    css = Path("enterprises/static/enterprises/enterprises.css").read_text()
    # One column on a 390 px phone: 2 × 14rem does not fit, so the grid wraps to one input per line.
    assert ".topic-details" in css and "minmax(14rem, 1fr)" in css


def test_without_the_matchmaking_hook_the_visit_is_recorded_and_inputs_ignored(client_for, officer, firm,
                                                                               monkeypatch):
    monkeypatch.setattr(registry, "visit_topic_handler", None)
    c = client_for(officer)
    assert "topic_finance_amount" not in c.get(reverse("enterprises:visit_create")).content.decode()
    post_visit(c, firm, ["finance"], finance_amount="500")
    assert Visit.objects.count() == 1 and not Need.objects.exists()


def test_the_enterprises_app_does_not_import_matchmaking():
    for path in Path("enterprises").rglob("*.py"):
        text = path.read_text()
        assert "from matchmaking" not in text and "import matchmaking" not in text, path


def test_a_talent_need_without_positions_is_titled_by_its_kind_in_english_too(officer, firm):
    """The generated title reads whole in the user's language (no dangling colon)."""
    from django.utils import translation

    from matchmaking.services import need_from_visit
    from tests.enterprises.factories import VisitFactory

    visit = VisitFactory(enterprise=firm)
    with translation.override("en"):
        need = need_from_visit(officer, visit, "labour", {"what": "", "amount": "3"})
    assert need.title == "Recruitment" and need.headcount == 3
