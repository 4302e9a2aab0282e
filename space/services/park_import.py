"""园区楼宇台账 import: the street's park/building inventory from Excel, through the name-list reader.

Preview first (nothing written), every row checked; applying upserts by (street, name) in one statement.
Blank cells leave the stored value alone (a ledger that lacks a column does not wipe it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from crm.models import User
from crm.scoping import sees_all_streets
from enterprises.models import Park
from space.permissions import require

HEADERS = {
    "name": ("园区名称", "楼宇名称", "园区/楼宇名称", "园区楼宇名称", "名称", "园区/楼宇"),
    "kind": ("类型", "园区类型", "载体类型"),
    "address": ("地址", "详细地址", "园区地址"),
    "owner_name": ("运营方", "业主", "业主/运营方", "运营单位", "产权单位"),
    "longitude": ("经度",),
    "latitude": ("纬度",),
    "land_area": ("占地面积", "用地面积"),
    "floor_area": ("建筑面积", "总建筑面积"),
    "theme": ("主导产业", "产业定位", "一楼一业"),
    "managed_status": ("纳管状态", "是否纳管"),
    "managed_area": ("纳管面积",),
    "leased_area": ("统租面积",),
    "micro_unit": ("经济微单元", "微单元", "所属微单元"),
}
NUMBERS = ("longitude", "latitude", "land_area", "floor_area", "managed_area", "leased_area")
KINDS = {label: value for value, label in Park.Kind.choices} | {"工业园": "industrial", "产业园": "park",
                                                                   "楼宇": "building", "厂房": "factory"}
MANAGED = {"已纳管": "managed", "是": "managed", "纳管中": "pending", "未纳管": "none", "否": "none"}
MAX_ROWS = 5000


@dataclass
class ParkPreview:
    rows: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    new: int = 0


def preview(content: bytes, filename: str, *, actor: User, street_id: int) -> ParkPreview:
    from namelists.headers import normalise_header
    from namelists.parsing import clean_text, is_blank, parse_number
    from namelists.reader import FileRejected, read_file

    require(actor, "edit_park")
    if not sees_all_streets(actor) and actor.street_id != street_id:
        raise PermissionDenied(_("只能导入本街道的园区台账。"))
    result = ParkPreview()
    try:
        sheets = read_file(content, filename)
    except FileRejected as exc:
        result.errors.append(str(exc))
        return result
    except Exception:
        result.errors.append(_("无法读取文件：请上传 .xlsx、.xls 或 .csv 格式的园区楼宇台账。"))
        return result
    found = None
    for sheet in sheets:
        for r, row in enumerate(sheet.rows[:30]):
            cols = {}
            for c, value in enumerate(row):
                norm = normalise_header(value) if isinstance(value, str) else ""
                for key, names in HEADERS.items():
                    if norm in names and key not in cols:
                        cols[key] = c
            if "name" in cols and len(cols) >= 2:
                found = (sheet, r, cols)
                break
        if found:
            break
    if found is None:
        result.errors.append(_("未找到表头：前 30 行中应有“园区名称”列及至少一列台账信息（建筑面积、经度、纬度等）。"))
        return result
    sheet, header_row, cols = found
    data = sheet.rows[header_row + 1:]
    if len(data) > MAX_ROWS:
        result.errors.append(_("一次最多导入 %(n)s 行。") % {"n": MAX_ROWS})
        return result
    seen: dict[str, int] = {}
    for offset, row in enumerate(data):
        line = header_row + offset + 2
        if all(is_blank(v) for v in row):
            continue

        def cell(key):
            idx = cols.get(key)
            return row[idx] if idx is not None and idx < len(row) else None

        name = clean_text(cell("name"))[:100]
        if not name:
            result.errors.append(_("第 %(line)s 行：缺少园区名称。") % {"line": line})
            continue
        if name in seen:
            result.errors.append(_("第 %(line)s 行：“%(name)s”与第 %(first)s 行重复。")
                                 % {"line": line, "name": name, "first": seen[name]})
            continue
        seen[name] = line
        values: dict = {"name": name}
        bad = False
        for key in NUMBERS:
            raw = cell(key)
            if is_blank(raw):
                continue
            try:
                number = parse_number(raw) if key not in ("longitude", "latitude") else Decimal(clean_text(raw))
            except Exception:
                number = None
            limit = {"longitude": 180, "latitude": 90}.get(key)
            if number is None or number < 0 or (limit and number > limit):
                result.errors.append(_("第 %(line)s 行：“%(col)s”应为%(what)s。") % {
                    "line": line, "col": HEADERS[key][0], "what": _("有效的经纬度") if limit else _("非负数字")})
                bad = True
                continue
            values[key] = number.quantize(Decimal("0.000001") if limit else Decimal("0.01"))
        if ("longitude" in values) != ("latitude" in values):
            result.errors.append(_("第 %(line)s 行：经度和纬度须同时填写。") % {"line": line})
            bad = True
        if "floor_area" in values:
            for key in ("managed_area", "leased_area"):
                if values.get(key) is not None and values[key] > values["floor_area"]:
                    result.errors.append(_("第 %(line)s 行：“%(col)s”大于建筑面积。") % {"line": line, "col": HEADERS[key][0]})
                    bad = True
        kind = clean_text(cell("kind"))
        if kind:
            if kind not in KINDS:
                result.errors.append(_("第 %(line)s 行：类型“%(v)s”无法识别（工业园区、产业园区、商务楼宇、工业厂区）。")
                                     % {"line": line, "v": kind})
                bad = True
            else:
                values["kind"] = KINDS[kind]
        managed = clean_text(cell("managed_status"))
        if managed:
            if managed not in MANAGED:
                result.errors.append(_("第 %(line)s 行：纳管状态“%(v)s”无法识别（已纳管、纳管中、未纳管）。")
                                     % {"line": line, "v": managed})
                bad = True
            else:
                values["managed_status"] = MANAGED[managed]
        for key in ("address", "owner_name", "theme", "micro_unit"):
            text = clean_text(cell(key))
            if text:
                values[key] = text[:Park._meta.get_field(key).max_length]
        if not bad:
            result.rows.append(values)
    existing = set(Park.objects.filter(street_id=street_id, name__in=list(seen)).values_list("name", flat=True))
    result.new = sum(1 for r in result.rows if r["name"] not in existing)
    if not result.rows and not result.errors:
        result.errors.append(_("文件中没有数据行。"))
    return result


@transaction.atomic
def apply(*, actor: User, street_id: int, rows: list[dict]) -> int:
    """Upsert the previewed rows: new parks are created, existing ones get the non-blank columns."""
    require(actor, "edit_park")
    if not sees_all_streets(actor) and actor.street_id != street_id:
        raise PermissionDenied(_("只能导入本街道的园区台账。"))
    by_columns: dict[tuple, list[Park]] = {}
    for row in rows:
        values = {k: (Decimal(v) if k in NUMBERS else v) for k, v in row.items()}
        by_columns.setdefault(tuple(sorted(values)), []).append(Park(street_id=street_id, **values))
    count = 0
    for columns, parks in by_columns.items():
        update = [c for c in columns if c != "name"]
        if update:
            Park.objects.bulk_create(parks, update_conflicts=True, unique_fields=["street", "name"],
                                     update_fields=update, batch_size=1000)
        else:
            Park.objects.bulk_create(parks, ignore_conflicts=True, batch_size=1000)
        count += len(parks)
    return count
