import importlib

import pytest


@pytest.fixture(autouse=True)
def _industries(db):
    """GB/T 4754 is loaded by a migration; a transactional test elsewhere may have flushed it from a reused test
    database. Load it again when it is missing (the migration's own loader)."""
    from django.apps import apps

    from enterprises.models import IndustryCategory

    if not IndustryCategory.objects.filter(code="3911").exists():
        migration = importlib.import_module("enterprises.migrations.0002_load_industries_and_trigram")
        migration.load_industries(apps, None)
