"""Changing the calendar: seeding from the `chinese-calendar` package, and the next-year check."""

from __future__ import annotations

import datetime as dt

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

