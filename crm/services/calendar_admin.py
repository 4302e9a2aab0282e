"""Changing the calendar: seeding from the `chinese-calendar` package, the next-year check, and the
administrator's edits (one day, a year's status, a whole year's published schedule typed or pasted from the State
Council notice). Every edit takes an explicit `actor` and is refused unless the actor is an administrator."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext

from crm.services.workcalendar import invalidate_calendar

# chinese-calendar names its holidays in English; users read Chinese.
HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}
PACKAGE_SOURCE = "chinese-calendar {version}（国务院办公厅放假安排）"


def package_years() -> list[int]:
    import chinese_calendar

    return sorted({d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays})


def seed_from_package(apps=None) -> dict[str, int]:
    """Load every year the package covers as official. Idempotent; keeps administrators' extra days.

    `apps` is the migration registry when called from a data migration.
    """
    import chinese_calendar

    if apps is None:
        from crm.models import CalendarYear, SpecialDay
    else:
        CalendarYear = apps.get_model("crm", "CalendarYear")
        SpecialDay = apps.get_model("crm", "SpecialDay")
    version = getattr(chinese_calendar, "__version__", "")
    rows: dict[dt.date, tuple[str, str]] = {}
    for day, name in chinese_calendar.holidays.items():
        rows[day] = ("holiday", HOLIDAY_NAMES_ZH.get(name, name or ""))
    for day, name in chinese_calendar.workdays.items():
        rows[day] = ("workday", HOLIDAY_NAMES_ZH.get(name, name or "") + "调休" if name else "调休上班")
    created = updated = 0
    with transaction.atomic():
        existing = {d.date: d for d in SpecialDay.objects.filter(date__in=rows.keys())}
        new = []
        for day, (kind, name) in rows.items():
            row = existing.get(day)
            if row is None:
                new.append(SpecialDay(date=day, kind=kind, name=name))
            elif (row.kind, row.name) != (kind, name):
                row.kind, row.name = kind, name
                row.save(update_fields=["kind", "name"])
                updated += 1
        SpecialDay.objects.bulk_create(new)
        created = len(new)
        for year in sorted({d.year for d in rows}):
            obj, was_created = CalendarYear.objects.get_or_create(
                year=year, defaults={"status": "official", "source": PACKAGE_SOURCE.format(version=version)}
            )
            if not was_created and obj.status != "official":
                obj.status = "official"
                obj.source = PACKAGE_SOURCE.format(version=version)
                obj.version = F("version") + 1
                obj.save(update_fields=["status", "source", "version", "updated_at"])
    if apps is None:
        invalidate_calendar()
    return {"created": created, "updated": updated, "years": len({d.year for d in rows})}


def next_year_warning(today: dt.date) -> str | None:
    """From 1 October on, warn while next year's schedule is not official."""
    from crm.models import CalendarYear

    if today.month < 10:
        return None
    next_year = today.year + 1
    if CalendarYear.objects.filter(year=next_year, status=CalendarYear.Status.OFFICIAL).exists():
        return None
    return gettext(
        "%(year)s 年放假安排尚未录入，节假日按暂定规则（周一至周五上班）计算，相关期限均标注为“暂定”。"
        "国务院办公厅公布后请在“工作日历”中录入并设为正式。"
    ) % {"year": next_year}


def warn_admins_if_next_year_provisional(today: dt.date) -> int:
    """Notify administrators (in-app and email) once a week while next year is still provisional from 1 October."""
    from django.db.models import Q

    from crm.models import Role, User
    from crm.services.notifications import Message, notify

    warning = next_year_warning(today)
    if warning is None:
        return 0
    iso_year, iso_week, _ = today.isocalendar()
    admins = User.objects.filter(Q(role=Role.ADMIN) | Q(is_superuser=True), is_active=True)
    message = Message(
        key=f"calendar-provisional:{today.year + 1}:{iso_year}-W{iso_week:02d}", kind="calendar_provisional",
        title=f"{today.year + 1} 年放假安排尚未录入", body=warning, url="/calendar/",
    )
    return notify(admins, message)



# --- edits by an administrator ------------------------------------------------------------------------------------
# Every edit bumps the year's version once (SLA clocks record the version they were computed with) and is followed
# by one preview of the moved deadlines (the registry's calendar follow-ups), never a silent move.


class ScheduleError(ValueError):
    """Input an administrator must correct; the message is for the user (Chinese). Nothing was changed."""


@dataclass(frozen=True)
class ScheduleDay:
    date: dt.date
    kind: str  # SpecialDay.Kind value
    name: str = ""


def _require_admin(actor) -> None:
    from crm.permissions import ADMIN_ROLES, user_has_role

    if not user_has_role(actor, ADMIN_ROLES):
        raise PermissionDenied(gettext("只有系统管理员可以修改工作日历。"))


