"""固投: the monthly report import through the import pipeline (list kind "fai_monthly": preview, errors, replacement
of a month), the computed target metric, the pages."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from crm.models import Role
from pipelines.metrics import METRICS, Scope, compute
from namelists import services
from namelists.errors import ImportRefused
from namelists.models import ImportBatch
from space.models import InvestmentKind, InvestmentMonth
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


def preview(actor, content: bytes, street, month=JAN) -> ImportBatch:
    batch = services.create_batch(actor, content, "jan.xlsx", "fai_monthly", street=street,
                                  options={"month": f"{month:%Y-%m}"})
    return services.preview_batch(batch.pk)


@pytest.fixture(autouse=True)
def run_queued_tasks(monkeypatch):
    """Views queue Celery tasks on commit; the test transaction never commits, so run them as they are queued."""
    monkeypatch.setattr("django.db.transaction.on_commit", lambda func, using=None, robust=False: func())


def test_preview_reads_the_report_and_writes_nothing(projects, statistician, street):
    content = _report([1, "P-001", "甲", 800], [2, "p-002", "乙", "1,200.50"], ["合计", None, None, 2000.5])
    batch = preview(statistician, content, street)
    assert batch.status == "previewed" and batch.counts["errors"] == 0
    assert [(c["code"], c["name"]) for c in batch.preview["created"]] == [("P-001", "甲 800.00 万元"),
                                                                        ("P-002", "乙 1200.50 万元")]
    assert batch.counts["total"] == "2000.50" and "本月完成合计 2000.50 万元" in batch.message
    assert not InvestmentMonth.objects.exists()


def test_bad_rows_are_listed_with_their_line(projects, statistician, street):
    content = _report([1, "P-001", "甲", "abc"], [2, "P-404", "无", 5], [3, "P-002", "乙", -1], [4, "P-002", "乙", 1])
    batch = preview(statistician, content, street)
    issues = [(i.row, i.reason) for i in batch.issues.all()]
    assert any(row == 3 and "不是数字" in reason for row, reason in issues)
    assert any(row == 4 and "P-404" in reason for row, reason in issues)
    assert any(row == 5 and "负数" in reason for row, reason in issues)
    assert batch.report
    assert services.commit_batch(batch.pk).status == "failed"  # all or nothing: row 6 is not written either
    assert not InvestmentMonth.objects.exists()


def test_file_without_the_columns_is_refused(projects, statistician, street):
    batch = preview(statistician, xlsx([["项目名称", "金额"], ["甲", 1]]), street)
    assert batch.status == "failed" and "项目代码" in batch.message


def test_the_month_is_required_and_not_in_the_future(projects, statistician, street):
    with pytest.raises(ImportRefused, match="月份"):
        services.create_batch(statistician, _report(), "x.xlsx", "fai_monthly", street=street)
    next_year = dt.date(THIS_YEAR + 1, 1, 1)
    with pytest.raises(ImportRefused, match="晚于本月"):
        services.create_batch(statistician, _report(), "x.xlsx", "fai_monthly", street=street,
                              options={"month": f"{next_year:%Y-%m}"})
    assert not ImportBatch.objects.exists()


def test_a_corrected_month_replaces_that_month_only(projects, statistician, street, other_street):
    a, b = projects
    InvestmentMonthFactory(project=a, month=JAN, amount=Decimal("999"))
    InvestmentMonthFactory(project=b, month=JAN, amount=Decimal("5"))
    other_month = InvestmentMonthFactory(project=a, month=JAN.replace(year=THIS_YEAR - 1), amount=Decimal("7"))
    elsewhere = InvestmentMonthFactory(project=InvestmentProjectFactory(street=other_street, code="P-001"), month=JAN,
                                       amount=Decimal("3"))
    batch = preview(statistician, _report([1, "P-001", "甲", 800]), street)
    assert (batch.counts["updated"], batch.counts["removed"], batch.counts["replaced"]) == (1, 1, 2)
    batch = services.commit_batch(batch.pk)
    assert batch.status == "committed"
    assert dict(InvestmentMonth.objects.filter(month=JAN, project__street=street)
                .values_list("project_id", "amount")) == {a.pk: Decimal("800")}
    assert InvestmentMonth.objects.filter(pk__in=[other_month.pk, elsewhere.pk]).count() == 2
    assert {(c.action, c.before, c.after) for c in batch.changes.all()} == {("updated", "999.00", "800.00"),
                                                                            ("closed", "5.00", "")}


def test_officer_and_other_street_may_not_import(projects, officer, other_street, statistician):
    with pytest.raises(ImportRefused):
        services.create_batch(officer, _report(), "x.xlsx", "fai_monthly", options={"month": f"{JAN:%Y-%m}"})
    with pytest.raises(ImportRefused):
        services.create_batch(statistician, _report(), "x.xlsx", "fai_monthly", street=other_street,
                              options={"month": f"{JAN:%Y-%m}"})
    # A project of another street is not this street's project: its code is refused, nothing is written.
    InvestmentProjectFactory(street=other_street, code="P-999")
    batch = preview(statistician, _report([1, "P-999", "他街道", 1]), statistician.street)
    assert any("P-999" in i.reason for i in batch.issues.all())
    assert services.commit_batch(batch.pk).status == "failed"
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


def test_import_pages_flow_preview_then_confirm(projects, statistician, client_for, street):
    client = client_for(statistician)
    old = client.get(reverse("space:investment_import"))
    assert old.status_code == 302 and old.url == reverse("namelists:upload") + "?kind=fai_monthly"
    upload = SimpleUploadedFile("jan.xlsx", _report([1, "P-001", "甲", 800]))
    response = client.post(reverse("namelists:upload"), {"list_kind": "fai_monthly", "month": f"{THIS_YEAR}-01",
                                                         "street": street.pk, "file": upload})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and batch.status == "previewed"
    assert not InvestmentMonth.objects.exists()
    page = client.get(reverse("namelists:detail", args=[batch.pk])).content.decode()
    assert "新增项目" in page and "新建企业" not in page
    client.post(reverse("namelists:commit", args=[batch.pk]))
    assert InvestmentMonth.objects.get().amount == Decimal("800")
    assert InvestmentMonth.objects.get().source == f"batch:{batch.pk}"
    batch.refresh_from_db()
    assert batch.status == "committed" and batch.counts["created"] == 1 and batch.options == {"month": f"{JAN:%Y-%m}"}


def test_import_page_refused_to_officer_and_department(officer, department_user, client_for):
    assert client_for(officer).get(reverse("space:investment_import")).status_code == 403
    assert client_for(department_user).get(reverse("space:investment_list")).status_code == 403
    # The officer's upload page offers the park ledger (and the product catalogue), not the 固投 report.
    choices = client_for(officer).get(reverse("namelists:upload")).context["form"].fields["list_kind"].choices
    assert "fai_monthly" not in [k for k, _label in choices] and "parks" in [k for k, _label in choices]


def test_list_shows_plan_vs_completed_and_behind_schedule(projects, street, client_for):
    a, b = projects
    InvestmentMonthFactory(project=a, month=JAN, amount=Decimal("100000"))  # far ahead
    user = UserFactory(role=Role.DISTRICT, street=None)
    response = client_for(user).get(reverse("space:investment_list"), {"year": THIS_YEAR, "behind": "1"})
    assert response.status_code == 200
    codes = [p.code for p in response.context["rows"]]
    assert "P-001" not in codes
    assert "P-002" in codes  # nothing done, a plan due
