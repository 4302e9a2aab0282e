import datetime as dt

import pytest

from enterprises.models import LiaisonAssignment, Visit, VisitCampaign, VisitProblem
from tests.enterprises.factories import (
    CampaignFactory,
    EnterpriseFactory,
    LiaisonFactory,
    ProblemFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db


def test_visits_and_problems_are_scoped_by_the_firms_street(officer, other_officer, street, other_street):
    mine = ProblemFactory(visit=VisitFactory(enterprise=EnterpriseFactory(street=street), created_by=officer))
    ProblemFactory(visit=VisitFactory(enterprise=EnterpriseFactory(street=other_street), created_by=other_officer))
    assert list(Visit.objects.visible_to(officer)) == [mine.visit]
    assert list(VisitProblem.objects.visible_to(officer)) == [mine]


def test_active_liaisons_are_those_whose_period_covers_the_day(street, officer):
    ent = EnterpriseFactory(street=street)
    LiaisonFactory(enterprise=ent, officer=officer, start_date=dt.date(2024, 1, 1), end_date=dt.date(2024, 12, 31))
    current = LiaisonFactory(enterprise=ent, officer=officer, start_date=dt.date(2025, 1, 1))
    assert list(LiaisonAssignment.objects.active_on(dt.date(2025, 3, 1))) == [current]
    assert LiaisonAssignment.objects.active_on(dt.date(2024, 6, 1)).count() == 1


def test_district_wide_campaigns_are_visible_to_every_street(officer, other_officer, street, other_street):
    own = CampaignFactory(street=street, name="本街道")
    CampaignFactory(street=other_street, name="别的街道")
    district = CampaignFactory(street=None, name="万名干部助企行")
    assert set(VisitCampaign.objects.visible_to(officer)) == {own, district}
