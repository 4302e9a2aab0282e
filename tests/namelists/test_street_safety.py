"""A street-scoped import never reads, changes or moves another street's firm; moving a firm between streets is a
district-level import, and both streets keep the move in their history (issue 15 §2, issue 17 imports)."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from django.urls import reverse

from crm.models import Role
from enterprises.models import AnnualFigure, Enterprise
from namelists import services
from namelists.models import ImportBatch, ImportChange, ImportIssue
from tests.crm.factories import UserFactory
from tests.namelists.factories import csv_bytes, guangming_streets, make_code

RNG = random.Random(1515)
HEADER = ["统一社会信用代码", "企业名称", "街道", "营业收入（万元）"]


@pytest.fixture
def streets(street, other_street):
    return guangming_streets()


@pytest.fixture
def yutang_firm(streets):
    """A 玉塘 firm with a 2025 revenue only 玉塘 may see."""
    firm = Enterprise.objects.create(uscc=make_code(RNG), name="深圳市玉塘精密科技有限公司", street=streets["440311005"])
    AnnualFigure.objects.create(enterprise=firm, year=2025, revenue=Decimal("4321.50"))
    return firm


@pytest.fixture(autouse=True)
def run_queued_tasks(monkeypatch):
    monkeypatch.setattr("django.db.transaction.on_commit", lambda func, using=None, robust=False: func())


def test_a_street_import_naming_its_own_street_cannot_take_or_show_another_streets_firm(
        statistician, yutang_firm, client_for):
    """The attack: a 马田 statistician lists a 玉塘 firm with 所属街道 马田."""
    rows = [HEADER, [yutang_firm.uscc, yutang_firm.name, "马田街道", "9999"]]
    batch = services.create_batch(statistician, csv_bytes(rows), "名录.csv", "sishang", 2025)
    batch = services.preview_batch(batch.pk)
    assert batch.counts["other_street"] == 1 and batch.counts["updated"] == 0
    assert batch.preview["updated"] == []  # no before → after of that firm
    page = client_for(statistician).get(reverse("namelists:detail", args=[batch.pk])).content.decode()
    assert "4321.5" not in page and "玉塘" not in page  # neither its figures nor whose it is
    assert "另有 1 行属于其他街道，已跳过" in page

    batch = services.commit_batch(batch.pk)
    yutang_firm.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED
    assert yutang_firm.street.code == "440311005"  # not moved
    assert AnnualFigure.objects.get(enterprise=yutang_firm, year=2025).revenue == Decimal("4321.50")
    assert not ImportChange.objects.filter(enterprise=yutang_firm).exists()


def test_a_district_import_moves_a_firm_and_both_streets_see_the_move(streets, yutang_firm, admin_user, client_for):
    rows = [HEADER, [yutang_firm.uscc, yutang_firm.name, "马田街道", "4321.5"]]
    batch = services.create_batch(admin_user, csv_bytes(rows), "全区名录.csv", "sishang", 2025)
    assert batch.street is None
    batch = services.commit_batch(batch.pk)
    yutang_firm.refresh_from_db()
    assert yutang_firm.street.code == "440311006"
    move = ImportChange.objects.get(enterprise=yutang_firm, field="street_id")
    assert (move.before, move.after, move.former_street.code) == ("玉塘街道", "马田街道", "440311005")

    yutang_manager = UserFactory(role=Role.MANAGER, street=streets["440311005"])
    matian_manager = UserFactory(role=Role.MANAGER, street=streets["440311006"])
    guangming_manager = UserFactory(role=Role.MANAGER, street=streets["440311001"])
    assert list(ImportChange.objects.visible_to(yutang_manager).filter(field="street_id")) == [move]
    assert list(ImportChange.objects.visible_to(matian_manager).filter(field="street_id")) == [move]
    assert not ImportChange.objects.visible_to(guangming_manager).exists()
    # The street the firm left reads the move on its import history page, though the firm is no longer its own.
    page = client_for(yutang_manager).get(reverse("namelists:index")).content.decode()
    assert "跨街道迁移" in page and yutang_firm.name in page and "玉塘街道 → 马田街道" in page
    page = client_for(guangming_manager).get(reverse("namelists:index")).content.decode()
    assert yutang_firm.name not in page


def test_a_street_preview_lists_only_its_own_streets_problems(statistician, streets):
    matian, yutang_bad_code, yutang_bad_number = make_code(RNG), make_code(RNG), make_code(RNG)
    rows = [HEADER,
            [matian, "深圳市马田甲科技有限公司", "马田街道", "abc"],  # our problem: a bad number
            [yutang_bad_code[:-1], "深圳市玉塘乙科技有限公司", "玉塘街道", "1"],  # another street's rejected row
            [yutang_bad_number, "深圳市玉塘丙科技有限公司", "玉塘街道", "xyz"]]  # another street's bad value
    batch = services.preview_batch(services.create_batch(statistician, csv_bytes(rows), "x.csv", "sishang", 2025).pk)
    assert batch.counts["other_street"] == 2 and batch.counts["errors"] == 0
    listed = ImportIssue.objects.filter(batch=batch).exclude(severity="skipped")
    assert {(i.row, i.severity) for i in listed} == {(2, "warning")}  # row 2: its bad number, its missing industry


def test_rejected_rows_show_the_firm_name_and_street(statistician, streets, client_for):
    rows = [HEADER, ["91440311MA5XXXXXX1", "深圳市错码科技有限公司", "马田街道", "1"],
            [make_code(RNG), "深圳市好码科技有限公司", "马田街道", "1"]]
    batch = services.preview_batch(services.create_batch(statistician, csv_bytes(rows), "x.csv", "sishang", 2025).pk)
    issue = ImportIssue.objects.get(batch=batch, severity="error")
    assert (issue.firm_name, issue.street_name) == ("深圳市错码科技有限公司", "马田街道")
    page = client_for(statistician).get(reverse("namelists:detail", args=[batch.pk])).content.decode()
    assert "深圳市错码科技有限公司" in page


def test_the_error_report_separates_rejected_from_skipped_rows_with_sized_columns_and_a_frozen_header(
        statistician, streets):
    from openpyxl import load_workbook

    long_name = "深圳市光明区马田街道超长名称精密智能制造科技有限公司"
    rows = [HEADER, [make_code(RNG)[:-1], long_name, "马田街道", "1"],
            [make_code(RNG), "深圳市玉塘丁科技有限公司", "玉塘街道", "1"]]
    batch = services.commit_batch(services.create_batch(statistician, csv_bytes(rows), "x.csv", "sishang", 2025).pk)
    wb = load_workbook(batch.report.path)
    assert wb.sheetnames == ["问题行", "已跳过的行"]
    fix, skipped = wb["问题行"], wb["已跳过的行"]
    assert [r[0] for r in fix.iter_rows(min_row=2, values_only=True)] == [2]
    assert [r[0] for r in skipped.iter_rows(min_row=2, values_only=True)] == [3]
    assert fix.freeze_panes == "A2" and skipped.freeze_panes == "A2"
    name_col = next(c for c in fix[1] if c.value == "企业名称").column_letter
    assert fix.column_dimensions[name_col].width >= 2 * len(long_name)  # a CJK character is two widths


def test_the_change_log_names_targets_and_fields_in_chinese(statistician, streets, client_for):
    firm = Enterprise.objects.create(uscc=make_code(RNG), name="深圳市旧名科技有限公司", street=streets["440311006"])
    rows = [HEADER, [firm.uscc, "深圳市新名科技有限公司", "马田街道", "12"]]
    batch = services.preview_batch(services.create_batch(statistician, csv_bytes(rows), "x.csv", "sishang", 2025).pk)
    client = client_for(statistician)
    preview = client.get(reverse("namelists:detail", args=[batch.pk])).content.decode()
    assert "2025年度数据" in preview and "企业名称" in preview and "figure:" not in preview
    services.commit_batch(batch.pk)
    page = client.get(reverse("namelists:detail", args=[batch.pk])).content.decode()
    for internal in ("enterprise ", "figure:", "classification:", "revenue", ">name<"):
        assert internal not in page
    assert "企业 · 企业名称" in page and "分类：四上企业名录" in page
