"""The working-day calendar on real 2025–2026 dates, seeded from chinese-calendar by the migration."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from crm.models import CalendarYear, SpecialDay
from crm.services import workcalendar as wc
from crm.services.calendar_admin import next_year_warning

TZ = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


@pytest.mark.parametrize(
    "day, kind",
    [
        (dt.date(2026, 2, 14), "workday"),  # Sat, make-up working day before Spring Festival
        (dt.date(2026, 2, 28), "workday"),  # Sat, make-up working day after it
        (dt.date(2026, 2, 16), "holiday"),  # 除夕 eve holiday, a Monday
        (dt.date(2026, 2, 23), "holiday"),
        (dt.date(2026, 2, 24), "workday"),
        (dt.date(2025, 9, 28), "workday"),  # Sun, make-up working day before National Day 2025
        (dt.date(2025, 10, 11), "workday"),  # Sat, make-up working day after it
        (dt.date(2025, 10, 8), "holiday"),
        (dt.date(2026, 3, 7), "weekend"),
        (dt.date(2026, 3, 9), "workday"),
    ],
)
def test_real_2025_2026_days_are_classified(day, kind):
    info = wc.day_info(day)
    assert info.kind == kind
    assert info.provisional is False


def test_a_year_the_package_does_not_cover_is_provisional_and_follows_monday_to_friday():
    info = wc.day_info(dt.date(2027, 10, 1))  # a Friday; 2027's schedule is not published yet
    assert info.provisional is True
    assert info.kind == "workday"
    assert wc.day_info(dt.date(2027, 10, 2)).kind == "weekend"


def test_working_days_count_from_the_next_day_across_spring_festival():
    assert wc.add_working_days(at(2026, 2, 13, 10), 3) == at(2026, 2, 25, 18)
    assert wc.add_working_days(at(2026, 2, 13, 10), 1) == at(2026, 2, 14, 18)


def test_working_days_across_national_day_2025():
    # Tue 30 Sep + 1 working day: 1–8 Oct are holidays, Thu 9 Oct is the next working day.
    assert wc.add_working_days(at(2025, 9, 30, 9), 1) == at(2025, 10, 9, 18)
    assert wc.add_working_days(at(2025, 9, 30, 9), 3) == at(2025, 10, 11, 18)  # Sat 11 Oct works


def test_working_hours_skip_nights_and_use_make_up_saturdays():
    assert wc.add_working_hours(at(2026, 2, 13, 17, 30), 2) == at(2026, 2, 14, 10, 30)
    assert wc.add_working_hours(at(2026, 2, 13, 10), 2) == at(2026, 2, 13, 12)
    # Lunch break is not working time.
    assert wc.add_working_hours(at(2026, 3, 9, 11), 2) == at(2026, 3, 9, 15)
    # Starting at night counts from the next opening.
    assert wc.add_working_hours(at(2026, 3, 9, 22), 1) == at(2026, 3, 10, 10)


def test_working_minutes_between_two_instants():
    assert wc.working_minutes_between(at(2026, 2, 13, 17), at(2026, 2, 14, 10)) == 120
    assert wc.working_minutes_between(at(2026, 3, 9, 9), at(2026, 3, 9, 18)) == 7 * 60
    assert wc.working_minutes_between(at(2026, 3, 9, 18), at(2026, 3, 9, 9)) == -7 * 60


def test_same_day_deadline_is_close_of_business_or_the_next_working_day():
    assert wc.same_day_deadline(at(2026, 2, 13, 10)) == at(2026, 2, 13, 18)
    assert wc.same_day_deadline(at(2026, 2, 13, 19)) == at(2026, 2, 14, 18)
    assert wc.same_day_deadline(at(2026, 2, 15, 10)) == at(2026, 2, 24, 18)


def test_instants_in_other_offsets_are_converted_to_beijing_time():
    utc = dt.datetime(2026, 2, 13, 2, 0, tzinfo=dt.timezone.utc)  # 10:00 in Beijing
    assert wc.add_working_hours(utc, 2) == at(2026, 2, 13, 12)


def test_negative_amounts_and_naive_datetimes_are_refused():
    with pytest.raises(wc.CalendarError):
        wc.add_working_days(at(2026, 2, 13, 10), -1)
    with pytest.raises(wc.CalendarError):
        wc.add_working_hours(dt.datetime(2026, 2, 13, 10), 1)


def test_an_administrators_edit_takes_effect_at_once():
    assert wc.is_working_day(dt.date(2027, 1, 1))
    SpecialDay.objects.create(date=dt.date(2027, 1, 1), kind=SpecialDay.Kind.HOLIDAY, name="元旦")
    assert not wc.is_working_day(dt.date(2027, 1, 1))


def test_office_hours_are_configurable(settings):
    settings.OFFICE_HOURS = "08:30-12:00,13:30-17:30"
    wc.invalidate_calendar()
    assert wc.add_working_days(at(2026, 3, 9, 10), 1) == at(2026, 3, 10, 17, 30)


def test_next_year_warning_appears_from_october_until_next_year_is_official():
    assert next_year_warning(dt.date(2026, 9, 30)) is None
    assert "2027" in next_year_warning(dt.date(2026, 10, 1))
    CalendarYear.objects.create(year=2027, status=CalendarYear.Status.OFFICIAL)
    assert next_year_warning(dt.date(2026, 10, 1)) is None


def test_migration_seeded_every_year_of_the_package_as_official():
    assert CalendarYear.objects.filter(year=2026, status="official").exists()
    assert SpecialDay.objects.get(date=dt.date(2026, 2, 14)).kind == "workday"


def test_administrators_are_warned_weekly_while_next_year_is_provisional(admin_user, officer):
    from crm.models import Notification
    from crm.services.calendar_admin import warn_admins_if_next_year_provisional

    assert warn_admins_if_next_year_provisional(dt.date(2026, 9, 30)) == 0
    assert warn_admins_if_next_year_provisional(dt.date(2026, 11, 23)) == 1
    assert warn_admins_if_next_year_provisional(dt.date(2026, 11, 24)) == 0  # same week: not again
    assert warn_admins_if_next_year_provisional(dt.date(2026, 11, 30)) == 1  # next week: again
    assert not Notification.objects.filter(recipient=officer).exists()
