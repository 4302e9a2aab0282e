"""Rules with one home: "holds now" on the model and its queryset, campaign creation and firm selection in services."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from enterprises.models import Classification, Enterprise, VisitCampaign
from enterprises.services import liaison, visits
from tests.enterprises.factories import ClassificationFactory, EnterpriseFactory, ParkFactory

pytestmark = pytest.mark.django_db
ON = dt.date(2026, 3, 1)


def test_the_queryset_and_the_row_agree_on_what_holds_on_a_day(street):
    firm = EnterpriseFactory(street=street)
    facts = [
        ClassificationFactory(enterprise=firm, kind="sishang", year=2026),
        ClassificationFactory(enterprise=firm, kind="sishang", year=2025),  # last year's list still counts
        ClassificationFactory(enterprise=firm, kind="sishang", year=2024),  # too old
        ClassificationFactory(enterprise=firm, kind="sampled", category="", year=2023),
        ClassificationFactory(enterprise=firm, kind="zjtx", category="provincial", year=2022,
                              valid_from=dt.date(2022, 1, 1), valid_to=dt.date(2024, 12, 31)),  # expired
        ClassificationFactory(enterprise=firm, kind="zjtx", category="little_giant", year=2025,
                              valid_from=dt.date(2025, 1, 1), valid_to=dt.date(2027, 12, 31)),
        ClassificationFactory(enterprise=firm, kind="pool", category="quality_sme", year=None,
                              valid_from=dt.date(2026, 3, 2)),  # from tomorrow
    ]
    current = set(Classification.objects.filter(enterprise=firm).current(ON).values_list("pk", flat=True))
    assert current == {facts[0].pk, facts[1].pk, facts[5].pk}
    assert {f.pk for f in facts if f.holds_on(ON)} == current
    assert Classification.YEARLY_KINDS == (Classification.Kind.SISHANG, Classification.Kind.SAMPLED)


def test_an_officer_cannot_create_a_campaign_and_a_manager_only_for_their_street(street, other_street, officer,
                                                                                  manager):
    data = {"name": "营商环境服务周", "start_date": dt.date(2026, 5, 11), "end_date": dt.date(2026, 5, 17)}
    with pytest.raises(PermissionDenied):
        visits.create_campaign(actor=officer, **data)
    assert not VisitCampaign.objects.exists()
    campaign = visits.create_campaign(actor=manager, **data)
    assert campaign.street == street and campaign.history.first().history_user == manager
    with pytest.raises(ValidationError):
        visits.create_campaign(actor=manager, street=other_street, **data)
    assert VisitCampaign.objects.count() == 1


def test_firm_selection_for_a_bulk_assignment_stays_in_the_actors_scope(street, other_street, manager):
    park = ParkFactory(street=street)
    mine = EnterpriseFactory(street=street, park=park)
    closed = EnterpriseFactory(street=street, park=park, status=Enterprise.Status.DEREGISTERED)
    theirs = EnterpriseFactory(street=other_street)
    picked = set(liaison.select_firms(manager, scope="selected", ids=[mine.pk, theirs.pk]))
    assert picked == {mine}
    in_park = set(liaison.select_firms(manager, scope="park", park=park))
    assert in_park == {mine} and closed not in in_park
    ClassificationFactory(enterprise=mine, kind="sishang", year=2026)
    EnterpriseFactory(street=street, park=park)  # active, in the park, not 四上
    assert set(liaison.select_firms(manager, scope="park", park=park, only_kind="sishang")) == {mine}
