"""rollup_targets --year 2026 [--period 2026-Q1|2026-03] [--street 440311006]: recompute target snapshots.

Safe to rerun for any past period: closed periods keep their reported figure and record a correction.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from crm.models import Street
from pipelines.services.rollup import parse_period, rollup


class Command(BaseCommand):
    help = "计算年度目标的月度/季度进度快照"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=None, help="年度，默认今年")
        parser.add_argument("--period", default="", help="只计算一个周期：2026-Q1 或 2026-03")
        parser.add_argument("--street", default="", help="只计算一个街道（区划代码）")

    def handle(self, *args, year=None, period="", street="", **options):
        year = year or timezone.localdate().year
        try:
            p = parse_period(period) if period else None
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if p and p.start.year != year:
            raise CommandError(f"周期 {period} 不在 {year} 年度内")
        street_id = None
        if street:
            street_obj = Street.objects.filter(code=street).first()
            if street_obj is None:
                raise CommandError(f"未找到街道 {street}")
            street_id = street_obj.pk
        count = rollup(year, period=p, street_id=street_id)
        self.stdout.write(f"已计算 {count} 个目标进度快照（{year}{' ' + p.label if p else ''}）")
