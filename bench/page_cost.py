"""CPU cost of each page of the load test's mix, measured in one process (no HTTP, no contention).

    .venv/bin/python bench/page_cost.py [--db URL] [--redis URL] [--runs 15] [--rows 0|20000]
                                        [--only LABEL ...] [--profile LABEL] [--json OUT]

Not a test: it prints its figures. The wall-clock load test (bench/load_test.py) depends on how busy the machine
is; the CPU a request costs the serving process does not, so this is the figure to cut. Each page of
bench/load_test.py's mix is requested as the role that uses it, through the production WSGI handler
(`crm.wsgi.application`, DEBUG off, the same environment as the load test, a persistent database connection and
a real signed-in session cookie: the session, user and axes lookups are those of production). Per request:

- cpu ms     time.process_time() of the whole request in this process (middleware, view, templates, the
             database driver's client side) — the figure that decides requests per second per core;
- wall ms    perf_counter over the same (adds the database server's time, the process waiting for it);
- queries    number of SQL statements, and `db ms` their summed wall time;
- tmpl ms    CPU in template rendering (outermost Template.render: the page and its includes), `tmpl n` the
             number of Template.render calls (includes counted: an include in a loop shows here), `tmpl q` the
             queries run from inside templates (lazy querysets);
- outside    CPU outside the view (all middleware, session load/save, auth user, axes, CSRF, CSP, response);
- sess/auth  queries on django_session / the user table / axes tables (per-request lookups).

Medians of --runs requests after 3 warm-up requests. --rows N imports the load test's N-row 四上 list into the
statistician's street first (the firms the load test adds during its run), once: its firms stay.
--profile LABEL runs that page under cProfile and prints the top functions by cumulative and own time.

The database (default: crm_load, this helper's) must hold the demo data (`manage.py load_demo`).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import statistics
import sys
import tempfile
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from load_test import PASSWORD, bench_env, make_list  # noqa: E402

HOST = "127.0.0.1"

# (label, username, method, path template, form fields) — the load test's mix (bench/load_test.py).
PAGES = [
    ("enterprise search", "officer", "GET", "/enterprises/?q={q}", None),
    ("enterprise detail", "officer", "GET", "/enterprises/{firm}/", None),
    ("log visit", "officer", "POST", "/enterprises/visits/new/", "visit"),
    ("raise appeal", "officer", "POST", "/appeals/new/", "appeal"),
    ("SLA dashboard", "manager", "GET", "/appeals/dashboard/", None),
    ("targets dashboard", "manager", "GET", "/pipelines/dashboard/", None),
    ("liaison coverage", "manager", "GET", "/enterprises/coverage/", None),
    ("appeal list", "manager", "GET", "/appeals/", None),
    ("home (manager)", "manager", "GET", "/", None),
    ("home (officer)", "officer", "GET", "/", None),
    ("import detail", "statistician", "GET", "/imports/{batch}/", None),
]


class Probe:
    """Counters the instrumentation fills during one request."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.queries = 0
        self.db_s = 0.0
        self.session_auth_q = 0
        self.tmpl_cpu = 0.0
        self.tmpl_n = 0
        self.tmpl_q = 0
        self.view_cpu = 0.0
        self.sql: list[tuple[float, str]] = []
        self._tmpl_depth = 0


PROBE = Probe()
SESSION_AUTH = re.compile(r'FROM "(django_session|crm_user|axes_\w+)"|INTO "(django_session|axes_\w+)"|'
                          r'UPDATE "(django_session|crm_user)"')