def _touch_year(year: int) -> None:
    from crm.models import CalendarYear

    CalendarYear.objects.get_or_create(year=year)
    CalendarYear.objects.filter(year=year).update(version=F("version") + 1)


def save_special_day(*, actor, date: dt.date, kind: str, name: str = ""):
    """Add or change one special day (放假 or 调休上班)."""
    from crm.models import SpecialDay

    _require_admin(actor)
    if kind not in SpecialDay.Kind.values:
        raise ScheduleError(gettext("类型无效：只能是“放假”或“调休上班”。"))
    if not 2000 <= date.year <= 2100:
        raise ScheduleError(gettext("日期应在 2000–2100 年之间。"))
    with transaction.atomic():
        day, _ = SpecialDay.objects.update_or_create(date=date, defaults={"kind": kind, "name": name.strip()[:50]})
        _touch_year(date.year)
    return day


def delete_special_day(*, actor, day) -> int:
    """Remove a special day; returns its year."""
    _require_admin(actor)
    year = day.date.year
    with transaction.atomic():
        day.delete()
        _touch_year(year)
    return year


def save_year(*, actor, year: int, status: str, source: str = ""):
    from crm.models import CalendarYear

    _require_admin(actor)
    if not 2000 <= year <= 2100:
        raise ScheduleError(gettext("年份应在 2000–2100 之间"))
    if status not in CalendarYear.Status.values:
        raise ScheduleError(gettext("年度状态无效。"))
    with transaction.atomic():
        row, _ = CalendarYear.objects.update_or_create(year=year, defaults={"status": status, "source": source[:200]})
        CalendarYear.objects.filter(pk=row.pk).update(version=F("version") + 1)
    row.refresh_from_db()
    return row


def replace_year_schedule(*, actor, year: int, days: list[ScheduleDay], official: bool = True,
                          source: str = "") -> dict[str, int]:
    """Enter a year's published schedule at once: the year's special days become exactly `days` (other years are
    untouched), the year is marked official (or left provisional) and its version moves once. All or nothing."""
    from crm.models import CalendarYear, SpecialDay

    _require_admin(actor)
    if not days:
        raise ScheduleError(gettext("没有识别到任何日期，未做修改。"))
    outside = sorted({d.date for d in days if d.date.year != year})
    if outside:
        raise ScheduleError(gettext("%(dates)s 不在 %(year)s 年内，未做修改。") % {
            "dates": "、".join(f"{d:%Y-%m-%d}" for d in outside), "year": year})
    seen: dict[dt.date, ScheduleDay] = {}
    for day in days:
        if day.date in seen and seen[day.date].kind != day.kind:
            raise ScheduleError(gettext("%(date)s 既是放假又是上班，请检查后重试。") % {"date": f"{day.date:%Y-%m-%d}"})
        seen[day.date] = day
    with transaction.atomic():
        before = {d.date: (d.kind, d.name) for d in SpecialDay.objects.filter(date__year=year)}
        SpecialDay.objects.filter(date__year=year).exclude(date__in=seen.keys()).delete()
        for day in seen.values():
            if before.get(day.date) != (day.kind, day.name):
                SpecialDay.objects.update_or_create(date=day.date, defaults={"kind": day.kind, "name": day.name[:50]})
        status = CalendarYear.Status.OFFICIAL if official else CalendarYear.Status.PROVISIONAL
        row, _ = CalendarYear.objects.get_or_create(year=year)
        CalendarYear.objects.filter(pk=row.pk).update(
            status=status, source=(source or row.source)[:200], version=F("version") + 1)
    invalidate_calendar()
    return {
        "holidays": sum(d.kind == SpecialDay.Kind.HOLIDAY for d in seen.values()),
        "workdays": sum(d.kind == SpecialDay.Kind.WORKDAY for d in seen.values()),
        "added": len(set(seen) - set(before)),
        "removed": len(set(before) - set(seen)),
        "changed": sum(1 for d in seen.values() if d.date in before and before[d.date] != (d.kind, d.name)),
    }


# --- reading the State Council notice -----------------------------------------------------------------------------
_WEEKDAYS = "一二三四五六日"
_DATE = r"(?:(?P<{p}y>\d{{4}})年)?(?:(?P<{p}m>\d{{1,2}})月)?(?P<{p}d>\d{{1,2}})日(?:[（(](?P<{p}note>[^）)]*)[）)])?"
_RANGE_RE = re.compile(_DATE.format(p="a") + r"\s*(?:至|到|—|－|-|~)\s*" + _DATE.format(p="b"))
_ONE_RE = re.compile(_DATE.format(p="a"))
_ISO_LINE_RE = re.compile(r"^\s*(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?\s*(放假|休息|休|上班|调休上班|班)?\s*(.*)$")
_ITEM_RE = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、.．]|\d+[、.．])?\s*([^：:。，,]{1,20})[：:]\s*(.*)$")
_COUNT_RE = re.compile(r"共\s*(\d+)\s*天")


