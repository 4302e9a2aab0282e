"""Hand-made lists with everything real files do: notes sheet first, title rows, merged cells, header variants,
full-width/lower-case codes, codes as numbers, blank and footnote rows, duplicates, GBK CSV, legacy .xls."""

import random
from decimal import Decimal

import pytest

from enterprises.models import AnnualFigure, Classification, Enterprise
from namelists import services
from namelists.models import ImportBatch, ImportIssue
from namelists.reader import FileRejected
from tests.namelists.factories import csv_bytes, guangming_streets, make_code, wrong_check, xlsx_bytes

RNG = random.Random(7)
A, B, C, D, E = (make_code(RNG) for _ in range(5))


@pytest.fixture
def streets(db):
    return guangming_streets()


def nasty_xlsx() -> bytes:
    fullwidth = "".join(chr(ord(ch) + 0xFEE0) for ch in B)
    notes = [["填表说明"], ["1. 本表由区统计局提供"], ["2. 统一社会信用代码请设为文本"]]
    data = [
        ["2024年马田街道规模以上工业企业名录", None, None, None, None, None, None],
        ["单位：万元、人", None, None, None, None, None, None],
        [None] * 7,
        ["序 号", "信用代码", "单位名称", "主营业务收入(万元)", "国民经济行业代码", "所属社区", "从业人员"],
        [1, A, "深圳市甲科技有限公司", 1234.5, "C3982", "薯田埔社区", 100],       # row 5
        [2, f" {fullwidth}\u3000", "深圳市乙科技有限公司 ", "12,345.6", "3982 电子电路制造", "合水口社区", "1,200"],
        [None] * 7,                                                                # row 7 blank
        [3, C.lower(), "乙丙(深圳)科技有限公司  ", "99", "3976", "不存在社区", 50],  # row 8
        [4, 9.144031164438865e17, "深圳市丁科技有限公司", 10, "3976", "石围社区", 5],  # row 9: number
        [5, wrong_check(D), "深圳市戊科技有限公司", 10, "3976", "石围社区", 5],          # row 10
        [6, A, "深圳市甲科技有限公司", 2000, "", "", ""],                              # row 11 duplicate of 5
        [7, E, "深圳市己科技有限公司", "abc", "9999", "将围社区", 1.5],                # row 12 bad values
        [None] * 7,
        ["注：1. 营业收入为快报数", None, None, None, None, None, None],
    ]
    return xlsx_bytes({"说明": notes, "名录": data}, merges={"名录": ["A1:G1"]})


def commit(data, name, kind="sishang", **kwargs):
    batch = services.create_batch(None, data, name, kind, **kwargs)
    return services.commit_batch(batch.pk)


def test_nasty_xlsx_is_read_mapped_and_validated_row_by_row(streets):
    batch = commit(nasty_xlsx(), "名录.xlsx", street=streets["440311006"])
    assert batch.status == ImportBatch.Status.COMMITTED, batch.message
    assert batch.sheet_name == "名录" and batch.header_row == 4 and batch.year == 2024
    assert set(Enterprise.objects.values_list("uscc", flat=True)) == {A, B, C, E}
    assert batch.counts["rows"] == 7 and batch.counts["duplicates"] == 1 and batch.counts["errors"] == 2

    issues = {(i.row, i.severity): i for i in ImportIssue.objects.filter(batch=batch)}
    assert "科学计数法" in issues[(9, "error")].reason and issues[(9, "error")].column == "信用代码"
    assert "校验位" in issues[(10, "error")].reason
    assert "第 5 行" in issues[(11, "duplicate")].reason and "营业收入" in issues[(11, "duplicate")].reason
    assert issues[(8, "warning")].column == "所属社区"
    warnings_12 = ImportIssue.objects.filter(batch=batch, row=12, severity="warning")
    assert {w.column for w in warnings_12} == {"主营业务收入(万元)", "国民经济行业代码", "从业人员"}
    assert all(w.sheet == "名录" for w in ImportIssue.objects.filter(batch=batch))

    a = Enterprise.objects.get(uscc=A)
    assert a.industry.code == "3982" and a.community.name == "薯田埔社区"
    # Duplicate rule: the later non-empty value wins (2000), empty cells keep the earlier value.
    assert AnnualFigure.objects.get(enterprise=a).revenue == 2000 and AnnualFigure.objects.get(enterprise=a).employees == 100
    b = Enterprise.objects.get(uscc=B)
    assert b.name == "深圳市乙科技有限公司" and b.industry.code == "3982"
    assert AnnualFigure.objects.get(enterprise=b).revenue == Decimal("12345.60") and AnnualFigure.objects.get(enterprise=b).employees == 1200
    assert Enterprise.objects.get(uscc=C).name == "乙丙（深圳）科技有限公司"
    e = Enterprise.objects.get(uscc=E)
    assert e.industry is None and not AnnualFigure.objects.filter(enterprise=e).exists()
    assert Classification.objects.get(enterprise=e, kind="sishang").category == ""


