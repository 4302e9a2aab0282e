"""The reminder sweep in a real Celery worker through Redis: two sweeps at once and a worker killed mid-task
never send a reminder twice, and the next sweep finishes the work."""

import os
import signal
import subprocess
import uuid

import pytest
from django.conf import settings
from django.utils import timezone

from appeals.models import SlaClock
from crm.celery import app
from crm.models import Notification
from tests.appeals.factories import make_appeal
from tests.crm.test_celery_worker import start_worker, wait_for

needs_worker = pytest.mark.skipif(
    not os.environ.get("REDIS_URL") or not settings.IS_POSTGRES,
    reason="needs REDIS_URL and PostgreSQL: the worker is another process and must share the test database",
)
pytestmark = [needs_worker, pytest.mark.worker, pytest.mark.django_db(transaction=True),
              pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")]


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def overdue_appeals(officer, manager):
    # Received a month ago: every clock is past due, so a sweep breaches and notifies all of them.
    start = timezone.now() - timezone.timedelta(days=30)
    return [make_appeal(officer=officer, at_=start) for _ in range(3)]


def sweep_in_flight() -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND state = 'idle in transaction' AND pid <> pg_backend_pid()")
        return cursor.fetchone()[0] > 0


def breach_rows():
    return list(Notification.objects.filter(kind="appeal_breach").values_list("recipient_id", "key"))


def test_two_sweeps_at_once_in_two_workers_send_each_reminder_once(overdue_appeals):
    queue = f"appeals-test-{uuid.uuid4().hex[:8]}"
    workers = [start_worker(queue), start_worker(queue)]
    try:
        for _ in range(4):
            app.send_task("appeals.sweep_clocks", queue=queue)
        assert wait_for(lambda: not SlaClock.objects.filter(state="running").exists()
                        and not SlaClock.objects.filter(state="breached", breach_notified=False).exists())
        assert wait_for(lambda: len(breach_rows()) == 9 * 2)  # 9 clocks × (officer, manager)
    finally:
        for proc in workers:
            stop(proc)
    rows = breach_rows()
    assert len(rows) == len(set(rows))


def test_a_worker_killed_mid_task_leaves_no_duplicate_and_the_next_sweep_finishes(overdue_appeals, officer):
    # Put the warning share in the past but the due in the future, so the sweep pauses after writing warnings.
    now = timezone.now()
    SlaClock.objects.update(warn_at=now - timezone.timedelta(minutes=1), due_at=now + timezone.timedelta(days=1))
    queue = f"appeals-test-{uuid.uuid4().hex[:8]}"
    proc = start_worker(queue)
    try:
        app.send_task("appeals.sweep_clocks", kwargs={"pause_for_test": 60}, queue=queue)
        # The worker is mid-task once it holds the clock rows in an open transaction (notifications written,
        # markers not yet): kill it there.
        assert wait_for(sweep_in_flight)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        stop(proc)
    # Notifications and markers commit together, so the kill left neither: nothing was half-sent.
    assert not Notification.objects.filter(kind="appeal_warning").exists()
    assert not SlaClock.objects.filter(warned_version__gte=1).exists()
    proc = start_worker(queue)
    try:
        app.send_task("appeals.sweep_clocks", queue=queue)
        assert wait_for(lambda: SlaClock.objects.filter(warned_version=1).count() == 9)
    finally:
        stop(proc)
    keys = list(Notification.objects.filter(kind="appeal_warning").values_list("recipient_id", "key"))
    assert len(keys) == len(set(keys)) == 9  # one warning per clock to the officer, whatever was redelivered
