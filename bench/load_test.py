"""Load bench: 50 simulated users for 60 s against gunicorn + PostgreSQL + Redis + a real Celery worker.

    .venv/bin/python bench/load_test.py [--users 50] [--seconds 60] [--rows 20000]

Not a test: it prints its figures. A small stdlib driver (threads + http.client, one cookie jar per user) is
used rather than locust, so it needs nothing beyond the project's own requirements. Traffic goes to 127.0.0.1
only; the run is bounded in users and time and stops by itself.

Mix (like locust's `between(1, 2)` wait time, every user thinks 1–2 s between requests):
- officers (~70 %): search firms, open a firm, log a visit, raise an appeal;
- managers (~28 %): SLA dashboard, 挂图作战 dashboard, liaison coverage, appeal list;
- one statistician: uploads a 20,000-row 四上 list, confirms the mapping (preview on the worker), commits it.
Everyone signs in before the clock starts (sign-in is PBKDF2 hashing, once a working day; reported apart).
Afterwards every write acknowledged by the server (a redirect after POST) is looked up in the database.

The database named by --db is dropped and re-created, migrated and loaded with the demo data.
gunicorn starts as production starts it, `gunicorn -c gunicorn.conf.py` (its workers and threads unless --workers
or --threads say otherwise). Besides latencies the run reports the CPU seconds it cost by part — gunicorn, the
Celery worker, the PostgreSQL backends of the bench database, this driver — against the whole machine's, since a
shared machine's other work shows in the latencies; and requests per second per core.
For the CPU each page costs, without the noise of a busy machine, see bench/page_cost.py.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections import defaultdict
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PY = str(ROOT / ".venv" / "bin" / "python")
BIN = ROOT / ".venv" / "bin"
HOST, PORT = "127.0.0.1", 8765
PASSWORD = "Crm-demo-2026"  # crm.demo.DEMO_PASSWORD


def bench_env(db_url: str, redis_url: str) -> dict:
    """Production settings (DEBUG off) on plain-HTTP loopback."""
    return {
        **os.environ, "DATABASE_URL": db_url, "REDIS_URL": redis_url, "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz", "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "0", "SECURE_HSTS_SECONDS": "0", "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0", "AXES_FAILURE_LIMIT": "1000", "LOG_LEVEL": "WARNING",
        "VAR_DIR": str(ROOT / "var" / "bench_load"), "MEDIA_ROOT": str(ROOT / "var" / "bench_load" / "media"),
        "CONN_MAX_AGE": "60",
    }


def run(cmd, env, **kw):
    return subprocess.run(cmd, cwd=ROOT, env=env, check=True, **kw)


def prepare_database(db_url: str, env: dict) -> None:
    name = urllib.parse.urlparse(db_url).path.lstrip("/")
    base = db_url.rsplit("/", 1)[0] + "/postgres"
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    # Static files first: with DEBUG off the system check (crm.E001) refuses every other command without them.
    run([PY, "manage.py", "collectstatic", "--noinput", "-v", "0"], env)
    run([PY, "manage.py", "migrate", "--noinput", "-v", "0"], env)
    run([PY, "manage.py", "load_demo"], env, stdout=subprocess.DEVNULL)


def fixtures(env: dict) -> dict:
    """Ids the simulated users need (their firms, their user ids, appeal categories), read once."""
    code = r"""
import json, django; django.setup()
from crm.models import User
from enterprises.models import Enterprise
from appeals.models import AppealCategory
out = {"users": {u.username: {"id": u.pk, "street": u.street_id, "role": u.role} for u in User.objects.all()},
       "firms": {}, "categories": list(AppealCategory.objects.filter(is_active=True).values_list("pk", flat=True))}
for street_id in {u.street_id for u in User.objects.exclude(street=None)}:
    out["firms"][str(street_id)] = list(Enterprise.objects.filter(street_id=street_id).values_list("pk", "name")[:500])
