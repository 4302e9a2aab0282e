import io

import pytest
from openpyxl import Workbook

from pipelines.models import Vacancy
from pipelines.services.vacancy_import import import_vacancies
from tests.pipelines.factories import ParkFactory

pytestmark = pytest.mark.django_db
HEAD = ["园区/楼宇", "栋/座", "单元", "类型", "面积", "租金", "荷载", "配电", "产权性质", "可入驻日期"]


def xlsx(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["马田街道产业空间供给资源库"])
    ws.append(HEAD)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_import_creates_and_then_updates_units(street, officer):
    ParkFactory(street=street, name="合水口科技园")
    content = xlsx([
        ["合水口科技园", "A栋", "101", "厂房", 2500, 35, 8, 630, "集体", "2026-06-01"],
        ["新庄工业区", "", "3楼", "研发", "1200.5", "", "", "", "", ""],
    ])
    result = import_vacancies(content, actor=officer, street_id=street.pk)
    assert result.ok and (result.created, result.updated) == (2, 0)
    unit = Vacancy.objects.get(unit_name="101")
    assert unit.owner_type == "collective" and unit.power_kva == 630 and str(unit.available_from) == "2026-06-01"
    assert unit.history.count() == 1
    result = import_vacancies(xlsx([["合水口科技园", "A栋", "101", "厂房", 2400, 33, 8, 630, "集体", ""]]),
                              actor=officer, street_id=street.pk)
    assert (result.created, result.updated) == (0, 1)
    assert Vacancy.objects.get(unit_name="101").area == 2400


def test_bad_rows_are_reported_in_chinese_and_nothing_is_written(street, officer):
    content = xlsx([
        ["合水口科技园", "A栋", "101", "厂房", 2500, 35, 8, 630, "集体", ""],
        ["合水口科技园", "A栋", "102", "仓库", "abc", "", "", "", "私人", "明年"],
    ])
    result = import_vacancies(content, actor=officer, street_id=street.pk)
    assert not result.ok
    text = "；".join(result.errors)
    assert "第4行" in text and "厂房/研发/办公" in text and "面积" in text and "国有/集体/社会" in text and "日期" in text
    assert Vacancy.objects.count() == 0


def test_not_an_excel_file(street, officer):
    result = import_vacancies(b"hello", actor=officer, street_id=street.pk)
    assert result.errors and "Excel" in result.errors[0]
