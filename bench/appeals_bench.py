"""Appeals bench on PostgreSQL: 500,000 appeals with their clocks, the SLA dashboard p50/p95 as a manager
(goal < 300 ms) and one reminder sweep over all open clocks (goal < 5 s).

Usage (a throwaway database; it is migrated and filled set-based with INSERT … SELECT generate_series):
    psql -h 127.0.0.1 -U postgres -c 'create database crm_ap_bench'
    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_ap_bench .venv/bin/python bench/appeals_bench.py [N]
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

N = next((int(a) for a in sys.argv[1:] if a.isdigit()), 500_000)


def seed(n: int) -> None:
    from appeals.models import Appeal
    from crm import demo as crm_demo
    from enterprises.models import Enterprise

    crm_demo.load()
    if Appeal.objects.count() >= n:
        print(f"already seeded: {Appeal.objects.count()} appeals")
        return
    with connection.cursor() as cur:
        cur.execute("SELECT id FROM crm_street WHERE code = '440311006'")
        street_id = cur.fetchone()[0]
        if Enterprise.objects.filter(street_id=street_id).count() < 2000:
            # 2,000 firms: USCC-shaped unique keys (validators are not the point of this bench).
            cur.execute("""
                INSERT INTO enterprises_enterprise (uscc, name, former_names, name_initials, street_id, address,
                    legal_representative, status, created_at, updated_at)
                SELECT '91440300BENCH' || lpad(g::text, 5, '0'), '基准测试企业' || g, '[]', '', %s, '', '',
                       'active', now(), now()
                FROM generate_series(1, 2000) g ON CONFLICT (uscc) DO NOTHING""", [street_id])
        cur.execute("SELECT id FROM crm_user WHERE username = 'officer'")
        officer_id = cur.fetchone()[0]
        cur.execute("SELECT min(id), max(id) FROM enterprises_enterprise WHERE street_id = %s", [street_id])
        e_min, e_max = cur.fetchone()
        cur.execute("SELECT array_agg(id) FROM crm_community WHERE street_id = %s", [street_id])
        communities = cur.fetchone()[0]
        cur.execute("SELECT array_agg(id ORDER BY id) FROM appeals_appealcategory")
        categories = cur.fetchone()[0]
        cur.execute("SELECT array_agg(id ORDER BY id) FROM crm_department")
        departments = cur.fetchone()[0]
        t0 = time.perf_counter()
        # Two years of appeals; ~6 % still open, the rest closed with first-round outcomes.
        cur.execute("""
            INSERT INTO appeals_appeal (street_id, community_id, enterprise_id, category_id, source, urgency, title,
                description, contact_name, contact_phone, officer_id, status, received_at, lead_department_id,
                answer, resolved_at, closed_at, round, escalated, has_breach, followup_required, response_outcome,
                resolution_outcome, followed_up, satisfaction, created_at)
            SELECT %(street)s, (%(communities)s::bigint[])[1 + g %% array_length(%(communities)s::bigint[], 1)],
                   %(emin)s + g %% (%(emax)s - %(emin)s + 1),
                   (%(categories)s::bigint[])[1 + g %% array_length(%(categories)s::bigint[], 1)],
                   'visit', 'normal', '基准诉求' || g, '基准诉求内容', '', '', %(officer)s,
                   CASE WHEN g %% 17 = 0 THEN 'in_progress' ELSE 'closed' END,
                   now() - (g * interval '2 years' / %(n)s),
                   CASE WHEN g %% 3 = 0 THEN (%(depts)s::bigint[])[1 + g %% array_length(%(depts)s::bigint[], 1)] END,
                   '', CASE WHEN g %% 17 <> 0 THEN now() - (g * interval '2 years' / %(n)s) + interval '2 days' END,
                   CASE WHEN g %% 17 <> 0 THEN now() - (g * interval '2 years' / %(n)s) + interval '3 days' END,
                   1, g %% 170 = 0, g %% 17 <> 0 AND (g %% 10 = 0 OR g %% 9 = 0), true,
                   CASE WHEN g %% 10 = 0 THEN 'breached' ELSE 'met' END,
                   CASE WHEN g %% 17 = 0 THEN '' WHEN g %% 9 = 0 THEN 'breached' WHEN g %% 11 = 0
                        THEN 'met_extended' ELSE 'met' END,
                   g %% 17 <> 0, CASE WHEN g %% 17 = 0 THEN '' WHEN g %% 13 = 0 THEN 'unsatisfied'
                        ELSE 'satisfied' END,
                   now()
            FROM generate_series(1, %(n)s) g""",
                    {"street": street_id, "communities": communities, "emin": e_min, "emax": e_max,
                     "categories": categories, "officer": officer_id, "n": n, "depts": departments})
        # Three clocks per appeal (sign, response, resolution); running ones for the open appeals.
        cur.execute("""
            INSERT INTO appeals_slaclock (appeal_id, metric, round, target, started_at, due_at, warn_at,
                escalate_at, state, met_at, breached_at, policy_version, calendar_version, provisional,
                due_version, warned_version, breach_notified)
            SELECT a.id, m.metric, 1, m.target, a.received_at, a.received_at + m.span,
                   a.received_at + m.span * 0.75, a.received_at + m.span + interval '1 day',
                   CASE WHEN a.status = 'closed' THEN 'met' ELSE 'running' END,
                   CASE WHEN a.status = 'closed' THEN a.received_at + m.span / 2 END, NULL, 1, '', false,
                   1, 0, false
            FROM appeals_appeal a
            CROSS JOIN (VALUES ('sign', '2wh', interval '2 hours'), ('response', 'same_day', interval '8 hours'),
                               ('resolution', '3wd', interval '5 days')) AS m(metric, target, span)
            WHERE a.title LIKE '基准诉求%%'""")
        print(f"seeded {n} appeals and {3 * n} clocks in {time.perf_counter() - t0:.1f} s")
    with connection.cursor() as cur:
        cur.execute("ANALYZE appeals_appeal; ANALYZE appeals_slaclock")


def bench_dashboard(runs: int = 40) -> None:
    from crm.models import User

    # What autovacuum does after a bulk load or the previous run's cold sweep: fresh statistics and visibility map.
    with connection.cursor() as cur:
        for table in ("appeals_appeal", "appeals_slaclock", "crm_notification"):
            cur.execute(f"VACUUM ANALYZE {table}")
    client = Client()
    client.force_login(User.objects.get(username="manager"))
    urls = ["/appeals/dashboard/", "/appeals/dashboard/?by=department", "/appeals/dashboard/?by=officer",
            "/appeals/dashboard/?by=community", "/appeals/dashboard/?by=street"]
    for url in urls:  # warm up
        assert client.get(url, HTTP_HOST="127.0.0.1").status_code == 200
    timings = []
    for i in range(runs):
        t0 = time.perf_counter()
        response = client.get(urls[i % len(urls)], HTTP_HOST="127.0.0.1")
        timings.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
    timings.sort()
    p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
    print(f"dashboard as manager over {runs} requests: p50 {statistics.median(timings):.0f} ms, p95 {p95:.0f} ms"
          f" (goal < 300 ms)")
    t0 = time.perf_counter()
    client.get("/appeals/?kpi=resolution_met", HTTP_HOST="127.0.0.1")
    print(f"drill-down list first page: {(time.perf_counter() - t0) * 1000:.0f} ms")


def prepare_cold_sweep() -> int:
    """Put every open bench appeal back to "nothing swept yet", with a third of its clocks past the warning share
    but not yet due and the rest past due and past escalation, delete their reminders, and give every bench firm
    a liaison officer: the worst case, where every open clock crosses a threshold at once. Returns the number of
    running clocks the sweep will see."""
    from crm.models import User

    with connection.cursor() as cur:
        cur.execute("SELECT street_id FROM crm_user WHERE username = 'officer'")
        street_id = cur.fetchone()[0]
        User.objects.get_or_create(username="bench_liaison", defaults={
            "role": "officer", "street_id": street_id, "last_name": "基准", "first_name": "挂点"})
        cur.execute("""
            INSERT INTO enterprises_liaisonassignment (enterprise_id, officer_id, team_role, start_date, note,
                                                       created_at)
            SELECT e.id, u.id, 'service_officer', DATE '2020-01-01', '', now()
            FROM enterprises_enterprise e, crm_user u
            WHERE e.uscc LIKE '91440300BENCH%' AND u.username = 'bench_liaison'
            ON CONFLICT DO NOTHING""")
        cur.execute("""
            UPDATE appeals_slaclock c SET state = 'running', breached_at = NULL, breach_notified = false,
                   escalated_at = NULL, warned_version = 0,
                   due_at = CASE WHEN mod(c.appeal_id, 3) = 0 THEN now() + interval '1 day' ELSE c.due_at END,
                   warn_at = CASE WHEN mod(c.appeal_id, 3) = 0 THEN now() - interval '1 hour' ELSE c.warn_at END,
                   escalate_at = CASE WHEN mod(c.appeal_id, 3) = 0 THEN now() + interval '2 days'
                                      ELSE c.due_at + interval '1 day' END
            FROM appeals_appeal a
            WHERE a.id = c.appeal_id AND a.title LIKE '基准诉求%' AND a.status <> 'closed'""")
        cur.execute("""
            UPDATE appeals_appeal SET escalated = false, has_breach = false, response_outcome = '',
                   resolution_outcome = ''
            WHERE title LIKE '基准诉求%' AND status <> 'closed'""")
        cur.execute("DELETE FROM crm_notification WHERE key LIKE 'appeal-clock:%'")
        for table in ("appeals_appeal", "appeals_slaclock", "crm_notification"):
            cur.execute(f"VACUUM ANALYZE {table}")
        cur.execute("SELECT count(*) FROM appeals_slaclock WHERE state = 'running'")
        return cur.fetchone()[0]


def bench_sweep() -> None:
    from appeals import services
    from crm.models import Notification

    running = prepare_cold_sweep()
    t0 = time.perf_counter()
    cold = services.sweep(now=timezone.now())
    first = time.perf_counter() - t0
    print(f"reminder sweep, cold worst case: {running} running clocks swept (every open clock crosses a threshold"
          f" at once) in {first:.2f} s (goal < 5 s) · {cold}")
    t0 = time.perf_counter()
    steady = services.sweep(now=timezone.now())
    second = time.perf_counter() - t0
    running = SlaClockCount()
    print(f"reminder sweep, steady state (nothing new to send): {running} running clocks in {second:.2f} s"
          f" (goal < 5 s) · {steady}")
    print(f"reminder rows now in the inbox: {Notification.objects.filter(key__startswith='appeal-clock:').count()}")


def SlaClockCount() -> int:  # noqa: N802
    from appeals.models import SlaClock

    return SlaClock.objects.filter(state="running").count()


if __name__ == "__main__":
    if connection.vendor != "postgresql":
        sys.exit("run this bench on PostgreSQL (set DATABASE_URL)")
    call_command("migrate", verbosity=0)
    seed(N)
    # Figures depend on what else the machine is doing: print the load next to them.
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    if "--seed-only" in sys.argv:
        sys.exit(0)
    # The sweep first: the dashboard is then measured as it runs in service, with the sweep keeping up.
    if "--dashboard-only" not in sys.argv:
        bench_sweep()
    if "--sweep-only" not in sys.argv:
        bench_dashboard()
