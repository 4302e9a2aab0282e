"""Import of vacancies (空置物业) from an Excel sheet, all or nothing.

The first row holding the 园区 and 单元 headers is the header row. Every row is validated first; any error is
reported in Chinese with its row number and nothing is written. Units are keyed by (园区, 栋/座, 单元): a re-import
updates them. Parks unknown to the street are created.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from openpyxl import load_workbook
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from crm.models import User
from enterprises.models import Park
from pipelines.models import SpaceType, Vacancy
from pipelines.signals import vacancies_changed

MAX_ROWS = 5000
HEADERS = {
    "park": ("园区/楼宇", "园区", "楼宇", "园区名称"),
    "building": ("栋/座", "楼栋", "栋"),
    "unit_name": ("单元", "房号", "单元名称"),
    "space_type": ("类型", "物业类型", "用途"),
    "area": ("面积", "面积（㎡）", "面积(㎡)", "面积（平方米）", "面积(m2)"),
    "rent": ("租金", "租金（元/㎡·月）", "租金(元/㎡/月)"),
    "floor_load": ("荷载", "楼面荷载", "荷载（kN/㎡）"),
    "power_kva": ("配电", "配电容量", "配电（kVA）", "用电容量"),
    "owner_type": ("产权性质", "产权", "权属"),
    "available_from": ("可入驻日期", "可租日期", "可用日期"),
    "note": ("备注",),
}
REQUIRED = ("park", "unit_name", "space_type", "area")
UPDATE_FIELDS = ["space_type", "area", "rent", "floor_load", "power_kva", "owner_type", "available_from", "note"]


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _norm(text) -> str:
    return str(text or "").replace(" ", "").replace("\u3000", "").strip()


def _label_to_value(choices, text: str) -> str | None:
    text = _norm(text)
    for value, label in choices:
        if text in (value, str(label)):
            return value
    return None


def _decimal(raw, label: str, row: int, errors: list[str], *, required=False) -> Decimal | None:
    if raw in (None, ""):
        if required:
            errors.append(f"第{row}行：{label}不能为空")
        return None
    try:
        value = Decimal(str(raw).replace(",", "").strip())
    except InvalidOperation:
        errors.append(f"第{row}行：{label}“{raw}”不是数字")
        return None
    if value < 0 or (required and value == 0):
        errors.append(f"第{row}行：{label}必须大于0")
        return None
    return value


def _date(raw, row: int, errors: list[str]) -> dt.date | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = str(raw).strip().replace("/", "-").replace(".", "-")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        errors.append(f"第{row}行：日期“{raw}”无法识别（应为 2026-03-01）")
        return None


def read_rows(content: bytes) -> list[list]:
    wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    ws = wb.worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True, max_row=MAX_ROWS + 20)]


def import_vacancies(content: bytes, *, actor: User, street_id: int) -> ImportResult:
    result = ImportResult()
    try:
        rows = read_rows(content)
    except Exception:  # any unreadable file is the user's problem to fix, not a crash
        result.errors.append("无法读取文件：请上传 .xlsx 格式的 Excel 文件")
        return result
    header_at = None
    columns: dict[str, int] = {}
    for i, row in enumerate(rows[:20]):
        names = [_norm(c) for c in row]
        found = {f: names.index(a) for f, aliases in HEADERS.items() for a in aliases if a in names}
        if "park" in found and "unit_name" in found:
            header_at, columns = i, found
            break
    if header_at is None:
        result.errors.append("未找到表头：第一行应包含“园区/楼宇”“单元”“类型”“面积”等列")
        return result
    missing = [HEADERS[f][0] for f in REQUIRED if f not in columns]
    if missing:
        result.errors.append("缺少必填列：" + "、".join(missing))
        return result
    data_rows = rows[header_at + 1:]
    if len(data_rows) > MAX_ROWS:
        result.errors.append(f"一次最多导入{MAX_ROWS}行")
        return result

    parsed: dict[tuple[str, str, str], dict] = {}
    errors = result.errors
    for offset, row in enumerate(data_rows):
        line = header_at + offset + 2

        def cell(f):
            idx = columns.get(f)
            return row[idx] if idx is not None and idx < len(row) else None

        if all(c in (None, "") for c in row):
            continue
        park, unit = _norm(cell("park")), _norm(cell("unit_name"))
        building = _norm(cell("building"))
        if not park or not unit:
            errors.append(f"第{line}行：园区/楼宇和单元不能为空")
            continue
        space_type = _label_to_value(SpaceType.choices, cell("space_type"))
        if space_type is None:
            errors.append(f"第{line}行：类型“{cell('space_type')}”应为 厂房/研发/办公")
        owner = Vacancy.Owner.PRIVATE
        if cell("owner_type") not in (None, ""):
            owner = _label_to_value(Vacancy.Owner.choices, cell("owner_type"))
            if owner is None:
                errors.append(f"第{line}行：产权性质“{cell('owner_type')}”应为 国有/集体/社会")
        power = _decimal(cell("power_kva"), "配电容量", line, errors)
        values = {
            "space_type": space_type, "owner_type": owner,
            "area": _decimal(cell("area"), "面积", line, errors, required=True),
            "rent": _decimal(cell("rent"), "租金", line, errors),
            "floor_load": _decimal(cell("floor_load"), "荷载", line, errors),
            "power_kva": int(power) if power is not None else None,
            "available_from": _date(cell("available_from"), line, errors),
            "note": _norm(cell("note"))[:200],
        }
        key = (park, building, unit)
        if key in parsed:
            errors.append(f"第{line}行：{park}{building}{unit}在文件中重复")
        parsed[key] = values
        if len(errors) >= 50:
            errors.append("错误过多，已停止检查")
            break
    if errors:
        return result
    if not parsed:
        errors.append("文件中没有数据行")
        return result

    with transaction.atomic():
        parks = {p.name: p for p in Park.objects.filter(street_id=street_id, name__in={k[0] for k in parsed})}
        for name in {k[0] for k in parsed} - set(parks):
            parks[name] = Park.objects.create(street_id=street_id, name=name)
        existing = {
            (v.park.name, v.building, v.unit_name): v
            for v in Vacancy.objects.filter(park__in=parks.values()).select_related("park")
        }
        to_create, to_update = [], []
        for key, values in parsed.items():
            vacancy = existing.get(key)
            if vacancy is None:
                to_create.append(Vacancy(park=parks[key[0]], building=key[1], unit_name=key[2], **values))
            else:
                for name, value in values.items():
                    setattr(vacancy, name, value)
                to_update.append(vacancy)
        if to_create:
            bulk_create_with_history(to_create, Vacancy, batch_size=500, default_user=actor)
        if to_update:
            bulk_update_with_history(to_update, Vacancy, UPDATE_FIELDS, batch_size=500, default_user=actor)
        vacancies_changed.send(sender=Vacancy, park_ids=[p.pk for p in parks.values()])
    result.created, result.updated = len(to_create), len(to_update)
    return result
