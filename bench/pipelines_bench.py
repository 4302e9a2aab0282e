"""Pipeline bench: seed N projects (default 20,000) with their stage history, then time the pages and jobs.

Run against a scratch PostgreSQL database (it is migrated and filled; existing pipeline rows of the bench street
are left alone, the seed is skipped when the projects are already there):

    psql -h 127.0.0.1 -U postgres -c 'create database crm_pl_bench'
    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_pl_bench .venv/bin/python bench/pipelines_bench.py \
        [--projects 20000]

Prints one line per measurement: median of several runs, and the number of SQL queries.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

# Production renders with the cached template loader; DEBUG=1 (needed for a dev SECRET_KEY and plain static
# storage) would re-parse every template on every request and inflate the page figures.
from django.conf import settings  # noqa: E402

_tpl = settings.TEMPLATES[0]
if _tpl.get("APP_DIRS"):
    _tpl["APP_DIRS"] = False
    _tpl.setdefault("OPTIONS", {})["loaders"] = [("django.template.loaders.cached.Loader", [
        "django.template.loaders.filesystem.Loader", "django.template.loaders.app_directories.Loader"])]

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402


def seed(n: int) -> None:
    from crm.demo import load as load_org
    from crm.models import Street, User
    from pipelines.models import PIPELINE, Event, Project, StageChange, Target, tier_for

    load_org()
    street = Street.objects.get(code="440311006")
    have = Project.objects.filter(street=street).count()
    if have >= n:
        print(f"seed: {have} projects already there")
        return
    users = list(User.objects.filter(street=street, role__in=["officer", "manager"]))
    team = street.teams.first()
    rng = random.Random(1)
    today = timezone.localdate()
    year = today.year
    stages = [s.value for s in PIPELINE] + ["paused", "lost"]
    t0 = time.perf_counter()
    batch, changes = [], []
    for i in range(have, n):
        stage = rng.choice(stages)
        amount = Decimal(rng.choice(["0.5", "1.5", "3", "8", "12", "25", "150"]))
        p = Project(
            street=street, name=f"压测项目{i:06d}", investor_name=f"压测投资方{i % 997}", planned_investment=amount,
            tier=tier_for(amount), stage=stage, officer=rng.choice(users), team=team if i % 3 == 0 else None,
            confidential=i % 50 == 0, next_action="跟进", next_action_due=today + dt.timedelta(days=rng.randint(-20, 30)),
            touched_at=timezone.now() - dt.timedelta(days=rng.randint(0, 60)),
        )
        batch.append(p)
    Project.objects.bulk_create(batch, batch_size=2000)
    created = list(Project.objects.filter(street=street, name__startswith="压测项目").order_by("pk")
                   .values_list("pk", "stage"))
    order = [s.value for s in PIPELINE]
    for pk, stage in created:
        path = order[: order.index(stage) + 1] if stage in order else order[:3] + [stage]
        start = dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(0, 200))
        previous = ""
        for k, to in enumerate(path):
            changes.append(StageChange(project_id=pk, from_stage=previous, to_stage=to,
                                       on=min(start + dt.timedelta(days=12 * k), today)))
            previous = to
    StageChange.objects.bulk_create(changes, batch_size=5000)
    # Milestones, set-based: the first day each project reached a milestone stage or later.
    from pipelines.models import MILESTONES, STAGE_ORDER

    with connection.cursor() as cur:
        for field, stage in MILESTONES.items():
            later = [s for s, i in STAGE_ORDER.items() if i >= STAGE_ORDER[stage.value]]
            cur.execute(
                f"UPDATE pipelines_project p SET {field} = m.first_on FROM ("
                " SELECT project_id, MIN(\"on\") AS first_on FROM pipelines_stagechange"
                " WHERE to_stage = ANY(%s) GROUP BY project_id) m WHERE m.project_id = p.id",
                [later],
            )
    for i in range(60):
        Event.objects.get_or_create(street=street, title=f"压测活动{i}", defaults={
            "held_on": dt.date(year, 1 + i % 11, 10), "officer": users[i % len(users)]})
    for metric, value in [("signed_100", 1), ("signed_10", 3), ("signed_key", 10), ("signed_investment", 150),
                          ("events_held", 20), ("new_sishang", 100), ("new_zjtx", 15), ("counted_output", 40),
                          ("registered_firms", 20), ("counted_projects", 10)]:
        Target.objects.get_or_create(street=street, year=year, metric=metric, scope_kind="street",
                                     defaults={"target_value": value})
        for u in users:
            Target.objects.get_or_create(street=street, year=year, metric=metric, scope_kind="officer", officer=u,
                                         defaults={"target_value": value})
    print(f"seed: {len(batch)} projects, {len(changes)} stage changes in {time.perf_counter() - t0:.1f}s")
    with connection.cursor() as cur:
        cur.execute("ANALYZE pipelines_project; ANALYZE pipelines_stagechange;")


def measure(label: str, fn, runs: int = 5) -> None:
    times, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            result = fn()
            times.append((time.perf_counter() - t0) * 1000)
        queries = len(ctx.captured_queries)
        status = getattr(result, "status_code", None)
        if status is not None and status != 200:
            raise SystemExit(f"{label}: HTTP {status}")
    print(f"{label:<44} median {statistics.median(times):8.1f} ms   max {max(times):8.1f} ms   {queries:4d} queries")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=20_000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("warning: not PostgreSQL; figures are not representative")
    call_command("migrate", verbosity=0)
    seed(args.projects)

    from crm.models import User
    from pipelines.models import Project, Target
    from pipelines.services.reminders import send_reminders
    from pipelines.services.rollup import month, rollup

    officer, manager = User.objects.get(username="officer"), User.objects.get(username="manager")
    year = timezone.localdate().year
    print(f"projects in street: {Project.objects.filter(street=manager.street).count()}, "
          f"targets: {Target.objects.filter(year=year).count()}")
    client = Client(HTTP_HOST="localhost")
    client.force_login(officer)
    measure("board (officer)", lambda: client.get("/pipelines/"))
    measure("board filtered tier=10 (officer)", lambda: client.get("/pipelines/?tier=10"))
    measure("list first page (officer)", lambda: client.get("/pipelines/projects/"))
    measure("list search q=压测项目0199 (officer)", lambda: client.get("/pipelines/projects/?q=压测项目0199"))
    measure("list overdue (officer)", lambda: client.get("/pipelines/projects/?overdue=1"))
    pk = Project.objects.filter(street=officer.street, confidential=False).order_by("-pk").values_list("pk", flat=True)[0]
    measure("project detail", lambda: client.get(f"/pipelines/projects/{pk}/"))
    client.force_login(manager)
    measure("dashboard (manager)", lambda: client.get("/pipelines/dashboard/"))
    target = Target.objects.filter(year=year, metric="signed_key", scope_kind="street").first()
    measure("drill-down signed_key full year", lambda: client.get(f"/pipelines/targets/{target.pk}/drill/"))
    measure("export xlsx", lambda: client.get(f"/pipelines/dashboard/export/?year={year}"), runs=3)
    measure("rollup one month, all targets", lambda: rollup(year, period=month(year, 3)), runs=3)
    measure("rollup whole year (nightly job)", lambda: rollup(year), runs=1)
    measure("reminder sweep (run)", send_reminders, runs=1)
    measure("reminder sweep (rerun, nothing new)", send_reminders, runs=3)


if __name__ == "__main__":
    main()
