"""Read queries of the crm pages."""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from dataclasses import dataclass

from crm.services.workcalendar import WorkCalendar

MONTH_NAMES = ("1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月")


@dataclass(frozen=True)
class Cell:
    date: dt.date
    css: str  # "holiday", "workday" (调休上班), "weekend", "" (an ordinary working day)
    name: str
    in_month: bool
    today: bool


def year_grid(year: int, calendar: WorkCalendar, *, special: dict[dt.date, tuple[str, str]] | None = None,
              today: dt.date | None = None) -> list[tuple[str, list[list[Cell]]]]:
    """Twelve month grids (weeks from Monday, as Chinese calendars print them). `special` overrides the stored
    special days (a schedule being previewed before it is saved)."""
    marks = calendar.special if special is None else special
    weeks_of = pycalendar.Calendar(firstweekday=0)
    months = []
    for month in range(1, 13):
        weeks = []
        for week in weeks_of.monthdatescalendar(year, month):
            row = []
            for day in week:
                kind, name = marks.get(day, ("", ""))
                if not kind and day.weekday() >= 5:
                    kind = "weekend"
                row.append(Cell(day, kind, name, day.month == month, day == today))
            weeks.append(row)
        months.append((MONTH_NAMES[month - 1], weeks))
    return months
