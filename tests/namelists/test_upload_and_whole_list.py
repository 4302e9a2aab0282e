"""The upload request parses nothing (issue 15 §6); a list every row of which fails for one reason says so once and
a database without streets is refused (issue 17); a blank cell on re-import keeps the stored value (issue 16)."""

from __future__ import annotations

import io
import random
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.models import Role
from enterprises.models import Enterprise
from namelists import diff, reader, services
from namelists.models import ImportBatch, ImportIssue
from namelists.reader import FileRejected
from tests.crm.factories import UserFactory
from tests.namelists.factories import csv_bytes, guangming_streets, make_code, wrong_check, xlsx_bytes

RNG = random.Random(1717)


@pytest.fixture
def streets(street, other_street):
    return guangming_streets()


@pytest.fixture(autouse=True)
def run_queued_tasks(monkeypatch):
    monkeypatch.setattr("django.db.transaction.on_commit", lambda func, using=None, robust=False: func())


def wide_xlsx(columns: int, rows: int = 3) -> bytes:
    """A sheet `columns` wide whose <dimension> declares it, as Excel writes it."""
    header = ["统一社会信用代码", "企业名称", "街道"] + [f"备注{i}" for i in range(columns - 3)]
    body = [[make_code(RNG), "深圳市宽表科技有限公司", "马田街道"] + ["x"] * (columns - 3) for _ in range(rows)]
    return xlsx_bytes({"名录": [header, *body]})


def test_the_upload_request_stores_the_file_without_parsing_a_cell(statistician, streets, client_for, monkeypatch):
    parsed = []
    real_read = diff.read_file
    monkeypatch.setattr(services, "request_preview", lambda batch, actor: None)  # the worker does not run here

    def spy(data, name=""):
        parsed.append(name)
        return real_read(data, name)

    monkeypatch.setattr(diff, "read_file", spy)
    upload = SimpleUploadedFile("名录.xlsx", wide_xlsx(10))
    response = client_for(statistician).post(reverse("namelists:upload"), {
        "file": upload, "list_kind": "sishang", "street": statistician.street_id})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and parsed == []
    assert batch.status == ImportBatch.Status.PENDING and batch.headers == [] and batch.file
    # The worker reads it, finds the header and previews.
    batch = services.preview_batch(batch.pk)
    assert parsed == ["名录.xlsx"] and batch.status == ImportBatch.Status.PREVIEWED
    assert batch.headers[:2] == ["统一社会信用代码", "企业名称"] and batch.column_mapping[0] == "uscc"


def test_a_sheet_declaring_too_many_columns_is_refused_at_upload(statistician, streets, client_for, settings):
    settings.NAMELIST_MAX_COLUMNS = 200
    data = wide_xlsx(1000, rows=2)
    head = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")[:400]
    assert b'<dimension ref="A1:ALL3"' in head  # what the check reads: the declaration, not the cells
    upload = SimpleUploadedFile("宽表.xlsx", data)
    response = client_for(statistician).post(reverse("namelists:upload"), {
        "file": upload, "list_kind": "sishang", "street": statistician.street_id})
    assert response.status_code == 200 and "列数过多" in response.content.decode() and "1000 列" in response.content.decode()
    assert not ImportBatch.objects.exists()
    assert services.create_batch(statistician, wide_xlsx(200), "x.xlsx", "sishang").pk  # 200 is allowed


def test_a_csv_too_wide_is_refused_at_upload_and_a_sheet_without_a_declaration_in_the_worker(streets, settings):
    settings.NAMELIST_MAX_COLUMNS = 20
    rows = [["统一社会信用代码", "企业名称", "街道"] + [f"c{i}" for i in range(30)], [make_code(RNG), "甲公司", "马田街道"]]
    with pytest.raises(FileRejected, match="列数过多"):
        services.create_batch(None, csv_bytes(rows), "x.csv", "sishang")
    with pytest.raises(FileRejected, match="列数过多"):
        reader.read_file(csv_bytes(rows), "x.csv")  # the worker checks what it reads too