def instrument():
    """Wrap the database cursor, Template.render and the handler's view call (before the WSGI app is built)."""
    from django.core.handlers.base import BaseHandler
    from django.db import connections
    from django.template.base import Template

    def wrapper(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            PROBE.db_s += time.perf_counter() - started
            PROBE.queries += 1
            PROBE.sql.append((time.perf_counter() - started, sql))
            if PROBE._tmpl_depth:
                PROBE.tmpl_q += 1
            if SESSION_AUTH.search(sql):
                PROBE.session_auth_q += 1

    connections["default"].execute_wrappers.append(wrapper)

    original_render = Template.render

    def render(self, context):
        PROBE.tmpl_n += 1
        PROBE._tmpl_depth += 1
        started = time.process_time() if PROBE._tmpl_depth == 1 else None
        try:
            return original_render(self, context)
        finally:
            PROBE._tmpl_depth -= 1
            if started is not None:
                PROBE.tmpl_cpu += time.process_time() - started

    Template.render = render

    original_get_response = BaseHandler._get_response

    def get_response(self, request):
        started = time.process_time()
        try:
            return original_get_response(self, request)
        finally:
            PROBE.view_cpu += time.process_time() - started

    BaseHandler._get_response = get_response


class Browser:
    """One signed-in user talking WSGI to the application in this process."""

    def __init__(self, app):
        self.app = app
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, fields: list[tuple[str, str]] | None = None):
        parsed = urllib.parse.urlsplit(path)
        body = b""
        if fields is not None:
            fields = [("csrfmiddlewaretoken", self.cookies.get("csrftoken", ""))] + fields
            body = urllib.parse.urlencode(fields).encode()
        environ = {
            "REQUEST_METHOD": method, "PATH_INFO": urllib.parse.unquote(parsed.path).encode().decode("latin-1"),
            "QUERY_STRING": parsed.query, "SERVER_NAME": HOST, "SERVER_PORT": "8765", "HTTP_HOST": HOST,
            "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": "crm-page-cost",
            "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr, "wsgi.url_scheme": "http",
            "wsgi.version": (1, 0), "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False,
        }
        if body:
            environ.update({"CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": str(len(body)),
                            "HTTP_REFERER": f"http://{HOST}:8765/"})
        if self.cookies:
            environ["HTTP_COOKIE"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        status_headers = {}

        def start_response(status, headers, exc_info=None):
            status_headers["status"] = int(status.split()[0])
            status_headers["headers"] = headers

        result = self.app(environ, start_response)
        try:
            content = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()  # request_finished: close_old_connections, as under gunicorn
        for name, value in status_headers["headers"]:
            if name.lower() == "set-cookie":
                for key, morsel in SimpleCookie(value).items():
                    self.cookies[key] = morsel.value
        return status_headers["status"], content

    def login(self, username: str):
        self.request("GET", "/login/")
        status, _ = self.request("POST", "/login/", [("username", username), ("password", PASSWORD)])
        if status != 302:
            raise SystemExit(f"login of {username} answered {status}")


def ensure_rows(env: dict, rows: int) -> None:
    from enterprises.models import Enterprise

    have = Enterprise.objects.filter(name__startswith="深圳市压测").count()
    if have >= rows:
        return
    from crm.models import User

    street = User.objects.get(username="statistician").street
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as fh:
        fh.write(make_list(rows))
        fh.flush()
        from django.core.management import call_command

        print(f"importing the load test's {rows}-row list into {street}…", flush=True)
        call_command("import_namelist", fh.name, "--list", "sishang", "--year", "2025", "--street", street.code,
                     stdout=io.StringIO())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="postgres://postgres@127.0.0.1:5432/crm_load")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/4")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--rows", type=int, default=0)
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--profile")
    parser.add_argument("--sql", help="print the SQL of one request of this page (all: each page's slowest)")
    parser.add_argument("--json")
    args = parser.parse_args()

    env = bench_env(args.db, args.redis)
    env["ALLOWED_HOSTS"] = HOST
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "crm.settings"
    import django

    django.setup()
    from django.conf import settings

    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not manifest.exists():
        from django.core.management import call_command

        call_command("collectstatic", "--noinput", verbosity=0)
    if args.rows:
        ensure_rows(env, args.rows)

    instrument()
    from django.core.wsgi import get_wsgi_application

    from appeals.models import AppealCategory
    from crm.models import User
    from enterprises.models import Enterprise
    from namelists.models import ImportBatch

    app = get_wsgi_application()
    officer = User.objects.get(username="officer")
    firms = list(Enterprise.objects.filter(street=officer.street).order_by("pk").values_list("pk", "name")[:50])
    category = AppealCategory.objects.filter(is_active=True).values_list("pk", flat=True).first()
    batch = ImportBatch.objects.order_by("-pk").values_list("pk", flat=True).first()
    today = time.strftime("%Y-%m-%d")
    browsers: dict[str, Browser] = {}

    counter = {"i": 0}

    def target(path_template: str, form: str | None):
        counter["i"] += 1
        firm_id, firm_name = firms[counter["i"] % len(firms)]
        path = path_template.format(q=urllib.parse.quote(firm_name[3:6]), firm=firm_id, batch=batch)
        fields = None
        if form == "visit":
            fields = [("enterprise", str(firm_id)), ("date", today), ("topics", "business"),
                      ("notes", f"page-cost-visit-{counter['i']}")]
        elif form == "appeal":
            fields = [("enterprise", str(firm_id)), ("category", str(category)), ("source", "visit"),
                      ("urgency", "normal"), ("description", f"压测诉求 page-cost-{counter['i']}"),
                      ("officer", str(officer.pk))]
        return path, fields

    results = []
    profilers: dict[str, cProfile.Profile] = {}
    print(f"{'page':20} {'user':12} {'st':>3} {'cpu ms':>7} {'wall ms':>7} {'queries':>7} {'db ms':>6} "
          f"{'tmpl ms':>7} {'tmpl n':>6} {'tmpl q':>6} {'outside':>7} {'sess/auth':>9}")
    for label, username, method, path_template, form in PAGES:
        if args.only and label not in args.only:
            continue
        if "{batch}" in path_template and batch is None:
            continue
        browser = browsers.get(username)
        if browser is None:
            browser = browsers[username] = Browser(app)
            browser.login(username)
        for _ in range(3):
            browser.request(method, *target(path_template, form))
        if args.sql in (label, "all"):
            PROBE.reset()
            browser.request(method, *target(path_template, form))
            listed = PROBE.sql if args.sql == label else sorted(PROBE.sql, reverse=True)[:6]
            print(f"-- {label}: {len(PROBE.sql)} queries" + ("" if args.sql == label else ", the slowest:"))
            for took, sql in listed:
                print(f"  {took * 1000:6.2f} ms  {sql[:300]}")
        if args.profile in (label, "all"):
            profiler = profilers.setdefault("all" if args.profile == "all" else label, cProfile.Profile())
            profiler.enable()
            for _ in range(5):
                browser.request(method, *target(path_template, form))
            profiler.disable()
        samples = []
        status = None
        for _ in range(args.runs):
            path, fields = target(path_template, form)
            PROBE.reset()
            cpu0, wall0 = time.process_time(), time.perf_counter()
            status, _ = browser.request(method, path, fields)
            cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
            samples.append({
                "cpu": cpu * 1000, "wall": wall * 1000, "queries": PROBE.queries, "db": PROBE.db_s * 1000,
                "tmpl": PROBE.tmpl_cpu * 1000, "tmpl_n": PROBE.tmpl_n, "tmpl_q": PROBE.tmpl_q,
                "outside": (cpu - PROBE.view_cpu) * 1000, "sess_auth": PROBE.session_auth_q,
            })
        med = {k: statistics.median(s[k] for s in samples) for k in samples[0]}
        results.append({"page": label, "user": username, "status": status, **med})
        print(f"{label:20} {username:12} {status:3d} {med['cpu']:7.1f} {med['wall']:7.1f} {med['queries']:7.0f} "
              f"{med['db']:6.1f} {med['tmpl']:7.1f} {med['tmpl_n']:6.0f} {med['tmpl_q']:6.0f} {med['outside']:7.1f} "
              f"{med['sess_auth']:9.0f}", flush=True)
    for profiler in profilers.values():
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(60)
        stats.sort_stats("tottime").print_stats(40)
        print(out.getvalue())
    firms_total = Enterprise.objects.count()
    mix = {"enterprise search": 0.7 * 0.35, "enterprise detail": 0.7 * 0.25, "log visit": 0.7 * 0.25,
           "raise appeal": 0.7 * 0.15, "SLA dashboard": 0.28 / 5, "targets dashboard": 0.28 / 5,
           "liaison coverage": 0.28 / 5, "appeal list": 0.28 / 5, "home (manager)": 0.28 / 5}
    by_label = {r["page"]: r for r in results}
    if all(k in by_label for k in mix):
        weighted = sum(by_label[k]["cpu"] * w for k, w in mix.items()) / sum(mix.values())
        print(f"\nfirms in the database: {firms_total}; load-test mix, weighted CPU per request: {weighted:.1f} ms "
              f"→ at most {1000 / weighted:.0f} requests/s per core in the web process (database server apart)")
    if args.json:
        Path(args.json).write_text(json.dumps({"firms": firms_total, "pages": results}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
