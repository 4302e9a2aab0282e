import pytest

from tests.crm.factories import StreetFactory


@pytest.fixture(autouse=True)
def _bounded_street_codes():
    yield
    StreetFactory.reset_sequence(0)
