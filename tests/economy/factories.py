"""Monthly files built in memory, and a small import helper."""

from __future__ import annotations

import json
from io import StringIO

from django.core.management import call_command

from tests.namelists.factories import xlsx_bytes

HEADERS = ["序号", "统一社会信用代码", "单位名称", "街道", "本月", "1—{m}月累计", "上年同期累计", "同比增长(%)"]


def monthly_xlsx(month: int, rows: list[tuple], *, sheet="规模以上工业", title=None, headers=None) -> bytes:
    """rows: (code, name, street name, 本月, 本年累计, 上年同期) with None for an empty cell."""
    title = title if title is not None else f"2026年1—{month}月规模以上工业企业工业总产值"
    header = [h.format(m=month) for h in (headers or HEADERS)]
    body = [[i, *row, None] for i, row in enumerate(rows, start=1)]
    return xlsx_bytes({sheet: [[title], ["单位：万元"], header, *body]})


def run_json(*args) -> dict:
    out = StringIO()
    call_command(*args, stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def import_file(tmp_path, data: bytes, month: str, *extra, name="monthly.xlsx") -> dict:
    path = tmp_path / name
    path.write_bytes(data)
    return run_json("import_namelist", str(path), "--list", "monthly", "--month", month, *extra)


def report(month: str, indicator: str = "industrial_output", *extra) -> dict:
    return run_json("economy", "report", "--month", month, "--indicator", indicator, *extra)
