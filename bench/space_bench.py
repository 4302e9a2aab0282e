"""Space bench: 5,000 parks and 100,000 firms (with a year of figures) in one street, then time the space pages.

Run against a scratch PostgreSQL database (migrated and filled; the seed is skipped when the parks exist):

    psql -h 127.0.0.1 -U postgres -c 'create database crm_space_bench'
    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_space_bench .venv/bin/python bench/space_bench.py \
        [--parks 5000] [--firms 100000] [--writes]

Prints one line per measurement: median of several runs, and the number of SQL queries.
"""

from __future__ import annotations

import argparse
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

YEAR = 2025


def seed(parks: int, firms: int) -> None:
    from crm.demo import load as load_org
    from crm.models import Street
    from enterprises.models import AnnualFigure, Classification, Enterprise, Park
    from enterprises.uscc import ALPHABET, check_char
    from pipelines.models import SpaceType, Vacancy
    from space.models import EfficiencyRule

    load_org()
    street = Street.objects.get(code="440311006")
    if Park.objects.filter(street=street, name__startswith="压测园区").count() >= parks:
        print("seed: parks already there")
        return
    rng = random.Random(20)
    Park.objects.bulk_create([Park(
        street=street, name=f"压测园区{i:05d}", floor_area=Decimal(rng.randrange(5000, 300000, 500)),
        longitude=Decimal("113.9") + Decimal(rng.randint(0, 800)) / 10000,
        latitude=Decimal("22.72") + Decimal(rng.randint(0, 800)) / 10000,
    ) for i in range(parks)], batch_size=2000, ignore_conflicts=True)
    park_ids = list(Park.objects.filter(street=street, name__startswith="压测园区").values_list("pk", flat=True))

    def uscc(n: int) -> str:
        body = "".join(ch if ch in ALPHABET else "0" for ch in f"91440311{n:09d}"[:17])
        return body + check_char(body)

    Enterprise.objects.bulk_create([Enterprise(
        uscc=uscc(500_000_000 + i), name=f"压测企业{i:06d}有限公司", street=street, park_id=rng.choice(park_ids),
    ) for i in range(firms)], batch_size=5000, ignore_conflicts=True)
    ids = list(Enterprise.objects.filter(street=street, name__startswith="压测企业").values_list("pk", flat=True))
    AnnualFigure.objects.bulk_create([AnnualFigure(
        enterprise_id=pk, year=YEAR, revenue=Decimal(rng.randint(100, 50000)), tax=Decimal(rng.randint(1, 2000)),
        output_value=Decimal(rng.randint(0, 80000)),
    ) for pk in ids], batch_size=5000, ignore_conflicts=True)
    Classification.objects.bulk_create([Classification(
        enterprise_id=pk, kind="sishang", category="industry", year=YEAR) for pk in ids[::10]],
        batch_size=5000, ignore_conflicts=True)
    Vacancy.objects.bulk_create([Vacancy(
        park_id=rng.choice(park_ids), unit_name=f"压测{i}", space_type=SpaceType.FACTORY,
        area=Decimal(rng.randint(200, 5000))) for i in range(10_000)], batch_size=5000, ignore_conflicts=True)
    EfficiencyRule.objects.get_or_create(street=None, defaults={"min_tax_per_10k": Decimal("300")})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"seed: {len(park_ids)} parks, {len(ids)} firms")


