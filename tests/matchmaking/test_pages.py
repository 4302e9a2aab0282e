"""Every page as the right role and a wrong role, 404 outside scope, and the officer's path on a phone:
visit → record need → suppliers → introduce → deal."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from django.urls import reverse
from openpyxl import load_workbook

from crm.models import Role
from enterprises.models import Visit
from matchmaking.models import Introduction, Invitation, Need
from tests.crm.factories import UserFactory
from tests.matchmaking.factories import EnterpriseFactory, NeedFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def district_user(db):
    return UserFactory(role=Role.DISTRICT, street=None, username="district_lead")


@pytest.fixture
def firm(street):
    return EnterpriseFactory(street=street, name="马田需求企业")


def test_officer_records_need_from_visit_finds_local_supplier_introduces_and_signs(client_for, officer, firm, street):
    supplier = ProductFactory(enterprise=EnterpriseFactory(street=street, name="马田供应商")).enterprise
    visit = Visit.objects.create(enterprise=firm, created_by=officer, date=timezone.localdate())
    c = client_for(officer)

    page = c.get(reverse("enterprises:visit_detail", args=[visit.pk]))
    link = reverse("matchmaking:need_create", args=[firm.pk]) + f"?visit={visit.pk}"
    assert link in page.content.decode()

    resp = c.post(link, {"kind": "purchasing", "title": "采购电机", "industry_prefix": "39", "urgency": "normal",
                         "visit": visit.pk})
    need = Need.objects.get()
    assert resp.status_code == 302 and resp["Location"] == reverse("matchmaking:need_detail", args=[need.pk])
    assert need.visit == visit and need.owner == officer

    detail = c.get(resp["Location"]).content.decode()
    assert "马田供应商" in detail and "同街道" in detail

    c.post(reverse("matchmaking:introduce", args=[need.pk]), {"firm": supplier.pk})
    intro = Introduction.objects.get()
    c.post(reverse("matchmaking:intro_outcome", args=[intro.pk]), {"outcome": "signed", "amount": "88"})
    intro.refresh_from_db(); need.refresh_from_db()
    assert intro.amount == 88 and need.status == Need.Status.MET


def test_purchasing_need_without_industry_is_refused_in_chinese(client_for, officer, firm):
    resp = client_for(officer).post(reverse("matchmaking:need_create", args=[firm.pk]),
                                    {"kind": "purchasing", "title": "采购", "urgency": "normal"})
    assert resp.status_code == 200 and "所需行业代码或产业链环节" in resp.content.decode()
    assert not Need.objects.exists()


@pytest.mark.parametrize("name", ["need_list", "report"])
def test_read_pages_open_for_district_lead(client_for, district_user, name):
    assert client_for(district_user).get(reverse(f"matchmaking:{name}")).status_code == 200


def test_need_list_shows_own_street_needs_as_cards(client_for, officer, firm, other_street):
    NeedFactory(enterprise=firm, title="本街道需求")
    NeedFactory(enterprise=EnterpriseFactory(street=other_street), title="别街道需求")
    html = client_for(officer).get(reverse("matchmaking:need_list")).content.decode()
    assert 'class="mm-need"' in html and "本街道需求" in html and "别街道需求" not in html


def test_department_user_may_not_open_needs(client_for, department_user):
    assert client_for(department_user).get(reverse("matchmaking:need_list")).status_code == 403


def test_officer_may_not_open_report_but_statistician_may(client_for, officer, statistician):
    assert client_for(officer).get(reverse("matchmaking:report")).status_code == 403
    assert client_for(statistician).get(reverse("matchmaking:report")).status_code == 200


def test_statistician_may_not_record_a_need(client_for, statistician, firm):
    assert client_for(statistician).get(reverse("matchmaking:need_create", args=[firm.pk])).status_code == 403


def test_need_of_another_street_is_404(client_for, officer, other_street):
    need = NeedFactory(enterprise=EnterpriseFactory(street=other_street))
    assert client_for(officer).get(reverse("matchmaking:need_detail", args=[need.pk])).status_code == 404


def test_firm_page_and_buyers_page(client_for, officer, firm, other_officer):
    product = ProductFactory(enterprise=firm, name="伺服电机")
    c = client_for(officer)
    assert "伺服电机" in c.get(reverse("matchmaking:firm", args=[firm.pk])).content.decode()
    assert c.get(reverse("matchmaking:product_buyers", args=[product.pk])).status_code == 200
    c2 = client_for(other_officer)
    assert c2.get(reverse("matchmaking:firm", args=[firm.pk])).status_code == 404


def test_report_export_is_a_workbook_with_the_counts(client_for, manager, officer, firm, street):
    need = NeedFactory(enterprise=firm)
    from matchmaking import services

    intro = services.introduce(officer, need=need, party_a=firm, party_b=EnterpriseFactory(street=street))
    services.record_outcome(officer, intro, "signed", "66")
    resp = client_for(manager).get(reverse("matchmaking:report_export"))
    ws = load_workbook(io.BytesIO(resp.content))["对接成效"]
    values = {row[0]: row[1] for row in ws.iter_rows(values_only=True)}
    assert values["签约数"] == 1 and values["本地配套金额（万元）"] == 66


def test_officer_invites_both_parties_of_a_match_to_a_matchmaking_event(client_for, officer, firm, street,
                                                                        other_street):
    from pipelines.models import Event
    from tests.pipelines.factories import EventFactory

    supplier = ProductFactory(enterprise=EnterpriseFactory(street=street, name="受邀供应商")).enterprise
    need = NeedFactory(enterprise=firm)
    event = EventFactory(street=street, kind=Event.Kind.MATCHMAKING,
                         held_on=timezone.localdate() + dt.timedelta(days=7),
                         title="产销对接会")
    elsewhere = EventFactory(street=other_street, kind=Event.Kind.MATCHMAKING, held_on=event.held_on)
    c = client_for(officer)
    assert "产销对接会" in c.get(reverse("matchmaking:need_detail", args=[need.pk])).content.decode()

    c.post(reverse("matchmaking:invite", args=[need.pk]), {"event": elsewhere.pk, "firm": supplier.pk})
    assert not Invitation.objects.filter(event=elsewhere).exists()
    c.post(reverse("matchmaking:invite", args=[need.pk]), {"event": event.pk, "firm": supplier.pk})
    # Both parties are invited, the need's firm as buyer; who comes is confirmed later (the participants).
    assert set(Invitation.objects.filter(event=event).values_list("enterprise_id", "role", "need_id")) == {
        (firm.pk, "buyer", need.pk), (supplier.pk, "supplier", need.pk)}
    assert not event.enterprises.exists()


def test_firm_page_lists_its_needs_and_links_to_products_and_needs(client_for, officer, firm):
    NeedFactory(enterprise=firm, title="需要注塑件")
    html = client_for(officer).get(reverse("enterprises:detail", args=[firm.pk])).content.decode()
    assert "需要注塑件" in html and reverse("matchmaking:firm", args=[firm.pk]) in html


def test_an_introduction_made_at_an_event_records_the_event(client_for, officer, firm, street):
    from pipelines.models import Event
    from tests.pipelines.factories import EventFactory

    supplier = ProductFactory(enterprise=EnterpriseFactory(street=street)).enterprise
    need = NeedFactory(enterprise=firm)
    event = EventFactory(street=street, kind=Event.Kind.MATCHMAKING, held_on=timezone.localdate())
    client_for(officer).post(reverse("matchmaking:introduce", args=[need.pk]), {"firm": supplier.pk, "event": event.pk})
    assert Introduction.objects.get().event == event
