"""Name-list import bench (PostgreSQL). Prints figures; it is not a test.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_nl_bench .venv/bin/python bench/namelist_bench.py [--rows 100000]

Steps, each in a fresh subprocess so peak memory (ru_maxrss) is the step's own; steps 2–4 run --repeat times in turns
and the best run of each counts (these machines' speed drifts by ±25 % within minutes):
1. generate a realistic 四上 xlsx (title rows, 3 streets, ~0.5 % numeric codes, ~0.5 % wrong check chars, ~1 % dupes),
   in two shapes: "wide", the ~30 columns of the bureau's 名录库 export (the goal's file: calamine reads it at the
   issue's reference rate, ~31,000 rows/s), and "narrow", the 8 columns of the public sample
2. bare python-calamine read of the whole workbook
3. full import (read, validate, dedupe, diff, upsert, record changes) into an emptied registry
4. re-import of the same file (nothing changes)
5. django-import-export's default ModelResource path on a 10,000-row slice vs our pipeline on the same slice
The database named in DATABASE_URL is created if missing, migrated, and its enterprise tables are emptied.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/crm_nl_bench"
OUT = ROOT / "var" / "bench"


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DATABASE_URL", DEFAULT_DB)
    import django

    django.setup()


# ------------------------------------------------------------------------------------------------- generation


# The statistics bureau's 名录库 export carries about 30 columns per firm; the import maps nine of them. The issue's
# reference rates (python-calamine ~31,000 rows/s, openpyxl read-only ~2,900 rows/s on these machines) are those
# of such a file: on an 8-column file calamine reads ~120,000 rows/s and openpyxl ~8,600.
WIDE_HEADER = ["序号", "统一社会信用代码", "组织机构代码", "单位详细名称", "法定代表人（单位负责人）", "行政区划代码", "所属街道",
               "所属社区", "详细地址", "邮政编码", "长途区号", "固定电话", "移动电话", "行业代码", "行业名称", "登记注册类型",
               "控股情况", "隶属关系", "开业（成立）时间", "营业状态", "执行会计标准类别", "机构类型", "单位规模", "专业类别",
               "从业人员期末人数", "营业收入（万元）", "资产总计（万元）", "应交增值税（万元）", "报表类别", "备注"]
NARROW_HEADER = ["序 号", "统一社会信用代码", "单位详细名称", "行业代码", "所属街道", "所属社区", "营业收入（万元）", "从业人员期末人数"]


def generate(path: Path, rows: int, wide: bool = True, seed: int = 2025) -> None:
    """A 四上 list as the bureau sends it: title and unit rows, a notes sheet first, ~0.5 % codes stored as numbers,
    ~0.5 % wrong check characters, ~1 % repeated firms, ~1 % numbers as text with thousands separators, a footnote."""
    from openpyxl import Workbook

    from enterprises.uscc import ALPHABET, check_char

    rng = random.Random(seed)
    streets = {"光明街道": ["光明", "碧眼", "东周", "白花", "翠湖", "迳口"], "玉塘街道": ["田寮", "玉律", "长圳", "红星"],
               "马田街道": ["薯田埔", "合水口", "根竹园", "马山头", "石围", "将围", "石家", "新庄"]}
    industries = ["3982", "3976", "3989", "3581", "2929", "3411", "4710", "5191", "5251", "6513", "7010", "6110", "6210",
                  "C3982", "3982 电子电路制造"]
    words = ["光电", "智能", "精密", "新材料", "医疗器械", "电子", "传感", "雾化", "模具", "新能源"]
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
    wb = Workbook(write_only=True)
    notes = wb.create_sheet("说明")
    notes.append(["本名录由区统计局提供，营业收入为快报数。"])
    ws = wb.create_sheet("名录")
    ws.append([f"2025年光明区规模以上企业名录（{rows}家）"])
    ws.append(["填报单位：光明区统计局", None, None, None, None, None, "单位：万元、人"])
    ws.append(WIDE_HEADER if wide else NARROW_HEADER)
    code_col, revenue_col = 1, (25 if wide else 6)
    previous = []
    for i in range(rows):
        body = "91440311" + "".join(rng.choice(ALPHABET) for _ in range(9))
        code: object = body + check_char(body)
        street = rng.choice(list(streets))
        community = rng.choice(streets[street]) + "社区"
        name = f"深圳市{rng.choice(words)}{rng.choice(words)}科技有限公司{i:06d}"
        industry = rng.choice(industries)
        revenue = round(rng.uniform(500, 500000), 1)
        employees = rng.randint(10, 5000)
        if wide:
            org_code = body[8:16] + "-" + str(rng.randint(0, 9))
            legal_rep = rng.choice(surnames) + rng.choice("伟芳娜敏静强磊军洋勇")
            row = [i + 1, code, org_code, name, legal_rep,
                   "440311" + rng.choice(("001", "005", "006")) + "000", street, community,
                   f"深圳市光明区{street}{community}{rng.choice(words)}路{rng.randint(1, 300)}号", "518107", "0755",
                   f"2{rng.randint(1000000, 9999999)}", f"13{rng.randint(100000000, 999999999)}", industry, "电子电路制造",
                   "有限责任公司", "私人控股", "其他", f"{rng.randint(1995, 2023)}年{rng.randint(1, 12)}月", "营业",
                   "企业会计准则制度", "企业", rng.choice(("大型", "中型", "小型", "微型")), "工业", employees, revenue,
                   round(revenue * rng.uniform(0.5, 3), 1), round(revenue * 0.03, 1), "B103-1", None]
        else:
            row = [i + 1, code, name, industry, street, community, revenue, employees]
        roll = rng.random()
        if roll < 0.005:
            row[code_col] = float(int("914403" + "".join(rng.choice("0123456789") for _ in range(12))))
        elif roll < 0.01:
            row[code_col] = code[:-1] + ("0" if code[-1] != "0" else "1")
        elif roll < 0.02 and previous:
            row = list(rng.choice(previous))
        elif roll < 0.03:
            row[revenue_col] = f"{row[revenue_col]:,}"
        previous.append(row)
        if len(previous) > 50:
            previous.pop(0)
        ws.append(row)
    ws.append([])
    ws.append(["注：1. 名录按统一社会信用代码排序；2. 营业收入为快报数。"])
    wb.save(path)


# ------------------------------------------------------------------------------------------------- child steps


def child_calamine(path: str) -> dict:
    from python_calamine import CalamineWorkbook

    t = time.perf_counter()
    wb = CalamineWorkbook.from_path(path)
    total = 0
    for name in wb.sheet_names:
        total += len(wb.get_sheet_by_name(name).to_python(skip_empty_area=False))
    return {"seconds": time.perf_counter() - t, "rows": total, "maxrss_mb": maxrss_mb()}


def child_import(path: str) -> dict:
    setup_django()
    from namelists import services

    data = Path(path).read_bytes()
    phases = []
    t = time.perf_counter()

    def progress_for(batch_id):
        def record(pct, note):  # when each phase begins: a phase's repeated progress reports are not new phases
            if not phases or phases[-1][1] != note:
                phases.append((round(time.perf_counter() - t, 2), note))

        return record

    services._progress_for = progress_for  # record when each phase starts
    batch = services.create_batch(None, data, Path(path).name, "sishang", 2025)
    phases.append((round(time.perf_counter() - t, 2), "header detected"))
    batch = services.commit_batch(batch.pk)
    seconds = time.perf_counter() - t
    phases.append((round(seconds, 2), "committed"))
    return {"seconds": seconds, "status": batch.status, "message": batch.message, "counts": batch.counts,
            "maxrss_mb": maxrss_mb(), "phases": phases}


def child_iex(path: str, rows: int) -> dict:
    """django-import-export's default path: a ModelResource keyed by uscc, import_data() row by row."""
    setup_django()
    import tablib
    from import_export import fields, resources, widgets
    from python_calamine import CalamineWorkbook

    from crm.models import Street
    from enterprises.models import Enterprise
    from enterprises.uscc import is_valid

    class EnterpriseResource(resources.ModelResource):
        street = fields.Field(attribute="street", column_name="street", widget=widgets.ForeignKeyWidget(Street, "name"))

        class Meta:
            model = Enterprise
            import_id_fields = ("uscc",)
            fields = ("uscc", "name", "street")

    sheet = CalamineWorkbook.from_path(path).get_sheet_by_name("名录").to_python()
    header = sheet[2]
    code, name, street = (header.index(h) for h in ("统一社会信用代码", "单位详细名称", "所属街道"))
    body = [r for r in sheet[3:] if isinstance(r[code], str) and is_valid(r[code])][:rows]
    dataset = tablib.Dataset(headers=["uscc", "name", "street"])
    for r in body:
        dataset.append([r[code].strip(), r[name], r[street]])
    t = time.perf_counter()
    result = EnterpriseResource().import_data(dataset, dry_run=False, raise_errors=False)
    seconds = time.perf_counter() - t
    return {"seconds": seconds, "rows": len(body), "errors": result.has_errors(), "maxrss_mb": maxrss_mb()}


