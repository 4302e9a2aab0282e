"""Name-list import bench (PostgreSQL). Prints figures; it is not a test.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_nl_bench .venv/bin/python bench/namelist_bench.py [--rows 100000]

Steps, each in a fresh subprocess so peak memory (ru_maxrss) is the step's own:
1. generate a realistic 四上 xlsx (title rows, 3 streets, ~0.5 % numeric codes, ~0.5 % wrong check chars, ~1 % dupes)
2. bare python-calamine read of the whole sheet
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


def generate(path: Path, rows: int, seed: int = 2025) -> None:
    from openpyxl import Workbook

    from enterprises.uscc import ALPHABET, check_char

    rng = random.Random(seed)
    streets = {"光明街道": ["光明", "碧眼", "东周", "白花", "翠湖", "迳口"], "玉塘街道": ["田寮", "玉律", "长圳", "红星"],
               "马田街道": ["薯田埔", "合水口", "根竹园", "马山头", "石围", "将围", "石家", "新庄"]}
    industries = ["3982", "3976", "3989", "3581", "2929", "3411", "4710", "5191", "5251", "6513", "7010", "6110", "6210",
                  "C3982", "3982 电子电路制造"]
    words = ["光电", "智能", "精密", "新材料", "医疗器械", "电子", "传感", "雾化", "模具", "新能源"]
    wb = Workbook(write_only=True)
    notes = wb.create_sheet("说明")
    notes.append(["本名录由区统计局提供，营业收入为快报数。"])
    ws = wb.create_sheet("名录")
    ws.append([f"2025年光明区规模以上企业名录（{rows}家）"])
    ws.append(["填报单位：光明区统计局", None, None, None, None, None, "单位：万元、人"])
    ws.append(["序 号", "统一社会信用代码", "单位详细名称", "行业代码", "所属街道", "所属社区", "营业收入（万元）", "从业人员期末人数"])
    previous = []
    for i in range(rows):
        body = "91440311" + "".join(rng.choice(ALPHABET) for _ in range(9))
        code: object = body + check_char(body)
        street = rng.choice(list(streets))
        row = [i + 1, code, f"深圳市{rng.choice(words)}{rng.choice(words)}科技有限公司{i:06d}", rng.choice(industries),
               street, rng.choice(streets[street]) + "社区", round(rng.uniform(500, 500000), 1), rng.randint(10, 5000)]
        roll = rng.random()
        if roll < 0.005:
            row[1] = float(int("914403" + "".join(rng.choice("0123456789") for _ in range(12))))
        elif roll < 0.01:
            row[1] = code[:-1] + ("0" if code[-1] != "0" else "1")
        elif roll < 0.02 and previous:
            row = list(rng.choice(previous))
        elif roll < 0.03:
            row[6] = f"{row[6]:,}"
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
        return lambda pct, note: phases.append((round(time.perf_counter() - t, 2), note))

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
    body = [r for r in sheet[3:] if isinstance(r[1], str) and is_valid(r[1])][:rows]
    dataset = tablib.Dataset(headers=["uscc", "name", "street"])
    for r in body:
        dataset.append([r[1].strip(), r[2], r[4]])
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
        cursor.execute("TRUNCATE enterprises_enterprise, namelists_importbatch RESTART IDENTITY CASCADE")
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--slice", type=int, default=10_000)
    parser.add_argument("--child", nargs="+")
    args = parser.parse_args()
    if args.child:
        step, *rest = args.child
        result = {"calamine": lambda: child_calamine(rest[0]), "import": lambda: child_import(rest[0]),
                  "iex": lambda: child_iex(rest[0], int(rest[1])), "reset": child_reset}[step]()
        print(json.dumps(result, ensure_ascii=False, default=str))
        return

    url = os.environ.get("DATABASE_URL", DEFAULT_DB)
    if not url.startswith("postgres"):
        raise SystemExit("this bench measures PostgreSQL: set DATABASE_URL=postgres://…")
    ensure_database(url)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"sishang_{args.rows}.xlsx"
    if not path.exists():
        t = time.perf_counter()
        generate(path, args.rows)
        print(f"generated {path.name} ({path.stat().st_size / 1048576:.1f} MB) in {time.perf_counter() - t:.1f} s")
    n = args.rows
    bare = min((run_child("calamine", str(path)) for _ in range(2)), key=lambda r: r["seconds"])
    print(f"bare calamine read:      {bare['seconds']:.2f} s  ({n / bare['seconds']:,.0f} rows/s, peak {bare['maxrss_mb']:.0f} MB)")

    run_child("reset")
    first = run_child("import", str(path))
    c = first["counts"]
    print(f"full import (new):       {first['seconds']:.2f} s  ({n / first['seconds']:,.0f} rows/s, "
          f"{first['seconds'] / bare['seconds']:.2f}× calamine, peak {first['maxrss_mb']:.0f} MB)  status={first['status']}")
    print("  phases (s since start → phase that begins): " + ", ".join(f"{s} {n}" for s, n in first["phases"]))
    print(f"  counts: rows={c.get('rows')} created={c.get('created')} updated={c.get('updated')} "
          f"unchanged={c.get('unchanged')} errors={c.get('errors')} duplicates={c.get('duplicates')}")
    again = run_child("import", str(path))
    c = again["counts"]
    print(f"re-import (unchanged):   {again['seconds']:.2f} s  ({n / again['seconds']:,.0f} rows/s, "
          f"{again['seconds'] / bare['seconds']:.2f}× calamine, peak {again['maxrss_mb']:.0f} MB)  "
          f"created={c.get('created')} updated={c.get('updated')} unchanged={c.get('unchanged')}")
    print("  phases: " + ", ".join(f"{s} {n}" for s, n in again["phases"]))

    part = OUT / f"sishang_slice_{args.slice}.xlsx"
    slice_file(path, part, args.slice)
    run_child("reset")
    iex = run_child("iex", str(part), str(args.slice))
    run_child("reset")
    ours = run_child("import", str(part))
    iex_rate = iex["rows"] / iex["seconds"]
    our_rate = ours["counts"]["rows"] / ours["seconds"]
    print(f"django-import-export ModelResource, {iex['rows']} rows: {iex['seconds']:.2f} s ({iex_rate:,.0f} rows/s)")
    print(f"namelists pipeline, same slice:     {ours['seconds']:.2f} s ({our_rate:,.0f} rows/s)  "
          f"→ {our_rate / iex_rate:.1f}× faster")
    goal_time = first["seconds"] <= 3 * bare["seconds"]
    goal_mem = max(first["maxrss_mb"], again["maxrss_mb"]) < 500
    print(f"goals: import ≤ 3× calamine: {'met' if goal_time else 'NOT met'}; re-import faster than import: "
          f"{'met' if again['seconds'] < first['seconds'] else 'NOT met'}; peak < 500 MB: {'met' if goal_mem else 'NOT met'}")


if __name__ == "__main__":
    main()
