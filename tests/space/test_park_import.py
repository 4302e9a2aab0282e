"""园区楼宇台账 import, through the import pipeline (list kind "parks"): preview with errors by line, then an upsert
by (street, name) that keeps blank columns; the old page redirects to the pipeline's upload with the kind chosen."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from enterprises.models import Park
from namelists import services
from namelists.errors import ImportRefused
from namelists.models import ImportBatch, ImportChange
from tests.space.factories import ParkFactory

pytestmark = pytest.mark.django_db
HEADER = ["序号", "园区名称", "类型", "经度", "纬度", "建筑面积（㎡）", "纳管状态", "纳管面积", "主导产业", "经济微单元"]


def ledger(*rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["马田街道园区楼宇台账"])
    ws.append(HEADER)
    for row in rows:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def preview(actor, content: bytes, street) -> ImportBatch:
    batch = services.create_batch(actor, content, "台账.xlsx", "parks", street=street)
    return services.preview_batch(batch.pk)


@pytest.fixture(autouse=True)
def run_queued_tasks(monkeypatch):
    """Views queue Celery tasks on commit; the test transaction never commits, so run them as they are queued."""
    monkeypatch.setattr("django.db.transaction.on_commit", lambda func, using=None, robust=False: func())


def test_preview_then_commit_creates_and_updates(street, officer):
    existing = ParkFactory(street=street, name="旧园", address="原地址", floor_area=Decimal("1000"))
    content = ledger([1, "新园", "工业园区", 113.93, 22.77, 50000, "已纳管", 30000, "新材料", "第1微单元"],
                     [2, "旧园", None, None, None, 20000, None, None, None, None])
    batch = preview(officer, content, street)
    assert batch.status == "previewed" and batch.counts["errors"] == 0
    assert (batch.counts["created"], batch.counts["updated"]) == (1, 1)
    assert not Park.objects.filter(name="新园").exists()  # the preview writes nothing
    batch = services.commit_batch(batch.pk)
    assert batch.status == "committed"
    new = Park.objects.get(street=street, name="新园")
    assert (new.kind, new.managed_status, new.longitude, new.floor_area, new.micro_unit) == (
        "industrial", "managed", Decimal("113.930000"), Decimal("50000"), "第1微单元")
    existing.refresh_from_db()
    assert existing.floor_area == Decimal("20000") and existing.address == "原地址"  # blank cell kept the address
    # The audit: what the batch changed, value by value.
    change = ImportChange.objects.get(batch=batch, subject="旧园")
    assert (change.action, change.before, change.after) == ("updated", "1000.00", "20000.00")
    assert ImportChange.objects.filter(batch=batch, subject="新园", action="created").exists()


def test_bad_rows_are_reported_and_nothing_is_written(street, officer, client_for):
    content = ledger([1, "甲", "火星基地", None, None, None, None, None, None, None],
                     [2, "乙", None, 200, 22.7, None, None, None, None, None],
                     [3, "丙", None, 113.9, None, None, None, None, None, None],
                     [4, "丁", None, None, None, 1000, "是", 5000, None, None],
                     [5, "甲", None, None, None, None, None, None, None, None],
                     [6, "戊", None, None, None, 1000, None, None, None, None])
    batch = preview(officer, content, street)
    issues = [(i.row, i.reason) for i in batch.issues.all()]
    assert any(row == 3 and "类型" in reason for row, reason in issues)
    assert any(row == 4 and "经纬度" in reason for row, reason in issues)
    assert any(row == 5 and "同时填写" in reason for row, reason in issues)
    assert any(row == 6 and "大于建筑面积" in reason for row, reason in issues)
    assert any(row == 7 and "重复" in reason for row, reason in issues)
    assert batch.counts["errors"] == 5 and batch.report  # the error report lists the rows to fix
    page = client_for(officer).get(reverse("namelists:detail", args=[batch.pk])).content.decode()
    assert "nl-blocked" in page and reverse("namelists:commit", args=[batch.pk]) not in page  # no commit offered
    batch = services.commit_batch(batch.pk)
    assert batch.status == "failed" and "未写入任何数据" in batch.message
    assert not Park.objects.exists()  # not even the good row 8: the ledger is all or nothing


def test_a_park_import_needs_a_street_and_the_park_roles(street, officer, statistician, admin_user):
    with pytest.raises(ImportRefused):  # the statistician keeps the 固投 report, not the park ledger
        services.create_batch(statistician, ledger([1, "新园"]), "l.xlsx", "parks", street=street)
    with pytest.raises(ImportRefused):  # a district-wide administrator names the street
        services.create_batch(admin_user, ledger([1, "新园"]), "l.xlsx", "parks")
    assert not ImportBatch.objects.exists()


def test_import_page_flow_and_roles(street, officer, statistician, client_for):
    client = client_for(officer)
    old = client.get(reverse("space:park_import"))
    assert old.status_code == 302 and old.url == reverse("namelists:upload") + "?kind=parks"
    page = client.get(old.url)
    assert page.status_code == 200 and page.context["form"]["list_kind"].value() == "parks"
    assert [k for k, _label in page.context["form"].fields["list_kind"].choices] == ["parks", "products"]
    upload = SimpleUploadedFile("l.xlsx", ledger([1, "新园", None, 113.93, 22.77, 50000, None, None, None, None]))
    response = client.post(reverse("namelists:upload"), {"file": upload, "list_kind": "parks", "street": street.pk})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and batch.status == "previewed" and not Park.objects.exists()
    detail = client.get(reverse("namelists:detail", args=[batch.pk]))
    assert detail.status_code == 200 and detail.context["unit"] == "园区楼宇"
    assert "新增园区楼宇" in detail.content.decode() and "新建企业" not in detail.content.decode()
    client.post(reverse("namelists:commit", args=[batch.pk]))
    assert Park.objects.get(name="新园").latitude == Decimal("22.770000")
    done = client.get(reverse("namelists:detail", args=[batch.pk]))
    assert reverse("space:park_map") in done.content.decode()  # the next step: check the map
    assert client.get(reverse("namelists:index")).context["batches"] == [batch]
    assert client_for(statistician).get(reverse("space:park_import")).status_code == 403
    # The statistician sees the batch in the history but may not commit a park ledger.
    assert client_for(statistician).post(reverse("namelists:commit", args=[batch.pk])).status_code == 403