def test_error_report_has_original_rows_and_a_reason_column(streets):
    from openpyxl import load_workbook

    batch = commit(nasty_xlsx(), "名录.xlsx", street=streets["440311006"])
    wb = load_workbook(batch.report.path, read_only=True)
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0][0] == "行号" and rows[0][-1] == "原因" and "信用代码" in rows[0]
    by_row = {r[0]: r for r in rows[1:]}
    assert "9.14403116443886" in str(by_row[9][2]) and "科学计数法" in by_row[9][-1]
    assert by_row[10][3] == "深圳市戊科技有限公司"


def test_gbk_csv_and_utf8_bom_csv_read_the_same(streets):
    rows = [["序号", "统一社会信用代码", "企业名称", "行业代码", "街道", "营业收入（万元）"],
            ["1", A, "深圳市甲科技有限公司", "3982", "马田街道", "1,000"]]
    for encoding in ("gbk", "utf-8-sig", "gb18030"):
        analysis = services.analyse(csv_bytes(rows, encoding), "x.csv", "sishang", 2025, None)
        assert analysis.counts["created"] == 1 and analysis.counts["errors"] == 0, encoding
        assert analysis.plan.creates[0]["name"] == "深圳市甲科技有限公司"


def test_legacy_xls_is_read(streets):
    xlwt = pytest.importorskip("xlwt")
    import io

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("名录")
    for r, row in enumerate([["企业名录"], ["统一社会信用代码", "单位详细名称", "行业代码", "街道"],
                             [A, "深圳市甲科技有限公司", "3982", "马田街道"], [9.144031164438865e17, "x公司", "3982", "马田街道"]]):
        for c, value in enumerate(row):
            ws.write(r, c, value)
    out = io.BytesIO()
    wb.save(out)
    analysis = services.analyse(out.getvalue(), "old.xls", "sishang", 2025, None)
    assert analysis.counts["created"] == 1 and analysis.counts["errors"] == 1
    assert analysis.issues[0].row == 4


def test_new_firm_without_any_street_is_rejected(streets):
    rows = [["统一社会信用代码", "企业名称", "街道"], [A, "深圳市甲科技有限公司", ""], [B, "深圳市乙科技有限公司", "马田街道"]]
    analysis = services.analyse(csv_bytes(rows), "x.csv", "sishang", 2025, None)
    assert analysis.counts["created"] == 1 and analysis.counts["errors"] == 1
    assert "街道" in analysis.issues[0].reason and analysis.issues[0].row == 2
    # With --street the same row is accepted.
    analysis = services.analyse(csv_bytes(rows), "x.csv", "sishang", 2025, streets["440311006"])
    assert analysis.counts["created"] == 2


def test_a_list_without_a_street_column_for_new_firms_is_refused_once_up_front(streets):
    rows = [["统一社会信用代码", "企业名称"], [A, "深圳市甲科技有限公司"], [B, "深圳市乙科技有限公司"]]
    with pytest.raises(FileRejected, match="没有“街道”列"):
        services.analyse(csv_bytes(rows), "x.csv", "sishang", 2025, None)
    assert services.analyse(csv_bytes(rows), "x.csv", "sishang", 2025, streets["440311006"]).counts["created"] == 2


def test_street_restriction_skips_rows_of_other_streets(streets):
    rows = [["统一社会信用代码", "企业名称", "街道"], [A, "甲公司", "马田街道"], [B, "乙公司", "玉塘街道"], [C, "丙公司", ""]]
    batch = commit(csv_bytes(rows), "x.csv", street=streets["440311006"])
    assert set(Enterprise.objects.values_list("uscc", flat=True)) == {A, C}
    assert set(Enterprise.objects.values_list("street__code", flat=True)) == {"440311006"}
    assert batch.counts["other_street"] == 1
    assert ImportIssue.objects.get(batch=batch, severity="skipped").row == 3