def _weekday_of(note: str | None) -> int | None:
    match = re.search(r"(?:周|星期)([一二三四五六日天])", note or "")
    if not match:
        return None
    return 6 if match.group(1) == "天" else _WEEKDAYS.index(match.group(1))


def _make_date(match, prefix: str, year: int, month: int | None, line: str) -> dt.date:
    y = int(match.group(f"{prefix}y") or year)
    m = int(match.group(f"{prefix}m") or month or 0)
    if not m:
        raise ScheduleError(gettext("“%(text)s”缺少月份。") % {"text": line.strip()[:40]})
    try:
        day = dt.date(y, m, int(match.group(f"{prefix}d")))
    except ValueError:
        raise ScheduleError(gettext("“%(text)s”中的日期不存在。") % {"text": match.group(0)}) from None
    weekday = _weekday_of(match.group(f"{prefix}note"))
    if weekday is not None and weekday != day.weekday():
        raise ScheduleError(gettext("%(date)s 是星期%(real)s，通知写的是周%(said)s：请核对年份（%(year)s）或日期。") % {
            "date": f"{day:%Y-%m-%d}", "real": _WEEKDAYS[day.weekday()], "said": _WEEKDAYS[weekday], "year": year})
    return day


def parse_schedule(text: str, year: int) -> list[ScheduleDay]:
    """Read a year's special days from what an administrator pasted or typed, in either form (mixed is fine):

    - the State Council notice (国务院办公厅关于××年部分节假日安排的通知), e.g.
      "一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。" — every day of a 放假 range is a
      holiday, every date of a 上班 sentence a make-up working day; the weekday in brackets and "共N天" are
      checked, so a notice pasted under the wrong year is refused;
    - one day a line: "2027-01-01 放假 元旦" or "2027-02-07 上班 春节调休".
    Raises ScheduleError (Chinese, naming the line) on anything it cannot read."""
    from crm.models import SpecialDay

    days: list[ScheduleDay] = []
    name = ""
    for raw in re.split(r"[\r\n]+", text or ""):
        line = raw.strip()
        if not line:
            continue
        iso = _ISO_LINE_RE.match(line)
        if iso:
            y, m, d, word, label = iso.groups()
            try:
                date = dt.date(int(y), int(m), int(d))
            except ValueError:
                raise ScheduleError(gettext("“%(text)s”中的日期不存在。") % {"text": line[:40]}) from None
            if not word:
                raise ScheduleError(gettext("“%(text)s”没有写明“放假”还是“上班”。") % {"text": line[:40]})
            kind = SpecialDay.Kind.WORKDAY if "班" in word else SpecialDay.Kind.HOLIDAY
            days.append(ScheduleDay(date, kind, label.strip()))
            continue
        item = _ITEM_RE.match(line)
        if item and not re.search(r"\d+月\d+日", item.group(1)):
            name, line = item.group(1).strip(), item.group(2)
        for sentence in re.split(r"[。；;]", line):
            if "放假" in sentence:
                days += _holidays_in(sentence, year, name, raw)
            elif "上班" in sentence:
                month = None
                for match in _ONE_RE.finditer(sentence):
                    day = _make_date(match, "a", year, month, raw)
                    month = day.month
                    days.append(ScheduleDay(day, SpecialDay.Kind.WORKDAY, f"{name}调休" if name else "调休上班"))
    return days


def _holidays_in(sentence: str, year: int, name: str, raw: str) -> list[ScheduleDay]:
    from crm.models import SpecialDay

    span = _RANGE_RE.search(sentence)
    if span:
        start = _make_date(span, "a", year, None, raw)
        end_year = int(span.group("by") or start.year)
        end_month = int(span.group("bm") or start.month)
        if not span.group("by") and end_month < start.month:  # 12月31日至1月2日
            end_year += 1
        end = _make_date(span, "b", end_year, end_month, raw)
        if end < start or (end - start).days > 15:
            raise ScheduleError(gettext("“%(text)s”的放假起止日期不合理。") % {"text": span.group(0)})
        dates = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    else:
        one = _ONE_RE.search(sentence)
        if not one:
            raise ScheduleError(gettext("“%(text)s”中没有找到放假日期。") % {"text": sentence.strip()[:40]})
        dates = [_make_date(one, "a", year, None, raw)]
    count = _COUNT_RE.search(sentence)
    if count and int(count.group(1)) != len(dates):
        raise ScheduleError(gettext("“%(text)s”写明共%(said)s天，起止日期却是%(real)s天。") % {
            "text": sentence.strip()[:40], "said": count.group(1), "real": len(dates)})
    return [ScheduleDay(d, SpecialDay.Kind.HOLIDAY, name) for d in dates]
