"""A 对接会's outcome page (issue 21): invited suppliers and buyers, attendance (the event's participants in
pipelines), introductions made at the event with outcomes and amounts, totals; linked from the event page and
the report. And the privacy rule: a firm of another street shows by name and street only."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from crm.models import Role
from matchmaking import services
from matchmaking.permissions import FIRM_DETAILS, FULL, NAME_AND_STREET, firm_details
from pipelines.models import Event
from tests.crm.factories import UserFactory
from tests.enterprises.factories import ContactFactory
from tests.matchmaking.factories import EnterpriseFactory, IntroductionFactory, NeedFactory, ProductFactory
from tests.pipelines.factories import EventFactory

pytestmark = pytest.mark.django_db


def figure(html: str, element_id: str) -> str:
    return re.search(rf'id="{element_id}">([^<]*)<', html)[1].strip()


@pytest.fixture
def fair(street, other_street, officer):
    """A 对接会 in 马田: a buyer's need, a local supplier (came) and one from 玉塘 (did not), a walk-in, and the
    introductions made there (a local deal of 120 万元, an intent) plus one made elsewhere (not counted)."""
    event = EventFactory(street=street, kind=Event.Kind.MATCHMAKING, title="马田产销对接会")
    buyer = EnterpriseFactory(street=street, name="马田采购企业")
    need = NeedFactory(enterprise=buyer, title="采购注塑件")
    local = EnterpriseFactory(street=street, name="马田本地供应商")
    remote = EnterpriseFactory(street=other_street, name="玉塘外街供应商")
    ContactFactory(enterprise=remote, phone="13800009999")
    services.invite_to_event(officer, event, need, local)
    services.invite_to_event(officer, event, need, remote)
    services.set_attendance(officer, event, local, True)
    services.set_attendance(officer, event, buyer, True)
    walk_in = EnterpriseFactory(street=street, name="现场报名企业")
    event.enterprises.add(walk_in)
    deal = services.introduce(officer, need=need, party_a=buyer, party_b=local, event=event)
    services.record_outcome(officer, deal, "signed", "120")
    intent = services.introduce(officer, need=need, party_a=buyer, party_b=remote, event=event)
    services.record_outcome(officer, intent, "intent")
    IntroductionFactory(need=need, party_b=local, introduced_by=officer, outcome="signed", amount=999)
    return event, buyer, local, remote


def test_the_outcome_page_lists_invitations_attendance_introductions_and_totals(client_for, officer, fair):
    event, buyer, local, remote = fair
    html = client_for(officer).get(reverse("matchmaking:event_outcomes", args=[event.pk])).content.decode()
    assert figure(html, "mm-ev-invited") == "3"  # the buyer and two suppliers
    assert figure(html, "mm-ev-attended") == "2" and "到会率 67%" in html and "参会企业共 3" in html
    assert figure(html, "mm-ev-intros") == "2"  # the introduction made elsewhere is not this event's
    assert figure(html, "mm-ev-signed") == "1" and figure(html, "mm-ev-amount") == "120.00 万元"
    assert figure(html, "mm-ev-local") == "1"
    assert "受邀供应方（2）" in html and "受邀采购方（1）" in html and "现场报名企业" in html
    assert "意向" in html and "签约" in html


def test_the_page_counts_what_happens_after_the_event(client_for, officer, fair):
    event, buyer, local, remote = fair
    c = client_for(officer)
    c.post(reverse("matchmaking:event_attendance", args=[event.pk]), {"firm": remote.pk, "attended": "1"})
    assert remote in event.enterprises.all()
    c.post(reverse("matchmaking:event_attendance", args=[event.pk]), {"firm": local.pk, "attended": "0"})
    assert local not in event.enterprises.all()
    html = c.get(reverse("matchmaking:event_outcomes", args=[event.pk])).content.decode()
    assert figure(html, "mm-ev-attended") == "2"


def test_only_an_invited_firm_can_be_marked_as_attending(officer, fair, street):
    event = fair[0]
    stranger = EnterpriseFactory(street=street)
    with pytest.raises(ValidationError):
        services.set_attendance(officer, event, stranger, True)
    assert stranger not in event.enterprises.all()


def test_wrong_roles_and_other_streets_get_nothing(client_for, statistician, officer, other_officer, department_user,
                                                  fair, street):
    event = fair[0]
    url = reverse("matchmaking:event_outcomes", args=[event.pk])
    assert client_for(statistician).get(url).status_code == 200  # a reader of matchmaking
    assert client_for(department_user).get(url).status_code == 403
    assert client_for(other_officer).get(url).status_code == 404
    promotion = EventFactory(street=street, kind=Event.Kind.PROMOTION)
    assert client_for(officer).get(reverse("matchmaking:event_outcomes", args=[promotion.pk])).status_code == 404
    post = client_for(statistician).post(reverse("matchmaking:event_attendance", args=[event.pk]),
                                         {"firm": fair[2].pk, "attended": "0"})
    assert post.status_code == 403 and fair[2] in event.enterprises.all()


def test_the_event_page_and_the_report_link_to_the_outcomes(client_for, officer, manager, fair, street):
    event = fair[0]
    url = reverse("matchmaking:event_outcomes", args=[event.pk])
    assert url in client_for(officer).get(reverse("pipelines:event_detail", args=[event.pk])).content.decode()
    promotion = EventFactory(street=street, kind=Event.Kind.PROMOTION)
    page = client_for(officer).get(reverse("pipelines:event_detail", args=[promotion.pk])).content.decode()
    assert "matchmaking/events/" not in page
    report = client_for(manager).get(reverse("matchmaking:report"), {"year": event.held_on.year}).content.decode()
    row = re.search(rf'<a href="{url}">马田产销对接会</a>.*?</tr>', report, re.S)[0]
    assert re.findall(r"<td>([^<]*)</td>", row)[-2:] == ["1", "120.00"]  # the event's deals and amount


# --- privacy: who may see which supplier details -------------------------------------------------------------


def test_the_rule_table_names_the_two_cases(officer, street, other_street, admin_user):
    assert FIRM_DETAILS == {"in_scope": FULL, "other_street": NAME_AND_STREET}
    assert firm_details(officer, street.pk) == FULL
    assert firm_details(officer, other_street.pk) == NAME_AND_STREET
    assert firm_details(admin_user, other_street.pk) == FULL


def test_a_supplier_of_another_street_shows_by_name_and_street_only(client_for, officer, street, other_street):
    need = NeedFactory(enterprise=EnterpriseFactory(street=street), industry_prefix="39")
    local = ProductFactory(enterprise=EnterpriseFactory(street=street, name="本街供应商")).enterprise
    remote = ProductFactory(enterprise=EnterpriseFactory(street=other_street, name="外街供应商")).enterprise
    ContactFactory(enterprise=remote, phone="13800009999")
    html = client_for(officer).get(reverse("matchmaking:need_detail", args=[need.pk])).content.decode()
    assert "外街供应商" in html and other_street.name in html
    assert reverse("matchmaking:firm", args=[remote.pk]) not in html and "13800009999" not in html
    assert reverse("matchmaking:firm", args=[local.pk]) in html
    # The district sees every street: the same supplier in full.
    district = UserFactory(role=Role.DISTRICT, street=None, username="district_mm3")
    html = client_for(district).get(reverse("matchmaking:need_detail", args=[need.pk])).content.decode()
    assert reverse("matchmaking:firm", args=[remote.pk]) in html


def test_the_outcome_page_keeps_the_rule_for_invited_firms(client_for, officer, fair):
    event, buyer, local, remote = fair
    html = client_for(officer).get(reverse("matchmaking:event_outcomes", args=[event.pk])).content.decode()
    assert "玉塘外街供应商" in html and "13800009999" not in html
    assert reverse("matchmaking:firm", args=[remote.pk]) not in html
    assert reverse("matchmaking:firm", args=[local.pk]) in html


def test_the_report_export_has_a_row_per_event(client_for, manager, fair):
    import io

    from openpyxl import load_workbook

    event = fair[0]
    resp = client_for(manager).get(reverse("matchmaking:report_export"), {"year": event.held_on.year})
    rows = list(load_workbook(io.BytesIO(resp.content))["对接会"].iter_rows(values_only=True))
    assert rows[1][0] == "马田产销对接会" and rows[1][3:] == (3, 3, 1, 120)
