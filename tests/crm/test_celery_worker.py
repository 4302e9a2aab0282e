"""A real task through Redis to a real Celery worker process, seen in the database.

Runs when REDIS_URL is set and the tests use PostgreSQL (the worker is another process: it needs a database
it can share with the test). CI sets both.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from crm.celery import app, collect_beat_schedule
from crm.models import Notification
from tests.crm.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
needs_worker = pytest.mark.skipif(
    not os.environ.get("REDIS_URL") or not settings.IS_POSTGRES,
    reason="needs REDIS_URL and PostgreSQL (set by .ci/run)",
)


def start_worker(queue: str) -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "crm.settings_test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "crm", "worker", "--pool", "solo", "-Q", queue,
         "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def wait_for(predicate, timeout: float = 45.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


@pytest.fixture
def worker_queue():
    queue = f"crm-test-{uuid.uuid4().hex[:8]}"
    proc = start_worker(queue)
    yield queue
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@needs_worker
@pytest.mark.worker
@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
@pytest.mark.django_db(transaction=True)
def test_a_task_sent_through_redis_is_run_by_a_real_worker(worker_queue):
    user = UserFactory(role="officer")
    note = Notification.objects.create(
        recipient=user, key="worker-test", kind="test", title="经 Redis 投递", deliver_after=timezone.now()
    )
    app.send_task("crm.deliver_notifications", queue=worker_queue)

    def delivered() -> bool:
        note.refresh_from_db()
        return note.delivered_at is not None

    assert wait_for(delivered), "the worker did not deliver the notification"


def test_the_beat_schedule_collects_every_apps_periodic_jobs():
    schedule = collect_beat_schedule()
    assert schedule["crm-deliver-notifications"]["task"] == "crm.deliver_notifications"
    app.loader.import_default_modules()  # what a worker does at start-up
    for entry in schedule.values():
        assert entry["task"] in app.tasks, f"{entry['task']} is scheduled but no such task is registered"
