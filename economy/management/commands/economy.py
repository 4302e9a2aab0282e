"""economy report --month YYYY-MM --indicator NAME [--street CODE] [--top N]

The last line of output is one JSON object (see economy/README.md). A month with no data, an unknown indicator or a
malformed month prints one line on stderr and exits 2.
"""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from crm.models import Street
from economy import selectors
from economy.importing import parse_indicator, parse_month


class Refused(Exception):
    pass


class Command(BaseCommand):
    help = "经济运行监测：economy report 输出某月某指标的总量、增速、拉动与街道排名（JSON）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        report = sub.add_parser("report", help="月度报告（最后一行为 JSON）")
        report.add_argument("--month", required=True, help="YYYY-MM")
        report.add_argument("--indicator", required=True,
                            help="industrial_output, revenue, retail_sales, construction_output")
        report.add_argument("--street", help="街道区划代码（9 位）；不填为全区")
        report.add_argument("--top", default="10", help="拉动/拖累前 N 名（默认 10）")

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except Refused as exc:
            self.stderr.write(f"错误：{exc}")
            sys.exit(2)

    def handle(self, *args, action, month, indicator, street=None, top="10", **options):
        try:
            month_date = parse_month(month)
            indicator = parse_indicator(indicator)
        except ValueError as exc:
            raise Refused(str(exc)) from None
        try:
            top_n = int(top)
            if not 1 <= top_n <= 1000:
                raise ValueError
        except ValueError:
            raise Refused(f"--top “{top}”无效，应为 1–1000 的整数") from None
        street_id = None
        if street:
            street_id = Street.objects.filter(code=street.strip()).values_list("id", flat=True).first()
            if street_id is None:
                raise Refused(f"街道代码“{street}”不存在")
        if not selectors.month_has_data(month_date, indicator, street_id):
            where = f"街道 {street} " if street else ""
            raise Refused(f"{where}{month_date:%Y-%m} 没有“{indicator}”的月度数据")
        result = selectors.report(month_date, indicator, street_id, top_n)
        self.stdout.write(json.dumps(result, ensure_ascii=False))
