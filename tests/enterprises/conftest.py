import pytest

from tests.crm.factories import StreetFactory


@pytest.fixture(autouse=True)
def _bounded_street_codes():
    """StreetFactory codes come from a global sequence that outgrows 9 characters after ~90 streets; every
    `street` fixture call advances it, so reset it after each test of this package."""
    yield
    StreetFactory.reset_sequence(0)
