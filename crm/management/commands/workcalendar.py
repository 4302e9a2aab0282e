"""`workcalendar`: what kind of day is it, and when is something due?

    python manage.py workcalendar check 2026-02-14
    python manage.py workcalendar due --from 2026-02-13T10:00:00+08:00 --days 3
    python manage.py workcalendar due --from 2026-02-13T17:30:00+08:00 --hours 2
    python manage.py workcalendar seed

Bad input prints one clear line and exits 2.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from crm.services import calendar_admin
from crm.services.workcalendar import CalendarError, get_calendar, local_tz

KIND_LABELS = {"workday": "工作日", "weekend": "周末", "holiday": "节假日"}


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=2)


def parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise _fail(f"无法识别的日期：{value!r}（应为 YYYY-MM-DD） / unparseable date") from None


def parse_instant(value: str) -> dt.datetime:
    try:
        instant = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise _fail(f"无法识别的时间：{value!r}（应为 ISO 8601，如 2026-02-13T10:00:00+08:00） / unparseable time") from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=local_tz())
    return instant


def parse_amount(value: str, *, integer: bool) -> Decimal:
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise _fail(f"无法识别的数量：{value!r} / not a number") from None
    if not amount.is_finite():
        raise _fail(f"无法识别的数量：{value!r} / not a number")
    if amount < 0:
        raise _fail(f"数量不能为负数：{value} / negative amount")
    if integer and amount != amount.to_integral_value():
        raise _fail(f"工作日数必须是整数：{value} / days must be a whole number")
    return amount


class Command(BaseCommand):
    help = "工作日历：查询某天是否工作日、计算到期时间、从 chinese-calendar 载入放假安排。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="某天是工作日、周末还是节假日")
        check.add_argument("date")
        due = sub.add_parser("due", help="从某时刻起加 N 个工作日或工作小时后的到期时间")
        due.add_argument("--from", dest="start", default=None, help="起算时刻（ISO 8601），默认现在")
        amount = due.add_mutually_exclusive_group(required=True)
        amount.add_argument("--days", default=None)
        amount.add_argument("--hours", default=None)
        sub.add_parser("seed", help="从 chinese-calendar 包载入其覆盖的所有年份（正式）")
        sub.add_parser("status", help="各年度日历状态")

    def handle(self, *args, **options):
        action = options["action"]
        if action == "check":
            return self.check_day(parse_date(options["date"]))
        if action == "due":
            return self.due(options)
        if action == "seed":
            result = calendar_admin.seed_from_package()
            self.stdout.write(f"已载入 {result['years']} 个年度：新增 {result['created']} 天，更新 {result['updated']} 天")
            return None
        if action == "status":
            return self.status()
        raise _fail(f"未知操作：{action}")

    def check_day(self, day: dt.date) -> None:
        info = get_calendar().day_info(day)
        parts = [day.isoformat(), info.kind, KIND_LABELS[info.kind]]
        if info.name:
            parts.append(info.name)
        if info.provisional:
            parts.append("provisional（暂定：该年放假安排尚未正式录入）")
        self.stdout.write(" ".join(parts))

    def due(self, options) -> None:
        start = parse_instant(options["start"]) if options["start"] else timezone.now()
        calendar = get_calendar()
        try:
            if options["days"] is not None:
                due = calendar.add_working_days(start, int(parse_amount(options["days"], integer=True)))
            else:
                hours = parse_amount(options["hours"], integer=False)
                due = calendar.add_working_minutes(start, int((hours * 60).to_integral_value()))
        except CalendarError as exc:
            raise _fail(str(exc)) from None
        line = due.isoformat()
        if calendar.span_is_provisional(start, due):
            line += " provisional"
        self.stdout.write(line)

    def status(self) -> None:
        from crm.models import CalendarYear

        for year in CalendarYear.objects.all():
            self.stdout.write(f"{year.year} {year.status} v{year.version} {year.source}")