def test_update_records_field_level_changes_for_the_enterprise_page(streets):
    from namelists.selectors import changes_for_enterprise

    header = ["统一社会信用代码", "企业名称", "街道", "营业收入", "行业代码"]
    commit(csv_bytes([header, [A, "甲公司", "马田街道", "100", "3982"]]), "v1.csv", year=2025)
    preview = services.analyse(csv_bytes([header, [A, "甲新名公司", "马田街道", "150", "3982"]]), "v2.csv",
                               "sishang", 2025, None)
    assert preview.counts["updated"] == 1
    sample = preview.plan.samples["updated"][0]
    assert ["enterprise", "name", "甲公司", "甲新名公司"] in sample["changes"]
    assert ["figure:2025", "revenue", "100", "150"] in sample["changes"]
    assert Enterprise.objects.get(uscc=A).name == "甲公司"  # preview wrote nothing

    batch = commit(csv_bytes([header, [A, "甲新名公司", "马田街道", "150", "3982"]]), "v2.csv", year=2025)
    ent = Enterprise.objects.get(uscc=A)
    assert ent.name == "甲新名公司" and ent.former_names[0]["name"] == "甲公司"
    changes = changes_for_enterprise(ent)
    assert {(c.field, c.before, c.after) for c in changes if c.batch_id == batch.pk} == {
        ("name", "甲公司", "甲新名公司"), ("revenue", "100", "150")}


def test_close_missing_removes_facts_of_firms_no_longer_on_the_list(streets):
    header = ["统一社会信用代码", "企业名称", "街道", "行业代码"]
    commit(csv_bytes([header, [A, "甲公司", "马田街道", "3982"], [B, "乙公司", "马田街道", "3982"]]), "v1.csv", year=2025)
    batch = services.create_batch(None, csv_bytes([header, [A, "甲公司", "马田街道", "3982"]]), "v2.csv", "sishang",
                                  2025, None, close_missing=True)
    batch = services.preview_batch(batch.pk)
    assert batch.counts["closed"] == 1 and batch.preview["closed"][0]["code"] == B
    assert Classification.objects.filter(enterprise__uscc=B, kind="sishang", year=2025).exists()
    batch = services.commit_batch(batch.pk)
    assert not Classification.objects.filter(enterprise__uscc=B, kind="sishang", year=2025).exists()
    assert batch.changes.filter(action="closed", enterprise__uscc=B).exists()


def test_a_failure_during_commit_leaves_the_database_as_it_was(streets, monkeypatch):
    from namelists.models import ImportChange

    from namelists import writing

    real_insert, real_copy = writing.insert_rows, writing.CopyInto.run

    def boom(model, *args, **kwargs):
        if model is ImportChange:  # the last write of the commit: everything before it must roll back
            raise RuntimeError("disk full")
        return real_insert(model, *args, **kwargs)

    def copy_boom(self, *args, **kwargs):  # the same, when new firms are written while the file is analysed
        if self.model is ImportChange:
            raise RuntimeError("disk full")
        return real_copy(self, *args, **kwargs)

    batch = services.create_batch(None, nasty_xlsx(), "名录.xlsx", "sishang", street=streets["440311006"])
    monkeypatch.setattr(writing, "insert_rows", boom)
    monkeypatch.setattr(writing.CopyInto, "run", copy_boom)
    with pytest.raises(RuntimeError):
        services.commit_batch(batch.pk)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED and "未作任何修改" in batch.message
    assert not Enterprise.objects.exists() and not Classification.objects.exists() and not AnnualFigure.objects.exists()


