"""The Chinese working-day calendar as services: working days, office hours, deadlines.

The rules:
- a date is a working day when it is marked 调休上班, or it is Monday–Friday and not marked 放假;
- a year is *official* when its CalendarYear row says so; a year without a row, or marked provisional, follows
  the Monday–Friday rule for its unmarked days and every answer about it carries `provisional=True`;
- office hours are a list of intervals (default 09:00–12:00, 14:00–18:00), close of business is the end of the
  last interval;
- N working days are counted from the next day and fall due at close of business of the Nth working day;
- N working hours are consumed inside office hours only, skipping nights, weekends and holidays.

All instants are computed in Asia/Shanghai (settings.TIME_ZONE); inputs may be in any offset.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache

STAMP_CACHE_KEY = "workcalendar:stamp"
LOCAL_TTL_SECONDS = 300  # embedded mode has no shared cache: other processes pick up edits within this time
MAX_SCAN_DAYS = 3 * 366  # a guard against a calendar that never has a working day


class CalendarError(ValueError):
    """Raised for input the calendar cannot answer (negative amounts, naive datetimes)."""


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def parse_office_hours(spec: str) -> tuple[tuple[dt.time, dt.time], ...]:
    """'09:00-12:00,14:00-18:00' → ((09:00, 12:00), (14:00, 18:00)), validated and ordered."""
    intervals = []
    for part in spec.split(","):
        start_s, _, end_s = part.strip().partition("-")
        start, end = dt.time.fromisoformat(start_s.strip()), dt.time.fromisoformat(end_s.strip())
        if end <= start:
            raise CalendarError(f"办公时间段无效：{part}")
        intervals.append((start, end))
    intervals.sort()
    for (_, prev_end), (next_start, _) in zip(intervals, intervals[1:]):
        if next_start < prev_end:
            raise CalendarError(f"办公时间段重叠：{spec}")
    if not intervals:
        raise CalendarError("未配置办公时间")
    return tuple(intervals)


@dataclass(frozen=True)
class DayInfo:
    date: dt.date
    kind: str  # "workday" | "weekend" | "holiday"
    name: str
    provisional: bool

    @property
    def is_working_day(self) -> bool:
        return self.kind == "workday"


@dataclass
class WorkCalendar:
    """An immutable snapshot of the calendar tables, cheap to query in loops."""

    special: dict[dt.date, tuple[str, str]] = field(default_factory=dict)  # date → (kind, name)
    official_years: frozenset[int] = frozenset()
    year_versions: dict[int, int] = field(default_factory=dict)
    office_hours: tuple[tuple[dt.time, dt.time], ...] = ()

    # --- days ---------------------------------------------------------------------------------------------
    def is_provisional(self, day: dt.date) -> bool:
        return day.year not in self.official_years

    def day_info(self, day: dt.date) -> DayInfo:
        kind_name = self.special.get(day)
        provisional = self.is_provisional(day)
        if kind_name:
            kind, name = kind_name
            return DayInfo(day, "workday" if kind == "workday" else "holiday", name, provisional)
        return DayInfo(day, "weekend" if day.weekday() >= 5 else "workday", "", provisional)

    def is_working_day(self, day: dt.date) -> bool:
        kind_name = self.special.get(day)
        if kind_name:
            return kind_name[0] == "workday"
        return day.weekday() < 5

    def next_working_day(self, day: dt.date, include_self: bool = False) -> dt.date:
        current = day if include_self else day + dt.timedelta(days=1)
        for _ in range(MAX_SCAN_DAYS):
            if self.is_working_day(current):
                return current
            current += dt.timedelta(days=1)
        raise CalendarError(f"{day} 之后 {MAX_SCAN_DAYS} 天内没有工作日")

    def version_for(self, day: dt.date) -> int:
        return self.year_versions.get(day.year, 0)

    # --- instants -----------------------------------------------------------------------------------------
    def _local(self, instant: dt.datetime) -> dt.datetime:
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise CalendarError("时间必须带时区")
        return instant.astimezone(local_tz())

    def _at(self, day: dt.date, t: dt.time) -> dt.datetime:
        return dt.datetime.combine(day, t, tzinfo=local_tz())

    def close_of_business(self, day: dt.date) -> dt.datetime:
        return self._at(day, self.office_hours[-1][1])

    def add_working_days(self, start: dt.datetime, days: int) -> dt.datetime:
        """Counted from the next day; due at close of business of the `days`-th working day."""
        if days < 0:
            raise CalendarError("工作日数不能为负数")
        if days == 0:
            return self.same_day_deadline(start)
        day = self._local(start).date()
        for _ in range(days):
            day = self.next_working_day(day)
        return self.close_of_business(day)

    def same_day_deadline(self, start: dt.datetime) -> dt.datetime:
        """不过夜: close of business of the arrival day if it is a working day and the office is still open,
        else close of business of the next working day."""
        local = self._local(start)
        day = local.date()
        if self.is_working_day(day) and local < self.close_of_business(day):
            return self.close_of_business(day)
        return self.close_of_business(self.next_working_day(day))

    def _intervals_from(self, start: dt.datetime):
        """Yield working intervals (aware datetimes) from `start` onwards, clipped at start."""
        local = self._local(start)
        day = local.date()
        for _ in range(MAX_SCAN_DAYS):
            if self.is_working_day(day):
                for open_t, close_t in self.office_hours:
                    begin, end = self._at(day, open_t), self._at(day, close_t)
                    if end <= local:
                        continue
                    yield max(begin, local), end
            day += dt.timedelta(days=1)
        raise CalendarError(f"{local.date()} 之后 {MAX_SCAN_DAYS} 天内没有办公时间")

    def add_working_minutes(self, start: dt.datetime, minutes: int) -> dt.datetime:
        if minutes < 0:
            raise CalendarError("工作时长不能为负数")
        remaining = dt.timedelta(minutes=minutes)
        if not remaining:
            return self._local(start)
        for begin, end in self._intervals_from(start):
            span = end - begin
            if remaining <= span:
                return begin + remaining
            remaining -= span
        raise AssertionError("unreachable")  # _intervals_from raises first

    def add_working_hours(self, start: dt.datetime, hours: float) -> dt.datetime:
        if hours < 0:
            raise CalendarError("工作小时数不能为负数")
        return self.add_working_minutes(start, round(hours * 60))

    def working_minutes_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Office-hour minutes in [start, end); negative when end is before start."""
        if end < start:
            return -self.working_minutes_between(end, start)
        total = dt.timedelta()
        end_local = self._local(end)
        for begin, close in self._intervals_from(start):
            if begin >= end_local:
                break
            total += min(close, end_local) - begin
        return int(total.total_seconds() // 60)

    def is_office_hours(self, instant: dt.datetime) -> bool:
        local = self._local(instant)
        if not self.is_working_day(local.date()):
            return False
        return any(open_t <= local.time() < close_t for open_t, close_t in self.office_hours)

    def next_office_opening(self, instant: dt.datetime) -> dt.datetime:
        """`instant` itself when the office is open, else the next opening."""
        begin, _ = next(self._intervals_from(instant))
        return begin

    def span_is_provisional(self, start: dt.datetime, end: dt.datetime) -> bool:
        """True when any year between the two instants is not official."""
        first, last = self._local(start).year, self._local(end).year
        return any(year not in self.official_years for year in range(first, last + 1))


# --- loading and caching -----------------------------------------------------------------------------------
_lock = threading.Lock()
_cached: tuple[object, float, WorkCalendar] | None = None


def load_calendar() -> WorkCalendar:
    from crm.models import CalendarYear, SpecialDay

    years = list(CalendarYear.objects.values_list("year", "status", "version"))
    return WorkCalendar(
        special={d: (k, n) for d, k, n in SpecialDay.objects.values_list("date", "kind", "name")},
        official_years=frozenset(y for y, s, _ in years if s == CalendarYear.Status.OFFICIAL),
        year_versions={y: v for y, _, v in years},
        office_hours=parse_office_hours(settings.OFFICE_HOURS),
    )


def get_calendar() -> WorkCalendar:
    """The current calendar, reloaded when an edit bumps the shared stamp or after LOCAL_TTL_SECONDS."""
    global _cached
    stamp = cache.get(STAMP_CACHE_KEY)
    now = time.monotonic()
    with _lock:
        if _cached and _cached[0] == stamp and now - _cached[1] < LOCAL_TTL_SECONDS:
            return _cached[2]
    calendar = load_calendar()
    with _lock:
        _cached = (stamp, now, calendar)
    return calendar


def invalidate_calendar() -> None:
    """Called after any change to CalendarYear or SpecialDay (signals) and by tests."""
    global _cached
    with _lock:
        _cached = None
    cache.set(STAMP_CACHE_KEY, time.time_ns(), None)


# --- module-level conveniences for the apps ------------------------------------------------------------------
def is_working_day(day: dt.date) -> bool:
    return get_calendar().is_working_day(day)


def day_info(day: dt.date) -> DayInfo:
    return get_calendar().day_info(day)


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    return get_calendar().add_working_days(start, days)


def add_working_hours(start: dt.datetime, hours: float) -> dt.datetime:
    return get_calendar().add_working_hours(start, hours)


def same_day_deadline(start: dt.datetime) -> dt.datetime:
    return get_calendar().same_day_deadline(start)


def working_minutes_between(start: dt.datetime, end: dt.datetime) -> int:
    return get_calendar().working_minutes_between(start, end)


def is_provisional(day: dt.date) -> bool:
    return get_calendar().is_provisional(day)
