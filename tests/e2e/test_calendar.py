"""The working-day calendar in a real browser: it fits a 1366 px screen and a 390 px phone, and an
administrator pastes a year's notice, previews it in the month grid and confirms it once."""

from __future__ import annotations

import datetime as dt

import pytest

from crm.models import CalendarYear, SpecialDay

pytestmark = [pytest.mark.django_db(transaction=True)]

NOTICE = ("一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。\n"
          "二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。")


def test_the_calendar_fits_the_screen_and_takes_a_pasted_notice(page, login, admin_user):
    for year in range(2004, 2028):  # the old page drew one link per year in a strip
        CalendarYear.objects.get_or_create(year=year)
    SpecialDay.objects.filter(date__year=2026).delete()
    login(admin_user)
    page.goto("/calendar/?year=2026")
    page.shot("calendar")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    december = page.locator(".cal-month").nth(11).bounding_box()
    assert december["x"] + december["width"] <= page.viewport_size["width"]
    if page.size_name == "desktop":  # four months across: the whole year is three rows, no strip above it
        assert page.locator(".cal-month").nth(3).bounding_box()["y"] == page.locator(".cal-month").first.bounding_box()["y"]
    page.fill("textarea[name=text]", NOTICE)
    page.click("#schedule button")
    page.wait_for_load_state("networkidle")
    page.shot("calendar-preview")
    assert "放假 12 天，调休上班 3 天" in page.content()
    assert not SpecialDay.objects.filter(date__year=2026).exists()
    page.click("#schedule-preview button")
    page.wait_for_load_state("networkidle")
    page.shot("calendar-saved")
    assert "/appeals/recompute/" in page.url
    assert SpecialDay.objects.get(date=dt.date(2026, 2, 28)).kind == "workday"
