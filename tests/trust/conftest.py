"""Fixtures shared by the trust tests."""

from tests.trust.test_permission_matrix import world  # noqa: F401 - the two-street world as a fixture
