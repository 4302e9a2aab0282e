"""Introductions and outcomes, the report's counts, and the one-time reminder of a stale need."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from django.core.exceptions import PermissionDenied, ValidationError

from crm.models import Notification, Role
from matchmaking import selectors, services
from matchmaking.models import Introduction, Need
from tests.crm.factories import DistrictFactory, StreetFactory, UserFactory
from tests.matchmaking.factories import EnterpriseFactory, FinancialProductFactory, NeedFactory

pytestmark = pytest.mark.django_db


def test_signing_an_introduction_records_amount_and_marks_the_need_met(officer, street):
    need = NeedFactory(enterprise=EnterpriseFactory(street=street))
    intro = services.introduce(officer, need=need, party_a=need.enterprise,
                               party_b=EnterpriseFactory(street=street))
    need.refresh_from_db()
    assert need.status == Need.Status.MATCHING and intro.is_local

    services.record_outcome(officer, intro, Introduction.Outcome.SIGNED, "120.5")

    intro.refresh_from_db(); need.refresh_from_db()
    assert (intro.outcome, intro.amount) == ("signed", Decimal("120.5"))
    assert need.status == Need.Status.MET and need.closed_on is not None


@pytest.mark.parametrize("amount", ["", "abc", "-3", "0", "NaN"])
def test_a_deal_without_a_valid_amount_is_refused_and_nothing_changes(officer, street, amount):
    need = NeedFactory(enterprise=EnterpriseFactory(street=street))
    intro = services.introduce(officer, need=need, party_a=need.enterprise, party_b=EnterpriseFactory(street=street))
    with pytest.raises(ValidationError):
        services.record_outcome(officer, intro, Introduction.Outcome.SIGNED, amount)
    intro.refresh_from_db()
    assert intro.outcome == Introduction.Outcome.PENDING and intro.amount is None


def test_statistician_may_not_introduce(statistician, street):
    need = NeedFactory(enterprise=EnterpriseFactory(street=street))
    with pytest.raises(PermissionDenied):
        services.introduce(statistician, need=need, party_a=need.enterprise, party_b=EnterpriseFactory(street=street))
    assert not Introduction.objects.exists()


def test_officer_may_not_record_a_need_of_another_streets_firm(officer, other_street):
    with pytest.raises(ValidationError):
        services.save_need(officer, Need(enterprise=EnterpriseFactory(street=other_street), kind="purchasing",
                                         title="x", industry_prefix="39"))
    assert not Need.objects.exists()


def test_report_counts_needs_introductions_deals_and_local_deals(officer, manager, street):
    year = timezone.localdate().year
    far = StreetFactory(code="440111002", district=DistrictFactory(code="440111", name="外区"))
    n1 = NeedFactory(enterprise=EnterpriseFactory(street=street))
    n2 = NeedFactory(enterprise=EnterpriseFactory(street=street))
    n3 = NeedFactory(enterprise=EnterpriseFactory(street=street), kind=Need.Kind.FINANCING, industry_prefix="",
                     amount=Decimal("100"))
    local = services.introduce(officer, need=n1, party_a=n1.enterprise, party_b=EnterpriseFactory(street=street))
    remote = services.introduce(officer, need=n2, party_a=n2.enterprise, party_b=EnterpriseFactory(street=far))
    bank = services.introduce(officer, need=n3, party_a=n3.enterprise, financial_product=FinancialProductFactory())
    services.record_outcome(officer, local, "signed", "100")
    services.record_outcome(officer, remote, "signed", "50")
    services.record_outcome(officer, bank, "failed")

    r = selectors.street_year_report(manager, year)

    assert r["raised"]["total"] == 3 and r["raised"]["financing"] == 1
    assert r["met"] == 2
    assert (r["intros"]["total"], r["intros"]["firm"], r["intros"]["bank"], r["intros"]["failed"]) == (3, 2, 1, 1)
    assert (r["deals"]["count"], r["deals"]["total_amount"]) == (2, Decimal("150"))
    assert (r["deals"]["local_count"], r["deals"]["local_amount"]) == (1, Decimal("100"))


def test_report_of_another_street_counts_nothing_of_this_one(officer, street, other_street):
    other_manager = UserFactory(role=Role.MANAGER, street=other_street, username="mgr_yt")
    need = NeedFactory(enterprise=EnterpriseFactory(street=street))
    services.introduce(officer, need=need, party_a=need.enterprise, party_b=EnterpriseFactory(street=street))
    r = selectors.street_year_report(other_manager, timezone.localdate().year)
    assert r["raised"]["total"] == 0 and r["intros"]["total"] == 0


def test_stale_open_need_reminds_its_owner_once(officer, street, settings):
    settings.MATCHMAKING_NEED_REMIND_WORKING_DAYS = 3
    stale = NeedFactory(enterprise=EnterpriseFactory(street=street), owner=officer)
    Need.objects.filter(pk=stale.pk).update(created_at=stale.created_at - dt.timedelta(days=30))
    NeedFactory(enterprise=EnterpriseFactory(street=street), owner=officer)  # fresh
    met = NeedFactory(enterprise=EnterpriseFactory(street=street), owner=officer, status=Need.Status.MET)
    Need.objects.filter(pk=met.pk).update(created_at=met.created_at - dt.timedelta(days=30))

    assert services.remind_stale_needs() == 1
    assert services.remind_stale_needs() == 0
    note = Notification.objects.get(recipient=officer)
    assert note.key == f"matchmaking:need-stale:{stale.pk}"


def test_invitation_only_to_a_matchmaking_event_of_the_officers_street(officer, street, other_street):
    from pipelines.models import Event
    from tests.pipelines.factories import EventFactory

    need = NeedFactory(enterprise=EnterpriseFactory(street=street))
    supplier = EnterpriseFactory(street=street)
    elsewhere = EventFactory(street=other_street, kind=Event.Kind.MATCHMAKING)
    promotion = EventFactory(street=street, kind=Event.Kind.PROMOTION)
    for event in (elsewhere, promotion):
        with pytest.raises(ValidationError):
            services.invite_to_event(officer, event, need, supplier)
        assert not event.enterprises.exists()