def test_a_database_without_streets_is_refused_with_the_advice_to_load_divisions(db, admin_user):
    rows = [["统一社会信用代码", "企业名称", "街道"], [make_code(RNG), "深圳市甲科技有限公司", "马田街道"]]
    advice = "请先运行 python manage.py load_divisions <区划代码> 载入街道和社区"
    with pytest.raises(FileRejected) as exc:
        services.create_batch(admin_user, csv_bytes(rows), "x.csv", "sishang")
    assert advice in str(exc.value) and not ImportBatch.objects.exists()
    with pytest.raises(FileRejected, match="load_divisions"):
        services.analyse(csv_bytes(rows), "x.csv", "sishang", 2025, None)


def test_a_list_naming_only_unknown_streets_is_refused_once_up_front(streets, monkeypatch):
    rows = [["统一社会信用代码", "企业名称", "街道"]] + [[make_code(RNG), f"深圳市{i}号科技有限公司", "不存在街道"]
                                                  for i in range(50)]
    parsed = []
    monkeypatch.setattr(diff, "parse_rows", lambda *a, **k: parsed.append(1))  # must not be reached
    with pytest.raises(FileRejected, match="不存在街道.*都不存在"):
        services.analyse(csv_bytes(rows), "x.csv", "sishang", 2025, None)
    assert parsed == []


def test_every_row_rejected_for_one_reason_is_said_once_and_listed_by_example(streets, admin_user):
    rows = [["统一社会信用代码", "企业名称", "街道"]] + [[9.14403116443886e17 + i * 1e4, f"深圳市{i}号科技有限公司", "马田街道"]
                                                  for i in range(150)]
    batch = services.create_batch(admin_user, xlsx_bytes({"名录": rows}), "x.xlsx", "sishang", 2025)
    batch = services.preview_batch(batch.pk)
    assert batch.counts["errors"] == 150 and batch.counts["created"] == 0
    assert batch.message.startswith("全部 150 行都因同一原因被拒绝") and "科学计数法" in batch.message
    assert ImportIssue.objects.filter(batch=batch, severity="error").count() == 100  # examples, not 150 repeats


def test_district_role_reads_the_import_history_but_cannot_upload(streets, client_for):
    district = UserFactory(role=Role.DISTRICT, street=None)
    client = client_for(district)
    assert client.get(reverse("namelists:index")).status_code == 200
    assert client.get(reverse("namelists:upload")).status_code == 403


def test_blank_industry_and_community_cells_on_re_import_keep_the_stored_values(streets, admin_user):
    code = make_code(RNG)
    header = ["统一社会信用代码", "企业名称", "街道", "社区", "行业代码"]
    first = [header, [code, "深圳市留值科技有限公司", "马田街道", "合水口社区", "3982"]]
    services.commit_batch(services.create_batch(admin_user, csv_bytes(first), "a.csv", "sishang", 2025).pk)
    firm = Enterprise.objects.get(uscc=code)
    assert firm.community.name == "合水口社区" and firm.industry.code == "3982"
    again = [header, [code, "深圳市留值科技有限公司", "马田街道", "", ""]]
    batch = services.commit_batch(services.create_batch(admin_user, csv_bytes(again), "b.csv", "sishang", 2025).pk)
    firm.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED and batch.counts["field_changes"] == 0
    assert firm.community.name == "合水口社区" and firm.industry.code == "3982"


def test_nearly_every_row_rejected_for_one_reason_is_said_once_and_the_odd_rows_are_kept(streets, admin_user):
    rows = [["统一社会信用代码", "企业名称", "街道"]] + [[9.14403116443886e17 + i * 1e4, f"深圳市{i}号科技有限公司", "马田街道"]
                                                  for i in range(150)]
    rows.append([wrong_check(make_code(RNG)), "深圳市别的问题科技有限公司", "马田街道"])  # its own reason: kept whole
    batch = services.create_batch(admin_user, xlsx_bytes({"名录": rows}), "x.xlsx", "sishang", 2025)
    batch = services.preview_batch(batch.pk)
    assert batch.counts["errors"] == 151
    assert batch.message.startswith("151 行中有 150 行因同一原因被拒绝") and "科学计数法" in batch.message
    assert ImportIssue.objects.filter(batch=batch, severity="error").count() == 101
    assert ImportIssue.objects.filter(batch=batch, row=152, severity="error").exists()
