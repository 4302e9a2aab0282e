"""A batch whose worker died mid-run is marked failed (nothing was written) so it can be submitted again."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from namelists.models import ImportBatch
from namelists.services import INTERRUPTED_MESSAGE, RUN_LOCK_NAMESPACE, fail_interrupted_batches

pytestmark = pytest.mark.django_db


def running_batch(started_minutes_ago: float) -> ImportBatch:
    return ImportBatch.objects.create(
        file_name="四上名录.xlsx", sha256="0" * 64, list_kind="sishang", year=2025,
        status=ImportBatch.Status.RUNNING, running_since=timezone.now() - dt.timedelta(minutes=started_minutes_ago),
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks are PostgreSQL's")
def test_a_running_batch_without_a_live_worker_is_marked_failed():
    import psycopg

    orphan, live, just_queued = running_batch(30), running_batch(30), running_batch(1)
    settings = connection.settings_dict
    # Another session holds the run lock of `live`, as a working worker does.
    with psycopg.connect(host=settings["HOST"], port=settings["PORT"], user=settings["USER"],
                         dbname=settings["NAME"], autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s, %s)", [RUN_LOCK_NAMESPACE, live.pk])
        assert fail_interrupted_batches() == 1
    for batch in (orphan, live, just_queued):
        batch.refresh_from_db()
    assert orphan.status == ImportBatch.Status.FAILED and orphan.message == INTERRUPTED_MESSAGE
    assert live.status == ImportBatch.Status.RUNNING
    assert just_queued.status == ImportBatch.Status.RUNNING  # still within the queueing grace period


def test_without_advisory_locks_only_long_stale_batches_are_failed():
    old, recent = running_batch(24 * 60), running_batch(5)
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL uses the advisory lock (test above)")
    assert fail_interrupted_batches() == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.status == ImportBatch.Status.FAILED
    assert recent.status == ImportBatch.Status.RUNNING
