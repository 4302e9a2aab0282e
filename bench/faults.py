"""Fault bench: kill the Celery worker mid-import and mid-reminder-sweep, restart Redis, restart PostgreSQL.

    .venv/bin/python bench/faults.py [--rows 60000] [--appeals 600] [--skip-restarts]

Not a test: it prints what happened. CAREFUL: the Redis and PostgreSQL restarts hit every process on this
machine (a colleague's running tests fail); run it when nobody else is testing, or pass --skip-restarts.
Traffic stays on 127.0.0.1; every wait is bounded.

1. import: a 四上 list is previewed, its commit is started on a real worker, the worker is SIGKILLed mid-way.
   Checked: nothing half-written (no firm of the list in the registry), the batch's state, and what it takes to
   get the import done afterwards (a new worker; a retry).
2. reminder sweep: open appeals whose clocks are past their warning share; the sweep is SIGKILLed between
   sending and marking; a new worker sweeps again. Checked: every reminder exists exactly once.
3. Redis: `redis-cli shutdown nosave`, restarted with the command in .ci/run. Checked: the web app keeps
   answering, and a task queued after the restart is run by the same worker (it reconnects).
4. PostgreSQL: `pg_ctlcluster --skip-systemctl-redirect 15 main restart`. Checked: seconds until the web app
   answers a signed-in page again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from load_test import BIN, HOST, PORT, Session, Stats, bench_env, make_list, prepare_database, wait_http  # noqa: E402

DB = "postgres://postgres@127.0.0.1:5432/crm_trust_faults"
REDIS = "redis://127.0.0.1:6379/7"
REDIS_START = ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379", "--save", "",
               "--appendonly", "no", "--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log"]


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {text}", flush=True)


def start_worker(env: dict) -> subprocess.Popen:
    proc = subprocess.Popen([str(BIN / "celery"), "-A", "crm", "worker", "-l", "WARNING", "-c", "1"], cwd=ROOT,
                            env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(6)  # boot + connect to the broker
    return proc


def kill(proc: subprocess.Popen, sig=signal.SIGKILL) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def wait_for(predicate, timeout: float, step: float = 0.2):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return None


def import_fault(env: dict, rows: int) -> None:
    from django.core.cache import cache
    from django.db import close_old_connections, transaction

    from crm.models import User
    from enterprises.models import Enterprise
    from namelists import services
    from namelists.models import ImportBatch

    say(f"1. import: building a {rows}-row list")
    data = make_list(rows)
    statistician = User.objects.get(username="statistician")
    worker = start_worker(env)
    with transaction.atomic():
        batch = services.create_batch(statistician, data, "faults.xlsx", "sishang", 2025, statistician.street)
        services.request_preview(batch, statistician)

    def status():
        close_old_connections()
        return ImportBatch.objects.get(pk=batch.pk).status

    previewed = wait_for(lambda: status() == "previewed", 300, 1)
    say(f"   preview on the worker: {'done' if previewed else 'NOT done'} ({status()})")
    with transaction.atomic():
        services.request_commit(ImportBatch.objects.get(pk=batch.pk), statistician)
    started = time.monotonic()
    wait_for(lambda: (cache.get(f"namelist:progress:{batch.pk}") or (0, ""))[0] >= 20, 120, 0.1)
    progress = cache.get(f"namelist:progress:{batch.pk}")
    kill(worker)
    say(f"   worker SIGKILLed {time.monotonic() - started:.1f} s into the commit (progress {progress})")
    time.sleep(2)
    written = Enterprise.objects.filter(name__startswith="深圳市压测").count()
    say(f"   after the kill: batch status={status()!r}, firms of the list in the registry={written} "
        f"({'nothing half-written' if written == 0 else 'PARTIAL WRITE'})")
    worker = start_worker(env)
    time.sleep(15)
    say(f"   a new worker has run 15 s: batch status={status()!r} (the killed task is acks_late: the broker "
        f"hands it out again after its visibility timeout, {env.get('CELERY_VISIBILITY', '3600')} s)")
    batch = ImportBatch.objects.get(pk=batch.pk)
    if batch.status == "running":
        # What an operator does today: mark it failed (or wait for redelivery), then retry from the page.
        ImportBatch.objects.filter(pk=batch.pk).update(status="failed", message="worker lost (bench)")
        with transaction.atomic():
            services.request_preview(ImportBatch.objects.get(pk=batch.pk), statistician)
        wait_for(lambda: status() == "previewed", 300, 1)
        with transaction.atomic():
            services.request_commit(ImportBatch.objects.get(pk=batch.pk), statistician)
    wait_for(lambda: status() in ("committed", "failed"), 600, 1)
    done = status()
    written = Enterprise.objects.filter(name__startswith="深圳市压测").count()
    say(f"   retry: batch status={done!r}, firms written={written} of {rows} (no duplicates: "
        f"{written == Enterprise.objects.filter(name__startswith='深圳市压测').values('uscc').distinct().count()})")
    kill(worker, signal.SIGTERM)


def sweep_fault(env: dict, appeals: int) -> None:
    from django.db import close_old_connections, connection

    from appeals import services as appeal_services
    from appeals.models import AppealCategory, SlaClock
    from appeals.tasks import sweep_clocks
    from crm.models import Notification, User
    from enterprises.models import Enterprise

    say(f"2. reminder sweep: creating {appeals} appeals received 3 working days ago")
    officer = User.objects.get(username="officer")
    firms = list(Enterprise.objects.filter(street=officer.street)[:200])
    category = AppealCategory.objects.filter(is_active=True).first()
    at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=5)
    for i in range(appeals):
        appeal_services.create_appeal(enterprise=firms[i % len(firms)], category=category, description=f"故障演练{i}",
                                      officer=officer, actor=None, at=at)
    due = SlaClock.objects.count()
    before = Notification.objects.count()
    worker = start_worker(env)
    sweep_clocks.delay(pause_for_test=5)

    def sent():
        close_old_connections()
        return Notification.objects.count() - before

    wait_for(sent, 60, 0.1)  # the first batch of reminders is out; the sweep now pauses before marking them
    time.sleep(1)
    mid = sent()
    kill(worker)
    say(f"   worker SIGKILLed mid-sweep: {mid} reminders sent so far ({due} SLA clocks in all)")
    worker = start_worker(env)
    sweep_clocks.delay()
    time.sleep(10)
    close_old_connections()
    after = Notification.objects.count() - before
    sweep_clocks.delay()
    time.sleep(8)
    close_old_connections()
    again = Notification.objects.count() - before
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM (SELECT recipient_id, key FROM crm_notification GROUP BY 1, 2 "
                       "HAVING count(*) > 1) d")
        dupes = cursor.fetchone()[0]
    say(f"   new worker swept again: {after} reminders in all; a third sweep: {again} "
        f"({'none lost, none twice' if after == again and after >= mid and dupes == 0 else 'CHECK'}; "
        f"duplicate (recipient, key) pairs: {dupes})")
    kill(worker, signal.SIGTERM)


def redis_fault(env: dict) -> None:
    from django.db import close_old_connections

    from crm.models import Notification

    say("3. Redis: shutdown nosave, then restart")
    worker = start_worker(env)
    subprocess.run(["redis-cli", "-p", "6379", "shutdown", "nosave"], capture_output=True, timeout=20)
    time.sleep(1)
    during = wait_http("/healthz", 5)
    say(f"   Redis down: web /healthz {'answers' if during else 'does NOT answer'}")
    started = time.monotonic()
    os.makedirs("/var/lib/redis", exist_ok=True)
    os.makedirs("/var/log/redis", exist_ok=True)
    subprocess.run(REDIS_START, check=False, timeout=20)
    up = wait_for(lambda: subprocess.run(["redis-cli", "ping"], capture_output=True, text=True).stdout.strip()
                  == "PONG", 30)
    say(f"   Redis back in {time.monotonic() - started:.1f} s ({'PONG' if up else 'no answer'})")
    from appeals.tasks import sweep_clocks

    close_old_connections()
    sent = None
    for attempt in range(10):  # the producer reconnects on its own; count the attempts it needs
        try:
            sweep_clocks.delay()
            sent = attempt + 1
            break
        except Exception as exc:  # noqa: BLE001 - printed
            say(f"   enqueue attempt {attempt + 1}: {type(exc).__name__}")
            time.sleep(1)
    time.sleep(8)
    alive = worker.poll() is None
    s = Session(Stats())
    ok = s.login("manager") and s.request("GET", "/appeals/dashboard/", "dash")[0] == 200
    say(f"   after the restart: task enqueued on attempt {sent}, worker process alive={alive}, "
        f"signed-in dashboard {'OK' if ok else 'FAILED'}, notifications={Notification.objects.count()}")
    kill(worker, signal.SIGTERM)


def postgres_fault(env: dict) -> None:
    say("4. PostgreSQL: pg_ctlcluster restart")
    s = Session(Stats())
    s.login("manager")
    version = sorted(os.listdir("/etc/postgresql"))[0]
    started = time.monotonic()
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=False,
                   timeout=120)
    restarted = time.monotonic() - started
    back = wait_for(lambda: s.request("GET", "/appeals/dashboard/", "dash")[0] == 200, 60, 0.5)
    say(f"   restart took {restarted:.1f} s; the signed-in dashboard answered again "
        f"{time.monotonic() - started:.1f} s after the restart began ({'OK' if back else 'NOT back in 60 s'})")
    errors = s.stats.errors.get("dash", [])
    say(f"   requests that failed while it was down: {len(errors)} {sorted(set(errors))}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=60_000)
    parser.add_argument("--appeals", type=int, default=600)
    parser.add_argument("--skip-restarts", action="store_true")
    args = parser.parse_args()
    env = bench_env(DB, REDIS)
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "crm.settings"
    say(f"preparing {DB}")
    prepare_database(DB, env)
    import django

    django.setup()
    web = subprocess.Popen([str(BIN / "gunicorn"), "crm.wsgi:application", "-b", f"{HOST}:{PORT}", "-w", "2",
                            "--log-level", "critical"], cwd=ROOT, env=env, start_new_session=True)
    try:
        if not wait_http():
            raise SystemExit("gunicorn did not start")
        import_fault(env, args.rows)
        sweep_fault(env, args.appeals)
        if not args.skip_restarts:
            redis_fault(env)
            postgres_fault(env)
    finally:
        kill(web, signal.SIGTERM)
    say("done")


if __name__ == "__main__":
    main()