def test_a_firm_created_by_someone_else_during_the_commit_fails_the_batch_and_writes_nothing(streets, monkeypatch):
    rows = [["统一社会信用代码", "企业名称", "街道"], [A, "甲公司", "马田街道"], [B, "乙公司", "马田街道"]]
    batch = services.create_batch(None, csv_bytes(rows), "x.csv", "sishang")
    from namelists import diff

    real_load = diff.load_existing

    def load_then_race(codes, *args):
        found = real_load(codes, *args)
        # The analysis has seen the registry without B; another session now creates B before the insert.
        Enterprise.objects.create(uscc=B, name="乙公司（别处新建）", street=streets["440311006"])
        return found

    monkeypatch.setattr(diff, "load_existing", load_then_race)
    batch = services.commit_batch(batch.pk)
    assert batch.status == ImportBatch.Status.FAILED and "同时创建" in batch.message
    assert not Enterprise.objects.exists()  # the racing row went with the rolled-back transaction here
    assert not Classification.objects.exists()


def test_zjtx_tier_column_and_gaoxin_listed_lists(streets):
    rows = [["统一社会信用代码", "企业名称", "街道", "级别"], [A, "甲公司", "马田街道", "国家级专精特新“小巨人”"],
            [B, "乙公司", "马田街道", "创新型中小企业"], [C, "丙公司", "马田街道", "市级"]]
    commit(csv_bytes(rows), "zjtx.csv", "zjtx", year=2025)
    tiers = dict(Classification.objects.filter(kind="zjtx").values_list("enterprise__uscc", "category"))
    assert tiers == {A: "little_giant", B: "innovative", C: "municipal"}  # 市级 is not 省级

    rows = [["统一社会信用代码", "企业名称", "证书编号", "发证日期"], [A, "甲公司", "GR202544000123", "2025-12-19"]]
    commit(csv_bytes(rows), "gx.csv", "gaoxin", year=2025)
    fact = Classification.objects.get(kind="gaoxin")
    assert fact.certificate_no == "GR202544000123" and str(fact.valid_to) == "2028-12-18"

    rows = [["统一社会信用代码", "企业名称", "股票代码", "上市日期"], [A, "甲公司", "688001", "2021/7/22"]]
    commit(csv_bytes(rows), "ls.csv", "listed", year=2025)
    fact = Classification.objects.get(kind="listed")
    assert fact.exchange == "SSE" and fact.stock_code == "688001" and str(fact.valid_from) == "2021-07-22"


def test_a_head_count_too_large_for_its_column_is_reported_and_the_row_still_imports(streets):
    rows = [["统一社会信用代码", "企业名称", "街道", "从业人员期末人数"], [A, "甲公司", "马田街道", "99,999,999,999"]]
    batch = commit(csv_bytes(rows), "x.csv")
    assert batch.status == ImportBatch.Status.COMMITTED, batch.message
    assert Enterprise.objects.filter(uscc=A).exists()
    assert "数值过大，该值未导入" in [i.reason for i in batch.issues.all()]


def test_control_characters_and_formulas_in_a_file_neither_break_the_import_nor_run_in_the_report(streets):
    from openpyxl import load_workbook

    filler = [[make_code(), f"填充公司{i}", "马田街道"] for i in range(150)]  # NUL past the CSV sniffer's first 4 KB
    rows = [["统一社会信用代码", "企业名称", "街道"], *filler, [A, "甲\x00公\x01司", "马田街道"],
            [wrong_check(B) + "\x00", '=HYPERLINK("http://evil.example","点我")', "马田街道"]]
    batch = commit(csv_bytes(rows), "x.csv")
    assert batch.status == ImportBatch.Status.COMMITTED, batch.message
    assert Enterprise.objects.get(uscc=A).name == "甲公司"
    sheet = load_workbook(batch.report).active
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]  # a formula from the file is shown as text, never run
    assert any(str(c.value).startswith("'=HYPERLINK") for c in cells)


def test_reasons_are_written_in_the_offices_language_whatever_language_is_active(streets):
    from django.utils import translation

    rows = [["统一社会信用代码", "企业名称", "街道", "营业收入（万元）"], [A, "甲公司", "马田街道", "1"],
            [A, "甲公司", "马田街道", "2"]]
    with translation.override("en"):
        analysis = services.analyse(csv_bytes(rows), "x.csv", "sishang", 2025, None)
        report = services.error_report(analysis)
    duplicate = next(i for i in analysis.issues if i.severity == "duplicate")
    assert "营业收入" in duplicate.reason and "revenue" not in duplicate.reason
    from io import BytesIO

    from openpyxl import load_workbook

    texts = [c.value for row in load_workbook(BytesIO(report)).active.iter_rows() for c in row]
    assert "重复已合并" in texts and "Duplicate merged" not in texts