print(json.dumps(out, ensure_ascii=False))
"""
    proc = run([PY, "-c", code], {**env, "DJANGO_SETTINGS_MODULE": "crm.settings"}, capture_output=True, text=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def make_list(rows: int) -> bytes:
    import openpyxl

    from enterprises.uscc import ALPHABET, check_char

    book = openpyxl.Workbook(write_only=True)
    ws = book.create_sheet("四上名录")
    ws.append(["2025年光明区马田街道四上企业名录"])
    ws.append(["统一社会信用代码", "单位详细名称", "行业代码", "营业收入（万元）", "从业人员"])
    for i in range(rows):
        body = "".join(ch if ch in ALPHABET else "0" for ch in f"91440311{7_000_000 + i:09d}")[:17]
        ws.append([body + check_char(body), f"深圳市压测{i}号实业有限公司", "3982", 2500 + i % 5000, 20 + i % 300])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


class Session:
    """One simulated browser: its own connection and cookies."""

    def __init__(self, stats):
        self.cookies: dict[str, str] = {}
        self.stats = stats
        self.conn = http.client.HTTPConnection(HOST, PORT, timeout=60)

    def request(self, method: str, path: str, label: str, body: bytes | None = None, ctype: str | None = None):
        headers = {"Host": HOST, "User-Agent": "crm-load-bench"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = ctype or "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{HOST}:{PORT}/"
        started = time.perf_counter()
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, OSError) as exc:
                # A kept-alive connection the server closed while the user was thinking: like a browser,
                # send once more on a fresh connection. A second failure is an error.
                self.conn.close()
                self.conn = http.client.HTTPConnection(HOST, PORT, timeout=60)
                if attempt == 2 or not isinstance(exc, (http.client.RemoteDisconnected, ConnectionResetError,
                                                        BrokenPipeError)):
                    self.stats.record(label, time.perf_counter() - started, f"error {type(exc).__name__}")
                    return None, b"", {}
                started = time.perf_counter()
        elapsed = time.perf_counter() - started
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value
        status = response.status
        self.stats.record(label, elapsed, None if status < 400 else f"http {status}")
        return status, data, dict(response.headers)

    def form(self, path: str, label: str, fields: list[tuple[str, str]]):
        fields = [("csrfmiddlewaretoken", self.cookies.get("csrftoken", ""))] + fields
        return self.request("POST", path, label, urllib.parse.urlencode(fields).encode())

    def login(self, username: str) -> bool:
        self.request("GET", "/login/", "login page")
        status, _, headers = self.form("/login/", "login", [("username", username), ("password", PASSWORD)])
        return status == 302


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.writes: dict[str, list[str]] = defaultdict(list)

    def record(self, label, elapsed, error):
        with self.lock:
            self.times[label].append(elapsed)
            if error:
                self.errors[label].append(error)

    def wrote(self, kind: str, marker: str):
        with self.lock:
            self.writes[kind].append(marker)


def p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=20)[18]


def officer_user(s: "Session", stats: Stats, username: str, info: dict, deadline: float, rng: random.Random):
    s.stats = stats
    me = info["users"][username]
    firms = info["firms"][str(me["street"])]
    while time.monotonic() < deadline:
        firm_id, firm_name = rng.choice(firms)
        action = rng.random()
        if action < 0.35:
            s.request("GET", "/enterprises/?q=" + urllib.parse.quote(firm_name[3:6]), "enterprise search")
        elif action < 0.6:
            s.request("GET", f"/enterprises/{firm_id}/", "enterprise detail")
        elif action < 0.85:
            marker = f"bench-visit-{uuid.uuid4().hex}"
            status, _, _ = s.form("/enterprises/visits/new/", "log visit", [
                ("enterprise", str(firm_id)), ("date", time.strftime("%Y-%m-%d")), ("topics", "business"),
                ("notes", marker)])
            if status == 302:
                stats.wrote("visit", marker)
        else:
            marker = f"bench-appeal-{uuid.uuid4().hex}"
            status, _, _ = s.form("/appeals/new/", "raise appeal", [
                ("enterprise", str(firm_id)), ("category", str(rng.choice(info["categories"]))), ("source", "visit"),
                ("urgency", "normal"), ("description", f"压测诉求 {marker}"), ("officer", str(me["id"]))])
            if status == 302:
                stats.wrote("appeal", marker)
        time.sleep(rng.uniform(1, 2))


def manager_user(s: "Session", stats: Stats, username: str, deadline: float, rng: random.Random):
    s.stats = stats
    pages = [("/appeals/dashboard/", "SLA dashboard"), ("/pipelines/dashboard/", "targets dashboard"),
             ("/enterprises/coverage/", "liaison coverage"), ("/appeals/", "appeal list"), ("/", "home")]
    while time.monotonic() < deadline:
        path, label = rng.choice(pages)
        s.request("GET", path, label)
        time.sleep(rng.uniform(1, 2))


def statistician_user(s: "Session", stats: Stats, data: bytes, deadline: float, result: dict):
    s.stats = stats
    s.request("GET", "/imports/upload/", "upload page")
    boundary = uuid.uuid4().hex
    parts = []
    for key, value in (("csrfmiddlewaretoken", s.cookies.get("csrftoken", "")), ("list_kind", "sishang"),
                       ("year", "2025"), ("street", str(result["street"]))):
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="sishang2025.xlsx"\r\n'
                 f"Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n".encode()
                 + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    started = time.monotonic()
    status, body, headers = s.request("POST", "/imports/upload/", "upload 20k list", b"".join(parts),
                                      f"multipart/form-data; boundary={boundary}")
    if status != 302:
        result["error"] = f"upload answered {status}"
        return
    detail = headers.get("Location")
    pk = re.search(r"/imports/(\d+)/", detail).group(1)
    _, page, _ = s.request("GET", f"/imports/{pk}/", "import detail")
    html = page.decode()
    selects = re.findall(r'<select name="(col_\d+)"[^>]*>(.*?)</select>', html, re.S)
    mapping = [(name, (re.search(r'<option value="([^"]*)"[^>]*selected', opts) or re.search(r'value="([^"]*)"',
                                                                                              opts)).group(1))
               for name, opts in selects]
    s.form(f"/imports/{pk}/mapping/", "confirm mapping", mapping)
    result["phases"] = {}
    for phase, action in (("preview", None), ("commit", f"/imports/{pk}/commit/")):
        if action:
            s.form(action, "commit import", [])
        phase_started = time.monotonic()
        while time.monotonic() < deadline + 300:
            _, page, _ = s.request("GET", f"/imports/{pk}/", "import detail")
            found = re.search(r'class="nl-status-(\w+)"', page.decode())
            state = found.group(1) if found else "?"
            if (phase, state) in (("preview", "previewed"), ("commit", "committed")):
                break
            if state == "failed":
                result["error"] = f"import failed during {phase}"
                return
            time.sleep(1)
        result["phases"][phase] = round(time.monotonic() - phase_started, 1)
    result["pk"] = int(pk)
    result["total_s"] = round(time.monotonic() - started, 1)


def verify(env: dict, stats: Stats, result: dict) -> dict:
    code = r"""