def measure(label: str, fn, runs: int = 5) -> None:
    times, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = fn()
            times.append((time.perf_counter() - start) * 1000)
        queries = len(ctx.captured_queries)
        if getattr(response, "status_code", 200) != 200:
            raise SystemExit(f"{label}: HTTP {response.status_code}")
    print(f"{label:<44} median {statistics.median(times):8.1f} ms   max {max(times):8.1f} ms   {queries:4d} queries")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--parks", type=int, default=5000)
    parser.add_argument("--firms", type=int, default=100_000)
    parser.add_argument("--writes", action="store_true", help="also time the rollup refresh and the park-liaison "
                        "sync (writes liaison rows into the bench database)")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    seed(args.parks, args.firms)
    from crm.models import Role, User
    from enterprises.models import Park

    officer, _ = User.objects.get_or_create(username="space_bench_officer", defaults={
        "role": Role.OFFICER, "street_id": Park.objects.filter(name__startswith="压测园区").values("street_id")[:1]})
    client = Client(HTTP_HOST="localhost")
    client.force_login(officer)
    park = Park.objects.filter(name__startswith="压测园区").order_by("pk").first()
    measure("park list first page (officer)", lambda: client.get(f"/space/parks/?year={YEAR}"))
    measure("park list low only (officer)", lambda: client.get(f"/space/parks/?year={YEAR}&low=1"))
    measure("park list page 20 (officer)", lambda: client.get(f"/space/parks/?year={YEAR}&page=20"))
    measure("park page with rank (officer)", lambda: client.get(f"/space/parks/{park.pk}/?year={YEAR}"))
    measure("map, 5,000 parks (officer)", lambda: client.get(f"/space/map/?year={YEAR}&measure=output_density"), runs=3)
    cluster = tag_clusters()
    measure("map, firms of a cluster (officer)",
            lambda: client.get(f"/space/map/?year={YEAR}&measure=cluster&cluster={cluster}"), runs=3)
    measure("investment library (officer)", lambda: client.get("/space/investment/"))
    if args.writes:
        measure_writes(officer, park)


def tag_clusters() -> int:
    """Every 7th bench firm in the first cluster (idempotent, one INSERT … SELECT)."""
    from enterprises.models import Cluster, Enterprise

    cluster = Cluster.objects.order_by("pk").first()
    through = Enterprise.clusters.through
    if not through.objects.filter(cluster=cluster).exists():
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {through._meta.db_table} (enterprise_id, cluster_id) SELECT id, %s FROM "
                           f"enterprises_enterprise WHERE name LIKE '压测企业%%' AND id %% 7 = 0 ON CONFLICT DO NOTHING",
                           [cluster.pk])
    return cluster.pk


def measure_writes(officer, park) -> None:
    """What the writes pay: the rollup refreshes and the 园区包干 sync (the latter leaves liaison rows behind)."""
    from django.db import transaction

    from crm.models import Role, User
    from enterprises.models import Park
    from enterprises.services.liaison import sync_park_liaisons
    from space.services.rollup import refresh

    measure("rollup refresh, every park (nightly, import)", lambda: refresh(), runs=3)
    measure("rollup refresh, one park (a single write)", lambda: refresh([park.pk]))
    measure("rollup refresh, one park, vacancies only", lambda: refresh([park.pk], years=[]))
    officers = [User.objects.get_or_create(username=f"space_bench_officer{i}", defaults={
        "role": Role.OFFICER, "street_id": park.street_id})[0] for i in range(50)]
    parks = list(Park.objects.filter(name__startswith="压测园区").order_by("pk").values_list("pk", flat=True))
    with transaction.atomic():  # each park gets one of 50 officers (set-based), then the first reconcile
        for i, officer_ in enumerate(officers):
            Park.objects.filter(pk__in=parks[i::50]).update(officer=officer_)
        start = time.perf_counter()
        result = sync_park_liaisons()
        print(f"{'park liaisons: first reconcile':<44} {(time.perf_counter() - start) * 1000:8.1f} ms   "
              f"created {result.created}, ended {result.ended}")
    measure("park liaisons: reconcile with nothing to do", lambda: sync_park_liaisons())
    measure("park liaisons: one park changes officer", lambda: _swap(park, officers))


def _swap(park, officers):
    from enterprises.services.liaison import sync_park_liaisons

    park.refresh_from_db()
    park.officer = officers[1] if park.officer_id == officers[0].pk else officers[0]
    park.save(update_fields=["officer"])
    return sync_park_liaisons(park_ids=[park.pk])


if __name__ == "__main__":
    main()
