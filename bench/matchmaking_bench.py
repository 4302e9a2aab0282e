"""Matchmaking bench: seed N firms (default 100,000) with ~1.5 products each and some 四上/专精特新 facts, then time
supplier matching (matchmaking.selectors.suppliers_for) and buyer matching on PostgreSQL.

    psql -h 127.0.0.1 -U postgres -c 'create database crm_mm_bench'
    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_mm_bench .venv/bin/python bench/matchmaking_bench.py \
        [--firms 100000]

Prints one line per measurement: median of several runs and the number of SQL queries.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

PREFIX = "MMBENCH"


def seed(n: int) -> None:
    from crm.demo import load as load_org
    from crm.models import Street
    from enterprises.models import Classification, Cluster, Enterprise, IndustryCategory
    from matchmaking.models import Product

    load_org()
    have = Enterprise.objects.filter(uscc__startswith=PREFIX).count()
    if have >= n:
        print(f"seed: {have} firms already there")
        return
    rng = random.Random(21)
    streets = list(Street.objects.values_list("pk", flat=True))
    codes = list(IndustryCategory.objects.filter(level="xiao").values_list("code", flat=True))
    industries = dict(IndustryCategory.objects.filter(level="xiao").values_list("code", "pk"))
    cluster, _ = Cluster.objects.get_or_create(code="mm-bench-chain", defaults={"name": "基准产业链"})
    t0 = time.perf_counter()
    for start in range(have, n, 5000):
        firms = [
            Enterprise(uscc=f"{PREFIX}{i:011d}", name=f"基准企业{i}", name_initials=f"jzqy{i}",
                       street_id=rng.choice(streets), industry_id=industries[rng.choice(codes)])
            for i in range(start, min(n, start + 5000))
        ]
        Enterprise.objects.bulk_create(firms, batch_size=5000)
        ids = [f.pk for f in firms]
        products, facts = [], []
        for pk in ids:
            for _k in range(rng.choice((1, 1, 2))):
                products.append(Product(enterprise_id=pk, name=f"产品{_k + 1}", industry_code=rng.choice(codes),
                                        cluster=cluster if rng.random() < 0.02 else None))
            r = rng.random()
            if r < 0.10:
                facts.append(Classification(enterprise_id=pk, kind="sishang", category="industry", year=2026))
            elif r < 0.13:
                facts.append(Classification(enterprise_id=pk, kind="zjtx", category="provincial", year=2025,
                                            valid_from=dt.date(2025, 1, 1)))
        Product.objects.bulk_create(products, batch_size=5000)
        Classification.objects.bulk_create(facts, batch_size=5000)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(f"seed: {n - have} firms in {time.perf_counter() - t0:.0f}s")


def timed(label: str, fn, runs: int = 7) -> None:
    fn()  # warm
    times = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as q:
            t0 = time.perf_counter()
            rows = fn()
            times.append((time.perf_counter() - t0) * 1000)
    print(f"{label}: median {statistics.median(times):.1f} ms (max {max(times):.1f}), {len(q)} queries, "
          f"{len(rows)} rows")


def catalogue_import(rows: int) -> None:
    """The 产品信息名录 import (matchmaking.importing) of `rows` rows naming bench firms by name (their codes are not
    valid 统一社会信用代码): half update a firm's existing 产品1, half add a new product, every tenth row a purchasing
    need. Times the analysis (the preview's work) and analysis + writes (the commit's), rolled back."""
    import io

    from django.db import transaction
    from openpyxl import Workbook

    from enterprises.models import Enterprise
    from matchmaking import importing

    names = list(Enterprise.objects.filter(uscc__startswith=PREFIX).order_by("pk")
                 .values_list("name", flat=True)[:rows])
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("产品名录")
    ws.append(["企业名称", "产品名称", "行业代码", "产能", "采购需求", "采购行业代码"])
    for i, name in enumerate(names):
        ws.append([name, "产品1" if i % 2 else f"新产品{i}", "3912", f"{i}件/年",
                   "钢材" if i % 10 == 0 else None, "3311" if i % 10 == 0 else None])
    buf = io.BytesIO()
    wb.save(buf)
    sheets = importing._read(buf.getvalue(), "bench.xlsx")

    class Rollback(Exception):
        pass

    t0 = time.perf_counter()
    analysis = importing.analyse(sheets, None)
    t1 = time.perf_counter()
    try:
        with transaction.atomic():
            t2 = time.perf_counter()
            analysis = importing.analyse(sheets, None)
            importing.apply(analysis, None)
            t3 = time.perf_counter()
            raise Rollback
    except Rollback:
        pass
    c = analysis.counts
    print(f"products import {len(names)} rows: analyse {1000 * (t1 - t0):.0f} ms, analyse + write "
          f"{1000 * (t3 - t2):.0f} ms (created {c['created']}, updated {c['updated']}, errors {c['errors']}, "
          f"needs {c['needs_created']}; rolled back)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--firms", type=int, default=100_000)
    parser.add_argument("--import-rows", type=int, default=0, help="also time a 产品信息名录 import of N rows")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    seed(args.firms)

    from enterprises.models import Cluster, Enterprise
    from matchmaking import selectors
    from matchmaking.models import Need, Product

    buyer = Enterprise.objects.filter(uscc__startswith=PREFIX).order_by("pk").first()
    cluster = Cluster.objects.get(code="mm-bench-chain")
    print(f"firms {Enterprise.objects.count()}, products {Product.objects.count()}")
    for prefix in ("39", "3912", "13"):
        need = Need(enterprise=buyer, kind="purchasing", title="bench", industry_prefix=prefix)
        timed(f"suppliers_for prefix {prefix!r}", lambda need=need: selectors.suppliers_for(need))
    need = Need(enterprise=buyer, kind="purchasing", title="bench", industry_prefix="39", cluster=cluster)
    timed("suppliers_for prefix '39' + chain link", lambda: selectors.suppliers_for(need))
    product = Product(enterprise=buyer, name="bench", industry_code="3912", customer_industries=["36", "38"])
    timed("buyers_for customer industries 36,38", lambda: selectors.buyers_for(product))
    if args.import_rows:
        catalogue_import(args.import_rows)


if __name__ == "__main__":
    main()