import json, sys, django; django.setup()
from enterprises.models import Visit
from appeals.models import Appeal
from namelists.models import ImportBatch
from enterprises.models import Enterprise
want = json.loads(sys.stdin.read())
visits = set(Visit.objects.filter(notes__startswith="bench-visit-").values_list("notes", flat=True))
appeals = {d.split()[-1] for d in Appeal.objects.filter(description__startswith="压测诉求 ").values_list("description", flat=True)}
batch = ImportBatch.objects.filter(pk=want["pk"]).first() if want.get("pk") else None
print(json.dumps({"visits_missing": len(set(want["visit"]) - visits), "appeals_missing": len(set(want["appeal"]) - appeals),
                  "visits_in_db": len(visits), "appeals_in_db": len(appeals),
                  "batch_status": batch.status if batch else None, "batch_counts": batch.counts if batch else None,
                  "imported_firms": Enterprise.objects.filter(name__startswith="深圳市压测").count()}))
"""
    payload = json.dumps({"visit": stats.writes["visit"], "appeal": stats.writes["appeal"], "pk": result.get("pk")})
    proc = subprocess.run([PY, "-c", code], cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": "crm.settings"},
                          input=payload, capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


class CpuMeter:
    """CPU seconds spent during the run, by part: the gunicorn processes, the Celery worker, this driver, the
    PostgreSQL backends serving the bench database (sampled every second: a backend that closes keeps its last
    reading), and the whole machine (/proc/stat, which includes the other work on a shared machine)."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, db_name: str, groups: dict[str, int]):
        self.db_name, self.groups = db_name, groups
        self.start: dict[str, float] = {}
        self.pg_first: dict[int, float] = {}
        self.pg_last: dict[int, float] = {}
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._sample_pg, daemon=True)

    @classmethod
    def _proc_cpu(cls, pid: int) -> float | None:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / cls.TICK  # utime + stime

    @staticmethod
    def _pgrp(pid: int) -> int | None:
        try:
            return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[2])
        except (OSError, ValueError, IndexError):
            return None

    def _group_cpu(self, pgid: int) -> float:
        total = 0.0
        for entry in os.listdir("/proc"):
            if entry.isdigit() and self._pgrp(int(entry)) == pgid:
                total += self._proc_cpu(int(entry)) or 0.0
        return total

    @staticmethod
    def _machine() -> tuple[float, float]:
        parts = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        idle = parts[3] + parts[4]
        return (sum(parts) - idle) / CpuMeter.TICK, sum(parts) / CpuMeter.TICK

    def _pg_pids(self) -> list[int]:
        import psycopg

        with psycopg.connect(os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres", autocommit=True) as c:
            return [r[0] for r in c.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.db_name])]

    def _sample_pg(self, first: bool = False):
        while True:
            for pid in self._pg_pids():
                cpu = self._proc_cpu(pid)
                if cpu is None:
                    continue
                if first:
                    self.pg_first.setdefault(pid, cpu)
                self.pg_last[pid] = cpu
            if first or self.stop_event.wait(1.0):
                return

    def begin(self):
        self.start = {name: self._group_cpu(pgid) for name, pgid in self.groups.items()}
        self.start["driver"] = time.process_time()
        self.start["machine"], self.start["machine_all"] = self._machine()
        self._sample_pg(first=True)
        self.thread.start()

    def end(self) -> dict[str, float]:
        out = {name: self._group_cpu(pgid) - self.start[name] for name, pgid in self.groups.items()}
        out["driver"] = time.process_time() - self.start["driver"]
        self.stop_event.set()
        self.thread.join()
        out["postgres"] = sum(last - self.pg_first.get(pid, 0.0) for pid, last in self.pg_last.items())
        busy, total = self._machine()
        out["machine"] = busy - self.start["machine"]
        out["machine_capacity"] = (total - self.start["machine_all"])
        return out


