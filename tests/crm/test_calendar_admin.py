"""An administrator enters a year's published schedule at once (typed or pasted from the State Council notice),
previews it in a month grid, saves it once and lands on the preview of moved deadlines."""

import datetime as dt

import chinese_calendar
import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from crm.models import CalendarYear, SpecialDay
from crm.services import calendar_admin
from crm.services.calendar_admin import ScheduleError, parse_schedule

NOTICE_2026 = """国务院办公厅关于2026年部分节假日安排的通知
一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
三、清明节：4月4日（周六）至6日（周一）放假，共3天。
四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。
五、端午节：6月19日（周五）至21日（周日）放假，共3天。
六、中秋节：9月25日（周五）至27日（周日）放假，共3天。
七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。
"""


def test_the_pasted_2026_notice_gives_the_published_schedule():
    days = parse_schedule(NOTICE_2026, 2026)
    holidays = {d.date for d in days if d.kind == "holiday"}
    workdays = {d.date for d in days if d.kind == "workday"}
    assert holidays == {d for d in chinese_calendar.holidays if d.year == 2026}
    assert workdays == {d for d in chinese_calendar.workdays if d.year == 2026}
    assert (len(holidays), len(workdays)) == (33, 6)
    names = {d.date: d.name for d in days}
    assert names[dt.date(2026, 2, 16)] == "春节" and names[dt.date(2026, 2, 28)] == "春节调休"


def test_the_example_sentence_of_the_brief_reads_as_three_holidays_and_one_working_sunday():
    days = parse_schedule("1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。", 2026)
    assert [(d.date.day, d.kind) for d in days] == [(1, "holiday"), (2, "holiday"), (3, "holiday"), (4, "workday")]


def test_a_notice_pasted_under_the_wrong_year_is_refused_by_its_weekdays():
    with pytest.raises(ScheduleError, match="星期"):
        parse_schedule(NOTICE_2026, 2027)


def test_a_range_that_disagrees_with_its_day_count_is_refused():
    with pytest.raises(ScheduleError, match="共3天"):
        parse_schedule("元旦：1月1日至4日放假调休，共3天。", 2026)


def test_one_day_a_line_and_a_range_across_new_year():
    days = parse_schedule("2027-02-07 上班 春节调休\n2027-01-01 放假 元旦", 2027)
    assert [(d.date, d.kind, d.name) for d in days] == [
        (dt.date(2027, 2, 7), "workday", "春节调休"), (dt.date(2027, 1, 1), "holiday", "元旦")]
    across = parse_schedule("元旦：12月31日至1月2日放假，共3天。", 2026)
    assert [d.date for d in across] == [dt.date(2026, 12, 31), dt.date(2027, 1, 1), dt.date(2027, 1, 2)]
    with pytest.raises(ScheduleError, match="放假"):
        parse_schedule("2027-01-01 元旦", 2027)


def test_only_an_administrator_may_change_the_calendar_in_the_service(db, manager):
    with pytest.raises(PermissionDenied):
        calendar_admin.save_special_day(actor=manager, date=dt.date(2031, 1, 1), kind="holiday")
    with pytest.raises(PermissionDenied):
        calendar_admin.replace_year_schedule(actor=manager, year=2031, days=parse_schedule(
            "2031-01-01 放假 元旦", 2031))
    assert not SpecialDay.objects.filter(date__year=2031).exists()


def schedule_post(client, text, year, **extra):
    return client.post(reverse("calendar:schedule"), {"year": year, "text": text, "official": "on",
                                                       "source": "国办发明电〔2025〕7号", **extra})


def test_the_first_post_previews_and_saves_nothing(client_for, admin_user):
    SpecialDay.objects.filter(date__year=2026).delete()
    CalendarYear.objects.update_or_create(year=2026, defaults={"status": "provisional", "version": 5})
    response = schedule_post(client_for(admin_user), NOTICE_2026, 2026)
    assert response.status_code == 200
    body = response.content.decode()
    assert "放假 33 天，调休上班 6 天" in body
    assert 'class="holiday" title="春节" data-date="2026-02-17"' in body  # shown in the month grid
    assert not SpecialDay.objects.filter(date__year=2026).exists()
    assert CalendarYear.objects.get(year=2026).version == 5


def test_confirming_replaces_the_year_marks_it_official_and_moves_its_version_once(client_for, admin_user):
    SpecialDay.objects.filter(date__year=2026).delete()
    SpecialDay.objects.create(date=dt.date(2026, 3, 3), kind="holiday", name="误录")
    SpecialDay.objects.create(date=dt.date(2025, 3, 3), kind="holiday", name="别的年份")
    CalendarYear.objects.update_or_create(year=2026, defaults={"status": "provisional", "version": 5})
    response = schedule_post(client_for(admin_user), NOTICE_2026, 2026, confirm="1")
    assert response.status_code == 302
    assert response.url.startswith(reverse("appeals:recompute"))  # the moved deadlines are previewed next
    assert SpecialDay.objects.filter(date__year=2026).count() == 39
    assert not SpecialDay.objects.filter(date=dt.date(2026, 3, 3)).exists()
    assert SpecialDay.objects.filter(date=dt.date(2025, 3, 3)).exists()
    row = CalendarYear.objects.get(year=2026)
    assert (row.status, row.version, row.source) == ("official", 6, "国办发明电〔2025〕7号")


def test_bad_input_is_explained_in_chinese_and_changes_nothing(client_for, admin_user):
    before = list(SpecialDay.objects.filter(date__year=2027).values_list("date", "kind"))
    response = schedule_post(client_for(admin_user), NOTICE_2026, 2027, confirm="1")
    assert response.status_code == 400
    assert "未保存" in response.content.decode() and "请核对年份" in response.content.decode()
    assert list(SpecialDay.objects.filter(date__year=2027).values_list("date", "kind")) == before


def test_a_manager_may_read_the_calendar_but_not_post_a_schedule(client_for, manager):
    client = client_for(manager)
    assert client.get(reverse("calendar:index")).status_code == 200
    assert schedule_post(client, "2031-01-01 放假 元旦", 2031, confirm="1").status_code == 403
    assert not SpecialDay.objects.filter(date__year=2031).exists()


def test_an_officer_cannot_open_the_calendar(client_for, officer):
    assert client_for(officer).get(reverse("calendar:index")).status_code == 403


def test_the_page_shows_twelve_month_grids_and_no_strip_of_every_year(client_for, admin_user):
    for year in range(2004, 2028):
        CalendarYear.objects.get_or_create(year=year)
    SpecialDay.objects.update_or_create(date=dt.date(2026, 2, 28), defaults={"kind": "workday", "name": "春节调休"})
    body = client_for(admin_user).get(reverse("calendar:index") + "?year=2026").content.decode()
    assert body.count('class="cal-month"') == 12
    assert body.count('href="?year=') == 2  # previous and next; the other years are in one select
    assert '<option value="2004"' in body
    assert 'class="workday" title="春节调休" data-date="2026-02-28"' in body
