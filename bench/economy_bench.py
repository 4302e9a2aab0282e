"""Economy bench on PostgreSQL: M months × N firms of monthly figures (default 36 × 200,000), then the street
economy page, the district view and `economy report` (p50 of several runs), and a 50,000-row monthly file import
(through import_namelist --list monthly), next to the same file through the annual name-list path for comparison.

Usage (a throwaway database; it is migrated and filled set-based with INSERT … SELECT generate_series):
    psql -h 127.0.0.1 -U postgres -c 'create database crm_economy_bench'
    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_economy_bench .venv/bin/python bench/economy_bench.py \
        [FIRMS] [MONTHS] [IMPORT_ROWS]
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

ARGS = [int(a) for a in sys.argv[1:] if a.isdigit()]
FIRMS = ARGS[0] if len(ARGS) > 0 else 200_000
MONTHS = ARGS[1] if len(ARGS) > 1 else 36
IMPORT_ROWS = ARGS[2] if len(ARGS) > 2 else 50_000
LAST = (2026, 5)  # the newest month; MONTHS months back from it
STREET = "440311006"


def codes(n: int) -> list[str]:
    from enterprises.uscc import check_char

    out = []
    for i in range(n):
        body = f"9144031{i:010d}"
        out.append(body + check_char(body))
    return out


def seed() -> None:
    from crm import demo as crm_demo
    from crm.models import Role, Street, User
    from economy.models import MonthlyFigure, StreetMonthTotal
    from enterprises.models import Enterprise, SishangThreshold

    call_command("migrate", verbosity=0)
    crm_demo.load()
    User.objects.get_or_create(username="bench_district", defaults={"role": Role.DISTRICT, "street": None})
    street_ids = list(Street.objects.filter(code__startswith="440311").order_by("code").values_list("id", flat=True))
    SishangThreshold.objects.get_or_create(year=2020, category="industry", industry_prefixes="B,C,D",
                                           defaults={"min_revenue": 2000})
    SishangThreshold.objects.get_or_create(year=2020, category="services", industry_prefixes="G,I,N",
                                           defaults={"min_revenue": 2000})
    have = Enterprise.objects.filter(uscc__startswith="9144031").count()
    t0 = time.perf_counter()
    if have < FIRMS:
        all_codes = codes(FIRMS)
        with connection.cursor() as cur:
            cur.execute("CREATE TEMP TABLE bench_codes (n int, code text)")
            with cur.cursor.copy("COPY bench_codes (n, code) FROM STDIN") as copy:
                for i, code in enumerate(all_codes):
                    copy.write_row((i, code))
            cur.execute("""
                INSERT INTO enterprises_enterprise (uscc, name, former_names, name_initials, street_id, address,
                    legal_representative, status, created_at, updated_at)
                SELECT code, '基准企业' || n, '[]', '', (%s::bigint[])[1 + n %% array_length(%s::bigint[], 1)], '', '',
                       'active', now(), now()
                FROM bench_codes ON CONFLICT (uscc) DO NOTHING""", [street_ids, street_ids])
        print(f"seeded {FIRMS} firms in {time.perf_counter() - t0:.1f} s")
    months_have = MonthlyFigure.objects.filter(indicator="industrial_output", street__code=STREET).values(
        "month").distinct().count()
    if months_have < MONTHS:
        t0 = time.perf_counter()
        with connection.cursor() as cur:
            # Each firm reports one indicator (40 % industry, 40 % services, 10 % retail, 10 % construction);
            # ytd grows through the year, last year's ytd ±30 %, ~1 % zero reports, ~2 % missing per month.
            cur.execute("""
                INSERT INTO economy_monthlyfigure (enterprise_id, indicator, month, street_id, value, ytd,
                    ytd_last_year, reported_growth, batch_id, "row")
                SELECT e.id,
                       CASE WHEN e.id %% 10 < 4 THEN 'industrial_output' WHEN e.id %% 10 < 8 THEN 'revenue'
                            WHEN e.id %% 10 = 8 THEN 'retail_sales' ELSE 'construction_output' END,
                       m.month, e.street_id,
                       CASE WHEN (e.id + m.k) %% 100 = 0 THEN 0 ELSE ((e.id * 7919 + m.k * 104729) %% 50000) / 10.0 END,
                       ((e.id * 7919) %% 50000) / 10.0 * extract(month from m.month),
                       ((e.id * 7919) %% 50000) / 10.0 * extract(month from m.month) * (0.7 + ((e.id * 31 + m.k) %% 60) / 100.0),
                       NULL, NULL, NULL
                FROM enterprises_enterprise e
                CROSS JOIN (SELECT (make_date(%s, %s, 1) - (k || ' months')::interval)::date AS month, k
                            FROM generate_series(0, %s - 1) k) m
                WHERE e.uscc LIKE '9144031%%' AND (e.id + m.k) %% 50 <> 0
                ON CONFLICT DO NOTHING""", [LAST[0], LAST[1], MONTHS])
            cur.execute("VACUUM ANALYZE economy_monthlyfigure")  # what autovacuum does after a bulk load
    if not StreetMonthTotal.objects.exists():
        from economy.rollup import refresh

        t0 = time.perf_counter()
        refresh()
        print(f"rollup of every month computed in {time.perf_counter() - t0:.1f} s")
        print(f"seeded {MonthlyFigure.objects.count():,} monthly figures ({MONTHS} months) in "
              f"{time.perf_counter() - t0:.1f} s")


def p50(func, runs: int = 7) -> tuple[float, float]:
    func()  # warm
    timings = []
    for _ in range(runs):
        t0 = time.perf_counter()
        func()
        timings.append((time.perf_counter() - t0) * 1000)
    return statistics.median(timings), max(timings)


def bench_pages() -> None:
    from crm.models import User

    month = f"{LAST[0]}-{LAST[1]:02d}"
    manager = Client()
    manager.force_login(User.objects.get(username="manager"))
    district = Client()
    district.force_login(User.objects.get(username="bench_district"))
    for label, client, url, params in (
        ("street page (manager, 规上工业)", manager, "/economy/", {"month": month}),
        ("street page (manager, 营业收入)", manager, "/economy/", {"month": month, "indicator": "revenue"}),
        ("drill-down first page", manager, "/economy/firms/", {"month": month}),
        ("district view", district, "/economy/district/", {"month": month}),
    ):
        def get():
            response = client.get(url, params)
            assert response.status_code == 200, response.status_code

        med, worst = p50(get)
        print(f"{label}: p50 {med:.0f} ms, max {worst:.0f} ms")
    for label, extra in (("economy report (district)", []), ("economy report (--street)", ["--street", STREET])):
        def report():
            call_command("economy", "report", "--month", month, "--indicator", "industrial_output", *extra,
                         stdout=io.StringIO())

        med, worst = p50(report)
        print(f"{label}: p50 {med:.0f} ms, max {worst:.0f} ms")


def bench_import() -> None:
    from openpyxl import Workbook

    # Known firms of every street (the file covers the district, so a month of each street is replaced).
    with connection.cursor() as cur:
        cur.execute("SELECT e.uscc, e.name, s.name FROM enterprises_enterprise e JOIN crm_street s ON s.id = e.street_id "
                    "WHERE e.uscc LIKE '9144031%%' ORDER BY e.id LIMIT %s", [IMPORT_ROWS])
        firms = cur.fetchall()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("规模以上工业")
    ws.append([f"{LAST[0]}年1—{LAST[1]}月规模以上工业企业工业总产值"])
    ws.append(["单位：万元"])
    ws.append(["序号", "社会信用代码", "单位名称", "街道", "本月", f"1—{LAST[1]}月累计", "上年同期累计", "同比增长(%)"])
    for i, (code, name, street_name) in enumerate(firms, start=1):
        ws.append([i, code, name, street_name, 100.5 + i % 7, 500.3 + i % 91, 480.1 + i % 53, 4.2])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "monthly.xlsx"
        wb.save(path)
        month = f"{LAST[0]}-{LAST[1]:02d}"
        for label, args in (
            ("monthly import", ["--list", "monthly", "--month", month]),
            ("monthly re-import (unchanged)", ["--list", "monthly", "--month", month]),
            ("same file via annual name-list path (sishang)", ["--list", "sishang", "--year", str(LAST[0])]),
        ):
            out = io.StringIO()
            t0 = time.perf_counter()
            call_command("import_namelist", str(path), *args, stdout=out)
            took = time.perf_counter() - t0
            print(f"{label}, {len(firms):,} rows: {took:.1f} s ({len(firms) / took:,.0f} rows/s) — "
                  f"{out.getvalue().strip().splitlines()[-1][:160]}")


if __name__ == "__main__":
    print(f"firms {FIRMS:,}, months {MONTHS}, import rows {IMPORT_ROWS:,}")
    seed()
    bench_pages()
    bench_import()