def wait_http(path="/healthz", timeout=30) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            conn = http.client.HTTPConnection(HOST, PORT, timeout=2)
            conn.request("GET", path, headers={"Host": HOST})
            if conn.getresponse().status == 200:
                return True
        except OSError:
            pass
        time.sleep(0.3)
    return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--db", default="postgres://postgres@127.0.0.1:5432/crm_trust_load")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/6")
    parser.add_argument("--workers", type=int, help="gunicorn processes (default: gunicorn.conf.py's, 2 per core)")
    parser.add_argument("--threads", type=int, help="threads per process (default: gunicorn.conf.py's, 4)")
    args = parser.parse_args()
    env = bench_env(args.db, args.redis)
    os.environ.update({k: v for k, v in env.items() if k in ("DATABASE_URL", "REDIS_URL")})
    print(f"preparing {args.db} (migrate, demo data, collectstatic)…", flush=True)
    prepare_database(args.db, env)
    info = fixtures(env)
    data = make_list(args.rows)
    print(f"list: {args.rows} rows, {len(data) / 1e6:.1f} MB", flush=True)

    # gunicorn as production starts it (Dockerfile, docker-compose): with gunicorn.conf.py.
    web_env = {**env, "GUNICORN_BIND": f"{HOST}:{PORT}"}
    if args.workers:
        web_env["WEB_CONCURRENCY"] = str(args.workers)
    if args.threads:
        web_env["GUNICORN_THREADS"] = str(args.threads)
    workers = args.workers or min(2 * len(os.sched_getaffinity(0)), 8)  # as gunicorn.conf.py decides
    web_threads = args.threads or 4
    procs = [
        subprocess.Popen([str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "crm.wsgi:application",
                          "--log-level", "warning"], cwd=ROOT, env=web_env, start_new_session=True),
        subprocess.Popen([str(BIN / "celery"), "-A", "crm", "worker", "-l", "WARNING", "-c", "2"], cwd=ROOT, env=env,
                         start_new_session=True, stdout=subprocess.DEVNULL),
    ]
    try:
        if not wait_http():
            raise SystemExit("gunicorn did not answer on /healthz")
        warm = Session(Stats())  # let every worker load templates once before the clock starts
        warm.login("manager")
        for _ in range(workers * 2):
            for path in ("/", "/appeals/dashboard/", "/pipelines/dashboard/", "/enterprises/", "/appeals/"):
                warm.request("GET", path, "warm-up")
        stats, login_stats = Stats(), Stats()
        officers = [u for u, d in info["users"].items() if d["role"] == "officer" and d["street"]]
        managers = [u for u, d in info["users"].items() if d["role"] == "manager"]
        import_result = {"street": info["users"]["statistician"]["street"]}
        plan = [("statistician", "statistician")] + [
            ("officer", officers[i % len(officers)]) if i % 10 < 7 else ("manager", managers[i % len(managers)])
            for i in range(args.users - 1)]
        # Everyone signs in first (PBKDF2 hashing, once per working day), 8 at a time; then the clock starts.
        sessions = [Session(login_stats) for _ in plan]
        from concurrent.futures import ThreadPoolExecutor

        login_started = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            signed_in = list(pool.map(lambda pair: pair[0].login(pair[1][1]), zip(sessions, plan)))
        login_wall = time.monotonic() - login_started
        deadline = time.monotonic() + args.seconds
        threads = []
        for i, (session, (role, username)) in enumerate(zip(sessions, plan)):
            if role == "statistician":
                target, targs = statistician_user, (session, stats, data, deadline, import_result)
            elif role == "officer":
                target, targs = officer_user, (session, stats, username, info, deadline, random.Random(i))
            else:
                target, targs = manager_user, (session, stats, username, deadline, random.Random(i))
            threads.append(threading.Thread(target=target, args=targs))
        meter = CpuMeter(urllib.parse.urlparse(args.db).path.lstrip("/"), {"web": procs[0].pid, "worker": procs[1].pid})
        meter.begin()
        started = time.monotonic()
        for t in threads:
            t.start()
            time.sleep(0.05)  # ramp up over ~2.5 s
        for t in threads:
            t.join(timeout=args.seconds + 600)
        wall = time.monotonic() - started
        cpu = meter.end()
        uptime = Path("/proc/loadavg").read_text().split()[:3]
        check = verify(env, stats, import_result)
    finally:
        for p in procs:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)

    lt = login_stats.times.get("login", [0])
    print(f"\nsign-in of {len(plan)} users before the run: {sum(signed_in)} ok, {login_wall:.1f} s wall, "
          f"p50 {statistics.median(lt) * 1000:.0f} ms, p95 {p95(lt) * 1000:.0f} ms per login (PBKDF2)")
    all_times = [t for v in stats.times.values() for t in v]
    total_errors = sum(len(v) for v in stats.errors.values())
    print(f"\n== load: {args.users} users, {args.seconds} s, gunicorn -c gunicorn.conf.py: {workers} × {web_threads} "
          f"threads (gthread), 1 Celery worker ==")
    print(f"{'request':22} {'count':>6} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for label in sorted(stats.times):
        v = stats.times[label]
        print(f"{label:22} {len(v):6d} {len(stats.errors[label]):6d} {statistics.median(v) * 1000:8.0f} "
              f"{p95(v) * 1000:8.0f} {max(v) * 1000:8.0f}")
    print(f"{'ALL':22} {len(all_times):6d} {total_errors:6d} {statistics.median(all_times) * 1000:8.0f} "
          f"{p95(all_times) * 1000:8.0f} {max(all_times) * 1000:8.0f}")
    work = [t for label, v in stats.times.items() if label not in ("upload 20k list",) for t in v]
    print(f"{'ALL but the upload':22} {len(work):6d} {'':6} {statistics.median(work) * 1000:8.0f} "
          f"{p95(work) * 1000:8.0f} {max(work) * 1000:8.0f}")
    cores = os.cpu_count() or 1
    print(f"throughput: {len(all_times) / wall:.1f} req/s over {wall:.0f} s on {cores} cores "
          f"= {len(all_times) / wall / cores:.1f} req/s per core")
    print(f"CPU seconds in the run: web {cpu['web']:.1f}, worker {cpu['worker']:.1f}, postgres (this db) "
          f"{cpu['postgres']:.1f}, driver {cpu['driver']:.1f}; machine busy {cpu['machine']:.1f} of "
          f"{cpu['machine_capacity']:.1f} ({cpu['machine'] / cpu['machine_capacity']:.0%}, the rest of it other "
          f"processes); load average at the end {' '.join(uptime)}")
    print(f"web CPU per request {cpu['web'] / len(all_times) * 1000:.1f} ms "
          f"(→ {len(all_times) / cpu['web']:.0f} requests per web-CPU-second); postgres CPU per request "
          f"{cpu['postgres'] / len(all_times) * 1000:.1f} ms")
    if total_errors:
        print("errors:", {k: sorted(set(v)) for k, v in stats.errors.items() if v})
    print(f"import of {args.rows} rows: {import_result}")
    print(f"writes acknowledged: visits {len(stats.writes['visit'])}, appeals {len(stats.writes['appeal'])}")
    print(f"database check: {check}")
    ok = (total_errors == 0 and check["visits_missing"] == 0 and check["appeals_missing"] == 0
          and check["batch_status"] == "committed" and p95(all_times) < 0.5)
    print("RESULT:", "PASS" if ok else "FAIL", "(goal: no errors, p95 < 500 ms, every write in the database, "
          "import committed)")


if __name__ == "__main__":
    main()
