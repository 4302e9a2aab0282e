"""园区楼宇台账 import: preview with errors by line, then an upsert by (street, name) that keeps blank columns."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from enterprises.models import Park
from space.services import park_import
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


def test_preview_then_apply_creates_and_updates(street, officer):
    existing = ParkFactory(street=street, name="旧园", address="原地址", floor_area=Decimal("1000"))
    content = ledger([1, "新园", "工业园区", 113.93, 22.77, 50000, "已纳管", 30000, "新材料", "第1微单元"],
                     [2, "旧园", None, None, None, 20000, None, None, None, None])
    result = park_import.preview(content, "l.xlsx", actor=officer, street_id=street.pk)
    assert result.errors == [] and result.new == 1
    assert not Park.objects.filter(name="新园").exists()
    park_import.apply(actor=officer, street_id=street.pk, rows=result.rows)
    new = Park.objects.get(street=street, name="新园")
    assert (new.kind, new.managed_status, new.longitude, new.floor_area, new.micro_unit) == (
        "industrial", "managed", Decimal("113.930000"), Decimal("50000"), "第1微单元")
    existing.refresh_from_db()
    assert existing.floor_area == Decimal("20000") and existing.address == "原地址"


def test_bad_rows_are_reported_and_nothing_is_written(street, officer):
    content = ledger([1, "甲", "火星基地", None, None, None, None, None, None, None],
                     [2, "乙", None, 200, 22.7, None, None, None, None, None],
                     [3, "丙", None, 113.9, None, None, None, None, None, None],
                     [4, "丁", None, None, None, 1000, "是", 5000, None, None],
                     [5, "甲", None, None, None, None, None, None, None, None])
    errors = park_import.preview(content, "l.xlsx", actor=officer, street_id=street.pk).errors
    assert any("第 3 行" in e and "类型" in e for e in errors)
    assert any("第 4 行" in e and "经度" in e for e in errors)
    assert any("第 5 行" in e and "同时填写" in e for e in errors)
    assert any("第 6 行" in e and "大于建筑面积" in e for e in errors)
    assert any("第 7 行" in e and "重复" in e for e in errors)
    assert not Park.objects.exists()


def test_import_page_flow_and_roles(street, officer, statistician, client_for):
    client = client_for(officer)
    upload = SimpleUploadedFile("l.xlsx", ledger([1, "新园", None, 113.93, 22.77, 50000, None, None, None, None]))
    response = client.post(reverse("space:park_import"), {"file": upload})
    assert response.status_code == 200 and response.context["preview"].rows
    response = client.post(reverse("space:park_import"), {"confirm": "1"})
    assert response.status_code == 302 and response.url == reverse("space:park_map")
    assert Park.objects.get(name="新园").latitude == Decimal("22.770000")
    assert client_for(statistician).get(reverse("space:park_import")).status_code == 403
    with pytest.raises(PermissionDenied):
        park_import.apply(actor=statistician, street_id=street.pk, rows=[{"name": "x"}])
