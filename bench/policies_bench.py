"""Policies bench on PostgreSQL: the matching time of a rule tree at 100,000 firms (goal: well under a second),
and the time of a push (delivery tasks + notifications) for the matched firms.

Usage (a throwaway database; migrated, then filled set-based with INSERT … SELECT generate_series):
    psql -h 127.0.0.1 -U postgres -c 'create database crm_policies_bench'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_policies_bench .venv/bin/python bench/policies_bench.py [--reseed] [--repeat 5]

An already seeded database is reused unless --reseed is given. Prints the best and median of --repeat runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from django.core.management import call_command
from django.db import connection

N_FIRMS = 100_000
TREE = {"all": [
    {"status": ["active"]},
    {"industry": {"prefix": ["C39", "C40", "C34", "I65"]}},
    {"any": [
        {"figure": {"field": "revenue", "year": 2025, "min": 2000, "max": None}},
        {"classification": {"kind": "zjtx", "tier": ["provincial", "little_giant"]}},
        {"classification": {"kind": "gaoxin"}},
    ]},
    {"not": {"classification": {"kind": "listed"}}},
    {"age": {"min_years": 3}},
]}


def seed(reseed: bool) -> None:
    from crm import demo as crm_demo
    from enterprises.models import Enterprise

    call_command("migrate", verbosity=0)
    crm_demo.load()
    existing = Enterprise.objects.count()
    if existing >= N_FIRMS and not reseed:
        print(f"reusing seeded database: {existing} firms")
        return
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("TRUNCATE policies_deliverystep, policies_delivery, policies_historicaldelivery, "
                    "enterprises_liaisonassignment, enterprises_classification, enterprises_annualfigure, "
                    "enterprises_enterprise RESTART IDENTITY CASCADE")
        cur.execute("DELETE FROM crm_notification WHERE kind LIKE 'policy%%'", [])
        cur.execute("""
            INSERT INTO enterprises_enterprise (uscc, name, former_names, name_initials, street_id, community_id,
                address, legal_representative, established_on, status, industry_id, created_at, updated_at)
            SELECT 'B' || lpad(i::text, 17, '0'), '基准企业' || i, '[]'::jsonb, '', s.id, NULL, '', '',
                   DATE '2000-01-01' + (i * 7919 %% 9400), CASE WHEN i %% 20 = 0 THEN 'deregistered' ELSE 'active' END,
                   ind.id, now(), now()
            FROM generate_series(1, %s) i
            JOIN LATERAL (SELECT id FROM crm_street ORDER BY code OFFSET (i %% (SELECT count(*) FROM crm_street))
                          LIMIT 1) s ON true
            JOIN LATERAL (SELECT id FROM enterprises_industrycategory WHERE level = 'xiao'
                          ORDER BY code OFFSET (i * 31 %% 1380) LIMIT 1) ind ON true""", [N_FIRMS])
        cur.execute("""
            INSERT INTO enterprises_annualfigure (enterprise_id, year, revenue, output_value, employees, tax, source,
                updated_at)
            SELECT e.id, y, (e.id * 7333 %% 50000) / 10.0, NULL, e.id %% 900, NULL, 'bench', now()
            FROM enterprises_enterprise e CROSS JOIN (VALUES (2024), (2025)) v(y)""", [])
        cur.execute("""
            INSERT INTO enterprises_classification (enterprise_id, kind, category, year, valid_from, valid_to,
                certificate_no, exchange, stock_code, reason, source, created_at, updated_at)
            SELECT e.id, k.kind, k.category, k.year, k.valid_from, k.valid_to, '', '', '', '', 'bench', now(), now()
            FROM enterprises_enterprise e
            JOIN (VALUES ('sishang', 'industry', 2025, NULL::date, NULL::date, 11),
                         ('zjtx', 'provincial', 2024, DATE '2024-07-01', DATE '2027-06-30', 37),
                         ('zjtx', 'little_giant', 2023, DATE '2023-07-01', DATE '2026-06-30', 211),
                         ('gaoxin', '', 2023, DATE '2023-12-01', DATE '2026-11-30', 23),
                         ('listed', '', NULL, DATE '2020-01-01', NULL, 997))
                 k(kind, category, year, valid_from, valid_to, every) ON e.id %% k.every = 0""", [])
        cur.execute("ANALYZE")
    print(f"seeded {N_FIRMS} firms, figures and classifications in {time.perf_counter() - t0:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    seed(args.reseed)

    from crm.models import Role, User
    from enterprises.models import Enterprise
    from policies.matching import matching
    from policies.models import Delivery, Policy
    from policies.services import push

    print(f"firms: {Enterprise.objects.count()}")
    # PostgreSQL's JIT compiles this one-shot query's expressions (~0.3 s on these machines) for a plan that runs
    # in far less: both are measured; `jit = off` is a server/connection setting (see policies/README.md).
    for jit in ("on", "off"):
        with connection.cursor() as cur:
            cur.execute(f"SET jit = {jit}")
        timings, matched = [], 0
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            codes = list(matching(TREE).order_by().values_list("uscc", flat=True))
            timings.append(time.perf_counter() - t0)
            matched = len(codes)
        print(f"jit {jit}: match (one query, codes fetched): {matched} firms matched; best "
              f"{min(timings) * 1000:.0f} ms, median {statistics.median(timings) * 1000:.0f} ms over {args.repeat} runs")
        counts = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            matching(TREE).count()
            counts.append(time.perf_counter() - t0)
        print(f"jit {jit}: count (the editor's live number): best {min(counts) * 1000:.0f} ms, "
              f"median {statistics.median(counts) * 1000:.0f} ms")

    admin, _ = User.objects.get_or_create(username="bench_admin", defaults={"role": Role.ADMIN, "is_superuser": True})
    policy = Policy.objects.create(title="基准政策", issuer="基准", status=Policy.Status.OPEN, rules=TREE)
    try:
        t0 = time.perf_counter()
        result = push(policy, actor=admin)
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = push(policy, actor=admin)
        second = time.perf_counter() - t0
        print(f"push: {result['created']} tasks, {result['notified']} notifications in {first * 1000:.0f} ms; "
              f"re-push (nothing new: {again}) in {second * 1000:.0f} ms")
    finally:
        with connection.cursor() as cur:
            cur.execute("DELETE FROM crm_notification WHERE kind = 'policy_push'")
        Delivery.objects.filter(policy=policy).delete()
        policy.delete()


if __name__ == "__main__":
    main()
