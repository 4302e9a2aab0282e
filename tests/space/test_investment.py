"""固投: the monthly report import (preview, errors, replacement of a month), the computed target metric, the pages."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from crm.models import Role
from pipelines.metrics import METRICS, Scope, compute
from space.models import InvestmentImport, InvestmentKind, InvestmentMonth
from space.services import investment
from tests.crm.factories import UserFactory
from tests.space.factories import InvestmentMonthFactory, InvestmentProjectFactory

pytestmark = pytest.mark.django_db
THIS_YEAR = timezone.localdate().year
JAN = dt.date(THIS_YEAR, 1, 1)


def xlsx(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["光明区2026年1月固定资产投资项目完成情况"])  # a title row above the header
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture
def projects(street):
    a = InvestmentProjectFactory(street=street, code="P-001", kind=InvestmentKind.GOVERNMENT, year=THIS_YEAR,
                                 year_plan=Decimal("12000"))
    b = InvestmentProjectFactory(street=street, code="P-002", kind=InvestmentKind.PRIVATE, year=THIS_YEAR,
                                 year_plan=Decimal("1200"))
    return a, b


def _report(*rows):
    return xlsx([["序号", "项目代码", "项目名称", "本月完成投资（万元）"], *rows])


def test_preview_reads_the_report_and_writes_nothing(projects, statistician, street):
    content = _report([1, "P-001", "甲", 800], [2, "p-002", "乙", "1,200.50"], ["合计", None, None, 2000.5])
    result = investment.preview(content, "jan.xlsx", actor=statistician, street_id=street.pk, month=JAN)
    assert result.errors == []
    assert [(r.code, r.amount) for r in result.rows] == [("P-001", Decimal("800.00")), ("P-002", Decimal("1200.50"))]
    assert not InvestmentMonth.objects.exists()


def test_bad_rows_are_listed_with_their_line(projects, statistician, street):
    content = _report([1, "P-001", "甲", "abc"], [2, "P-404", "无", 5], [3, "P-002", "乙", -1], [4, "P-002", "乙", 1])
    errors = investment.preview(content, "x.xlsx", actor=statistician, street_id=street.pk, month=JAN).errors
    assert any("第 3 行" in e and "不是数字" in e for e in errors)
    assert any("第 4 行" in e and "P-404" in e for e in errors)
    assert any("第 5 行" in e and "负数" in e for e in errors)


def test_file_without_the_columns_is_refused(projects, statistician, street):
    errors = investment.preview(xlsx([["项目名称", "金额"], ["甲", 1]]), "x.xlsx", actor=statistician,
                                street_id=street.pk, month=JAN).errors
    assert errors and "项目代码" in errors[0]


def test_a_corrected_month_replaces_that_month_only(projects, statistician, street):
    a, b = projects
    InvestmentMonthFactory(project=a, month=JAN, amount=Decimal("999"))
    InvestmentMonthFactory(project=b, month=JAN, amount=Decimal("5"))
    other_month = InvestmentMonthFactory(project=a, month=JAN.replace(year=THIS_YEAR - 1), amount=Decimal("7"))
    batch = investment.apply(actor=statistician, street_id=street.pk, month=JAN, rows=[(a.pk, Decimal("800"))],
                             filename="jan-v2.xlsx")
    assert batch.replaced == 2 and batch.rows == 1
    assert dict(InvestmentMonth.objects.filter(month=JAN).values_list("project_id", "amount")) == {a.pk: Decimal("800")}
    assert InvestmentMonth.objects.filter(pk=other_month.pk).exists()


def test_officer_and_other_street_may_not_import(projects, officer, other_street, statistician):
    a, _b = projects
    with pytest.raises(PermissionDenied):
        investment.preview(_report(), "x.xlsx", actor=officer, street_id=a.street_id, month=JAN)
    with pytest.raises(PermissionDenied):
        investment.apply(actor=statistician, street_id=other_street.pk, month=JAN, rows=[], filename="x")
    with pytest.raises(PermissionDenied):  # a project of another street smuggled into the rows
        other = InvestmentProjectFactory(street=other_street)
        investment.apply(actor=statistician, street_id=a.street_id, month=JAN, rows=[(other.pk, 1)], filename="x")
    assert not InvestmentMonth.objects.exists()


def test_target_metric_is_computed_from_the_months(projects, street):
    a, b = projects
    InvestmentMonthFactory(project=a, month=JAN, amount=Decimal("8000"))
    InvestmentMonthFactory(project=b, month=JAN, amount=Decimal("2000"))
    InvestmentMonthFactory(project=b, month=JAN.replace(year=THIS_YEAR - 1), amount=Decimal("50000"))
    assert not METRICS["fixed_asset_investment"].manual
    result = compute("fixed_asset_investment", Scope(street_id=street.pk), JAN, dt.date(THIS_YEAR, 12, 31))
    assert result.value == Decimal("1.0000")  # 10,000 万元 = 1 亿元
    assert set(result.rows.values_list("pk", flat=True)) == {a.pk, b.pk}
    assert METRICS["fixed_asset_investment_manual"].manual


def test_import_pages_flow_preview_then_confirm(projects, statistician, client_for):
    client = client_for(statistician)
    upload = SimpleUploadedFile("jan.xlsx", _report([1, "P-001", "甲", 800]))
    response = client.post(reverse("space:investment_import"), {"month": f"{THIS_YEAR}-01", "file": upload})
    assert response.status_code == 200 and response.context["preview"].rows
    assert not InvestmentMonth.objects.exists()
    response = client.post(reverse("space:investment_import"), {"confirm": "1"})
    assert response.status_code == 302 and "behind=1" in response.url
    assert InvestmentMonth.objects.get().amount == Decimal("800")
    assert InvestmentImport.objects.get().rows == 1


def test_import_page_refused_to_officer_and_department(officer, department_user, client_for):
    assert client_for(officer).get(reverse("space:investment_import")).status_code == 403
    assert client_for(department_user).get(reverse("space:investment_list")).status_code == 403


def test_list_shows_plan_vs_completed_and_behind_schedule(projects, street, client_for):
    a, b = projects
    InvestmentMonthFactory(project=a, month=JAN, amount=Decimal("100000"))  # far ahead
    user = UserFactory(role=Role.DISTRICT, street=None)
    response = client_for(user).get(reverse("space:investment_list"), {"year": THIS_YEAR, "behind": "1"})
    assert response.status_code == 200
    codes = [p.code for p in response.context["rows"]]
    assert "P-001" not in codes
    assert "P-002" in codes  # nothing done, a plan due
