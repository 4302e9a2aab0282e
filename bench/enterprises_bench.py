"""Enterprises bench on PostgreSQL: 100,000 firms and 500,000 visits (or --firms N --visits M), then p50/p95 of the
list, search (Chinese substring, pinyin initials, code prefix), enterprise 360° pages and the whole-street pages
(due visits, liaison coverage, uncovered firms, the home page's work lists) through Django's test Client, as a
manager, an officer and a district-wide user (goal p95 < 200 ms), and of the selectors behind the whole-street pages.

Usage (a throwaway database; migrated, then filled set-based with COPY and INSERT … SELECT generate_series):
    psql -h 127.0.0.1 -U postgres -c 'create database crm_ent_bench'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_ent_bench .venv/bin/python bench/enterprises_bench.py [--reseed] [--requests 40] [--firms 100000] [--visits 500000]

An already seeded database is reused unless --reseed is given. `--firms 1000000 --visits 5000000` is the city
scale of issue 17 (use a database of its own: seeding takes minutes).
"""

from __future__ import annotations

import argparse
import io
import os
import random
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
from django.db import connection, transaction
from django.test import Client

N_FIRMS = 100_000
N_VISITS = 500_000
WORDS = ["星河", "华鑫", "光启", "明辉", "瑞丰", "宏达", "鼎盛", "新创", "联科", "恒通", "海润", "嘉信", "安泰", "博远",
         "天成", "志高", "汇德", "锐捷", "中恒", "金洲", "凯盛", "思远", "拓普", "精诚", "晶源", "和泰", "易达", "同创",
         "永恒", "美达", "英特", "泰升", "云图", "智芯", "卓越", "宝龙", "盛世", "奥林", "长兴", "伟业", "光明", "凤凰",
         "玉律", "马田", "东周", "翠湖", "白花", "楼村", "圳美", "塘尾", "甲子", "田寮", "长圳", "红星", "石围", "合水",
         "根竹", "新庄", "将石", "迳口", "碧眼", "公明", "上村", "下村", "西田", "李松", "东坑", "塘家", "新羌", "薯田",
         "鸿鹄", "峰值", "蓝海", "北辰", "南极", "西湖", "东方", "中科", "国芯", "华强"]