def child_reset() -> dict:
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from crm.demo import load

    load()
    with connection.cursor() as cursor:
        # The change log keys its batch and firm without database constraints, so CASCADE does not reach it.
        cursor.execute("TRUNCATE enterprises_enterprise, namelists_importbatch, namelists_importchange "
                       "RESTART IDENTITY CASCADE")
        cursor.execute("TRUNCATE enterprises_historicalenterprise")
    return {"ok": True}


def slice_file(path: Path, out: Path, rows: int) -> None:
    from openpyxl import Workbook
    from python_calamine import CalamineWorkbook

    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("名录").to_python()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("名录")
    for row in sheet[: 3 + rows]:
        ws.append(row)
    wb.save(out)


def run_child(*args) -> dict:
    env = {**os.environ, "DATABASE_URL": os.environ.get("DATABASE_URL", DEFAULT_DB), "DEBUG": "1"}
    proc = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, env=env, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"step {args[0]} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def measure_shape(shape: str, rows: int, repeat: int) -> dict:
    path = OUT / f"sishang_{shape}_{rows}.xlsx"
    if not path.exists():
        t = time.perf_counter()
        run_child("generate", str(path), str(rows), shape)
        print(f"generated {path.name} ({path.stat().st_size / 1048576:.1f} MB) in {time.perf_counter() - t:.1f} s")
    n = rows
    # These shared machines' speed drifts by ±25 % within minutes, so each figure is the best of `repeat` runs,
    # taken in turns (read, import, re-import, read, …) so that a slow spell hits both sides of the ratio.
    bares, firsts, agains = [], [], []
    for _ in range(repeat):
        bares.append(run_child("calamine", str(path)))
        run_child("reset")
        firsts.append(run_child("import", str(path)))
        agains.append(run_child("import", str(path)))
    fastest = lambda runs: min(runs, key=lambda r: r["seconds"])  # noqa: E731
    bare, first, again = fastest(bares), fastest(firsts), fastest(agains)
    print("runs (s): calamine " + ", ".join(f"{r['seconds']:.2f}" for r in bares) + "; import "
          + ", ".join(f"{r['seconds']:.2f}" for r in firsts) + "; re-import "
          + ", ".join(f"{r['seconds']:.2f}" for r in agains))
    print(f"bare calamine read:      {bare['seconds']:.2f} s  ({n / bare['seconds']:,.0f} rows/s, peak {bare['maxrss_mb']:.0f} MB)")
    c = first["counts"]
    print(f"full import (new):       {first['seconds']:.2f} s  ({n / first['seconds']:,.0f} rows/s, "
          f"{first['seconds'] / bare['seconds']:.2f}× calamine, peak {first['maxrss_mb']:.0f} MB)  status={first['status']}")
    print("  phases (s since start → phase that begins): " + ", ".join(f"{s} {n}" for s, n in first["phases"]))
    print(f"  counts: rows={c.get('rows')} created={c.get('created')} updated={c.get('updated')} "
          f"unchanged={c.get('unchanged')} errors={c.get('errors')} duplicates={c.get('duplicates')}")
    c = again["counts"]
    print(f"re-import (unchanged):   {again['seconds']:.2f} s  ({n / again['seconds']:,.0f} rows/s, "
          f"{again['seconds'] / bare['seconds']:.2f}× calamine, peak {again['maxrss_mb']:.0f} MB)  "
          f"created={c.get('created')} updated={c.get('updated')} unchanged={c.get('unchanged')}")
    print("  phases: " + ", ".join(f"{s} {n}" for s, n in again["phases"]))
    return {"path": path, "bare": bare, "first": first, "again": again, "firsts": firsts, "agains": agains}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--slice", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the best one counts")
    parser.add_argument("--shape", choices=("wide", "narrow", "both"), default="both",
                        help="wide: the bureau's ~30-column 名录 (the goal's file); narrow: the 8 columns of the public sample")
    parser.add_argument("--child", nargs="+")
    args = parser.parse_args()
    if args.child:
        step, *rest = args.child
        result = {"calamine": lambda: child_calamine(rest[0]), "import": lambda: child_import(rest[0]),
                  "iex": lambda: child_iex(rest[0], int(rest[1])), "reset": child_reset,
                  "generate": lambda: generate(Path(rest[0]), int(rest[1]), wide=rest[2] == "wide") or {}}[step]()
        print(json.dumps(result, ensure_ascii=False, default=str))
        return

    url = os.environ.get("DATABASE_URL", DEFAULT_DB)
    if not url.startswith("postgres"):
        raise SystemExit("this bench measures PostgreSQL: set DATABASE_URL=postgres://…")
    ensure_database(url)
    OUT.mkdir(parents=True, exist_ok=True)
    shapes = ("wide", "narrow") if args.shape == "both" else (args.shape,)
    results = {}
    for shape in shapes:
        label = "30 columns, as the statistics bureau sends it" if shape == "wide" else "8 columns, as the public sample"
        print(f"\n== {args.rows:,}-row 四上 list, {label} ==")
        results[shape] = measure_shape(shape, args.rows, args.repeat)

    source = results.get("narrow", results[shapes[0]])["path"]
    part = OUT / f"sishang_slice_{args.slice}.xlsx"
    slice_file(source, part, args.slice)
    run_child("reset")
    iex = run_child("iex", str(part), str(args.slice))
    run_child("reset")
    ours = run_child("import", str(part))
    iex_rate = iex["rows"] / iex["seconds"]
    our_rate = ours["counts"]["rows"] / ours["seconds"]
    print(f"\ndjango-import-export ModelResource, {iex['rows']} rows: {iex['seconds']:.2f} s ({iex_rate:,.0f} rows/s)")
    print(f"namelists pipeline, same slice:     {ours['seconds']:.2f} s ({our_rate:,.0f} rows/s)  "
          f"→ {our_rate / iex_rate:.1f}× faster")
    print()
    for shape, r in results.items():
        first, again, bare = r["first"], r["again"], r["bare"]
        ratio = first["seconds"] / bare["seconds"]
        peak = max(run["maxrss_mb"] for run in (*r["firsts"], *r["agains"]))
        rate = args.rows / bare["seconds"]
        if shape == "wide":
            # The goal's file: the reference read rate (~31,000 rows/s, "about 10 s" for 3×) is this shape's.
            print(f"goals, wide file: import ≤ 3× calamine: {'met' if ratio <= 3 else 'NOT met'} ({ratio:.2f}×, "
                  f"{first['seconds']:.1f} s); re-import faster than import: "
                  f"{'met' if again['seconds'] < first['seconds'] else 'NOT met'} ({again['seconds']:.1f} s); "
                  f"peak < 500 MB: {'met' if peak < 500 else 'NOT met'} ({peak:.0f} MB)")
        else:
            # calamine reads 8 columns ~4× faster than the goal's reference rate, while the database's work per firm
            # is the same: the ratio is shown for information, not held to the goal.
            print(f"for information, narrow file (calamine {rate:,.0f} rows/s, not the goal's ~31,000): import "
                  f"{ratio:.2f}× calamine ({first['seconds']:.1f} s); re-import {again['seconds']:.1f} s; "
                  f"peak < 500 MB: {'met' if peak < 500 else 'NOT met'} ({peak:.0f} MB)")


if __name__ == "__main__":
    main()
