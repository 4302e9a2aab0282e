import pytest

from enterprises.models import Park
from space.demo import load
from space.models import EfficiencyRule
from tests.space.factories import ParkFactory

pytestmark = pytest.mark.django_db


def test_demo_places_parks_once_and_sets_a_default_rule(street):
    ParkFactory(street=street)
    assert load()["parks"] == 1
    assert load()["parks"] == 0  # idempotent: placed parks are left alone
    park = Park.objects.get()
    assert park.longitude is not None and park.floor_area
    assert EfficiencyRule.objects.filter(street__isnull=True).count() == 1
