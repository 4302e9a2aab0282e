"""Run locks of a batch's preview and commit, and the sweep that fails the runs whose worker is gone."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

from django.db import connection
from django.utils import timezone

from .models import ImportBatch
from .progress import clear_progress

# --- interrupted runs ----------------------------------------------------------------------------------------
# A preview or commit holds a session-level PostgreSQL advisory lock on its batch while it runs. A worker that dies
# (killed, OOM, machine restart) drops its connection and with it the lock, while the batch still says "running";
# the commit's own transaction rolled back, so nothing was written. The beat sweep below finds such batches and
# marks them failed so the statistician can submit them again at once instead of waiting for Celery's
# redelivery (the broker's visibility timeout, an hour).
RUN_LOCK_NAMESPACE = 4_404_311
INTERRUPTED_GRACE = dt.timedelta(minutes=10)  # a claimed task may wait this long in the queue before starting
SQLITE_STALE_AFTER = dt.timedelta(hours=1)  # no advisory locks: only time tells
INTERRUPTED_MESSAGE = "处理中断（处理进程意外退出），数据库未作任何更改。请重新预览并提交。"


@contextmanager
def batch_run_lock(batch_id: int):
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [RUN_LOCK_NAMESPACE, batch_id])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [RUN_LOCK_NAMESPACE, batch_id])


def _nobody_runs(batch_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [RUN_LOCK_NAMESPACE, batch_id])
        free = cursor.fetchone()[0]
        if free:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [RUN_LOCK_NAMESPACE, batch_id])
    return bool(free)


def fail_interrupted_batches(now: dt.datetime | None = None) -> int:
    """Mark failed the running batches whose worker is gone. Returns how many."""
    now = now or timezone.now()
    running = ImportBatch.objects.filter(status=ImportBatch.Status.RUNNING)
    if connection.vendor == "postgresql":
        candidates = running.filter(running_since__lt=now - INTERRUPTED_GRACE)
        stale = [pk for pk in candidates.values_list("pk", flat=True) if _nobody_runs(pk)]
    else:
        stale = list(running.filter(running_since__lt=now - SQLITE_STALE_AFTER).values_list("pk", flat=True))
    for pk in stale:
        ImportBatch.objects.filter(pk=pk, status=ImportBatch.Status.RUNNING).update(
            status=ImportBatch.Status.FAILED, message=INTERRUPTED_MESSAGE, progress=0, progress_note="")
        clear_progress(pk)
    return len(stale)