SUFFIXES = ["电子科技", "光电科技", "精密机械", "塑胶制品", "五金制品", "自动化设备", "软件技术", "集成电路",
            "贸易", "商贸", "餐饮管理", "物业管理", "建筑工程", "检测技术", "新材料", "生物医药"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def seed(reseed: bool) -> None:
    from crm import demo as crm_demo
    from crm.models import Role, Street, User
    from enterprises.models import Enterprise
    from enterprises.pinyin import name_initials
    from enterprises.uscc import ALPHABET, check_char

    call_command("migrate", verbosity=0)
    crm_demo.load()
    existing = Enterprise.objects.count()
    if existing >= N_FIRMS and not reseed:
        print(f"reusing seeded database: {existing} firms")
        return
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("TRUNCATE enterprises_visit_officers, enterprises_visitproblem, enterprises_visitattachment, "
                    "enterprises_visit, enterprises_liaisonassignment, enterprises_classification, "
                    "enterprises_annualfigure, enterprises_enterprisecontact, enterprises_enterprise_clusters, "
                    "enterprises_enterprise RESTART IDENTITY CASCADE")
    streets = list(Street.objects.order_by("code"))
    officers = {}
    for s in streets:
        officers[s.pk], _ = User.objects.get_or_create(
            username=f"bench_officer_{s.code}", defaults={"role": Role.OFFICER, "street": s, "last_name": "基准"})
    rng = random.Random(4754)
    initials = {w: name_initials(w) for w in WORDS + SUFFIXES + ["深圳市", "有限公司"]}
    communities: dict[int, list[int]] = {}
    with connection.cursor() as cur:
        cur.execute("SELECT street_id, id FROM crm_community")
        for street_id, cid in cur.fetchall():
            communities.setdefault(street_id, []).append(cid)
        cur.execute("SELECT id, code FROM enterprises_industrycategory WHERE level = 'xiao'")
        industries = [row[0] for row in cur.fetchall()]
    buf = io.StringIO()
    for i in range(N_FIRMS):
        w1, w2, suffix = rng.choice(WORDS), rng.choice(WORDS), rng.choice(SUFFIXES)
        name = f"深圳市{w1}{w2}{suffix}有限公司"
        init = initials["深圳市"] + initials[w1] + initials[w2] + initials[suffix] + initials["有限公司"]
        body = "91440300" + "".join(ALPHABET[(i // 31 ** k) % 31] for k in range(9))[::-1]
        body = body[:17]
        street = streets[i % len(streets)]
        comm = rng.choice(communities.get(street.pk, [None])) if communities.get(street.pk) else None
        buf.write("\t".join([
            body + check_char(body), name, "[]", init, str(street.pk), r"\N" if comm is None else str(comm),
            f"深圳市光明区{street.name}{rng.randint(1, 300)}号", "", "active", str(rng.choice(industries)),
            "2026-01-01 00:00:00+00", "2026-01-01 00:00:00+00",
        ]) + "\n")
    buf.seek(0)
    with transaction.atomic(), connection.cursor() as cur:
        with cur.copy("COPY enterprises_enterprise (uscc, name, former_names, name_initials, street_id, community_id, "
                      "address, legal_representative, status, industry_id, created_at, updated_at) FROM STDIN") as cp:
            while chunk := buf.read(1 << 20):
                cp.write(chunk)
        cur.execute("CREATE TEMP TABLE bench_ids AS SELECT row_number() OVER (ORDER BY e.id) AS rn, e.id, e.street_id, "
                    "u.id AS officer_id FROM enterprises_enterprise e JOIN crm_user u ON u.username = "
                    "'bench_officer_' || (SELECT code FROM crm_street s WHERE s.id = e.street_id)")
        cur.execute("CREATE UNIQUE INDEX ON bench_ids (rn)")
        cur.execute("SELECT count(*) FROM bench_ids")
        n = cur.fetchone()[0]
        # 四上 for 2024 and 2025 (10 %), 专精特新 (2 %), 规下抽样 (3 %), contacts for every firm.
        cur.execute("""INSERT INTO enterprises_classification (enterprise_id, kind, category, year, certificate_no,
                       exchange, stock_code, reason, source, created_at, updated_at)
                       SELECT id, 'sishang', 'industry', y, '', '', '', '', 'bench', now(), now()
                       FROM bench_ids, (VALUES (2024), (2025)) ys(y) WHERE rn % 10 = 0""")
        cur.execute("""INSERT INTO enterprises_classification (enterprise_id, kind, category, year, valid_from, valid_to,
                       certificate_no, exchange, stock_code, reason, source, created_at, updated_at)
                       SELECT id, 'zjtx', 'provincial', 2024, '2024-07-01', '2027-06-30', '', '', '', '', 'bench', now(), now()
                       FROM bench_ids WHERE rn % 50 = 3""")
        cur.execute("""INSERT INTO enterprises_classification (enterprise_id, kind, category, year, certificate_no,
                       exchange, stock_code, reason, source, created_at, updated_at)
                       SELECT id, 'sampled', '', 2025, '', '', '', '', 'bench', now(), now() FROM bench_ids WHERE rn % 33 = 7""")
        cur.execute("""INSERT INTO enterprises_enterprisecontact (enterprise_id, name, title, phone, email, is_primary)
                       SELECT id, '联系人', '经理', '138' || lpad((rn % 100000000)::text, 8, '0'), '', true FROM bench_ids""")
        # Liaisons for 40 % of firms.
        cur.execute("""INSERT INTO enterprises_liaisonassignment (enterprise_id, officer_id, team_role, start_date,
                       note, created_at) SELECT id, officer_id, 'service_officer', '2024-01-01', '', now()
                       FROM bench_ids WHERE rn % 5 < 2""")
        # 500k visits over two years, spread over the firms; one officer each.
        cur.execute("""INSERT INTO enterprises_visit (enterprise_id, date, people_met, topics, notes, created_by_id,
                       created_at)
                       SELECT b.id, current_date - (g %% 730), '总经理', '["business", "labour"]', '了解经营情况',
                              b.officer_id, now()
                       FROM generate_series(1, %s) g JOIN bench_ids b ON b.rn = 1 + (g::bigint * 7919) %% %s""",
                    [N_VISITS, n])
        cur.execute("""INSERT INTO enterprises_visit_officers (visit_id, user_id)
                       SELECT id, created_by_id FROM enterprises_visit""")
        cur.execute("""INSERT INTO enterprises_visitproblem (visit_id, description, category, created_at)
                       SELECT id, '厂房租金上涨', 'space', now() FROM enterprises_visit WHERE id % 20 = 0""")
    # Raw inserts send no signals: the bulk writer re-derives the firms' standing itself, set-based.
    from enterprises.services.standing import refresh_coverage_flags, refresh_last_visits

    t1 = time.perf_counter()
    with transaction.atomic():
        visited, flagged = refresh_last_visits(), refresh_coverage_flags()
    print(f"derived standing (last visit of {visited} firms, flags of {flagged}) in {time.perf_counter() - t1:.1f} s")
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE enterprises_enterprise")
        cur.execute("ANALYZE")
    print(f"seeded {N_FIRMS} firms and {N_VISITS} visits in {time.perf_counter() - t0:.1f} s")


def measure(client: Client, label: str, urls: list[str]) -> tuple[str, float, float, int]:
    for url in urls[:3]:
        client.get(url, HTTP_HOST="localhost")
    times = []
    for url in urls:
        t = time.perf_counter()
        response = client.get(url, HTTP_HOST="localhost")
        times.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return label, statistics.median(times), percentile(times, 0.95), len(times)


def main() -> None:
    global N_FIRMS, N_VISITS
    parser = argparse.ArgumentParser()
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--firms", type=int, default=N_FIRMS, help="firms to seed (default 100,000)")
    parser.add_argument("--visits", type=int, default=None, help="visits to seed (default 5 per firm)")
    args = parser.parse_args()
    N_FIRMS, N_VISITS = args.firms, args.visits if args.visits is not None else 5 * args.firms
    if connection.vendor != "postgresql":
        sys.exit("This bench runs on PostgreSQL: set DATABASE_URL=postgres://…")
    seed(args.reseed)
    from crm.models import Role, Street, User
    from crm.permissions import MANAGEMENT_ROLES, user_has_role
    from enterprises import selectors
    from enterprises.models import Enterprise
    from enterprises.selectors import COVERAGE_KINDS, encode_cursor

    street = Street.objects.get(code="440311006")
    manager = User.objects.get(username="manager")
    officer = User.objects.get(username="bench_officer_440311006")
    # A district-wide user of the registry (区级领导 reads economy and dashboards, not the registry's lists).
    district = User.objects.get(username="admin")
    rng = random.Random(7)
    k = args.requests
    print(f"firms={Enterprise.objects.count()}, in 马田街道={Enterprise.objects.filter(street=street).count()}, "
          f"requests per case={k}")
    print(f"{'case':58} {'p50 ms':>8} {'p95 ms':>8} {'n':>4}")
    for user in (manager, officer, district):
        client = Client()
        client.force_login(user)
        firms = list(Enterprise.objects.visible_to(user).values_list("pk", "name", "uscc")[:5000])
        sample = [firms[rng.randrange(len(firms))] for _ in range(k)]
        deep = [encode_cursor(name, pk) for pk, name, _ in sample]
        words = [rng.choice(WORDS) for _ in range(k)]
        pairs = [rng.choice(WORDS) + rng.choice(WORDS) for _ in range(k)]
        cases = [
            ("list, first page", ["/enterprises/"] * k),
            ("list, deep pages (keyset cursor)", [f"/enterprises/?after={c}" for c in deep]),
            ("list, 四上 2025 filter", ["/enterprises/?kind=sishang&year=2025"] * k),
            ("list, no liaison + not visited 90 days", ["/enterprises/?no_liaison=1&not_visited_days=90"] * k),
            ("search, Chinese 2 chars (common)", [f"/enterprises/?q={w}" for w in words]),
            ("search, Chinese 4 chars (rare)", [f"/enterprises/?q={p}" for p in pairs]),
            ("search, code prefix (12 chars)", [f"/enterprises/?q={u[:12]}" for _, _, u in sample]),
            ("search, pinyin initials", [f"/enterprises/?q=szs{Enterprise.objects.get(pk=pk).name_initials[3:7]}"
                                         for pk, _, _ in sample[:k]]),
            ("autocomplete (visit form)", [f"/enterprises/autocomplete/?q={p}" for p in pairs]),
            ("enterprise 360° page", [f"/enterprises/{pk}/" for pk, _, _ in sample]),
        ]
        # The whole-street pages (issue 17: under 200 ms p95 at 1,000,000 firms too). An officer sees the due
        # visits of the firms they serve; coverage is a management page.
        cases.append(("due visits (page)", ["/enterprises/due/"] * k))
        if user_has_role(user, MANAGEMENT_ROLES):
            cases += [
                ("due visits, whole street (page)", ["/enterprises/due/?mine=0"] * k),
                ("coverage page (+ uncovered, officer load)", ["/enterprises/coverage/"] * k),
                ("uncovered firms by kind (coverage page)",
                 [f"/enterprises/coverage/?kind={COVERAGE_KINDS[i % len(COVERAGE_KINDS)]}" for i in range(k)]),
            ]
        cases.append(("home page (work lists)", ["/"] * k))
        role = "district" if user.street_id is None else user.role
        for label, urls in cases:
            name, p50, p95, n = measure(client, f"{role:9} {label}", urls)
            flag = "" if p95 < 200 else "  (over goal)"
            print(f"{name:58} {p50:8.1f} {p95:8.1f} {n:4}{flag}", flush=True)
        for label, call in (("coverage()", lambda: selectors.coverage(user)),
                            ("uncovered_firms()", lambda: selectors.uncovered_firms(user)),
                            ("due_visits()", lambda: selectors.due_visits(
                                user, officer=user if user.role == Role.OFFICER else None))):
            times = []
            for _ in range(k):
                t = time.perf_counter()
                call()
                times.append((time.perf_counter() - t) * 1000)
            print(f"{role:9} {'selector ' + label:48} {statistics.median(times):8.1f} "
                  f"{percentile(times, 0.95):8.1f} {k:4}", flush=True)


if __name__ == "__main__":
    main()
