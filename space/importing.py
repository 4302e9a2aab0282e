"""产业空间 imports through the name-list pipeline (upload → background preview → per-row errors and the error
report → atomic commit → history and audit, `import_namelist --list parks|fai_monthly`):

- `parks` (园区楼宇台账): a street's park/building inventory, upserted by (street, name). Blank cells keep the
  stored value (a ledger that lacks a column does not wipe it).
- `fai_monthly` (固投月报): the month's completed investment per project, matched by project code within the street.
  Importing a month replaces every figure of that month for the street (a corrected report is the whole truth for
  its month). Requires the month (upload field / `--month YYYY-MM`).

Both are all-or-nothing, as their pages always were: a file with a rejected row writes nothing (the batch page and
the error report list every row to fix). Registered in SpaceConfig.ready().
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from enterprises.models import Park
from namelists.errors import ImportRefused
from namelists.headers import normalise_header
from namelists.kinds import PREVIEW_SAMPLES, KindAnalysis, KindImport, KindSpec, find_header, register
from namelists.models import ImportBatch, ListKind
from namelists.parsing import clean_text, is_blank, parse_number
from namelists.reader import FileRejected, Sheet
from space.models import InvestmentMonth, InvestmentProject
from space.permissions import ACTION_ROLES, READ_ROLES

MAX_ROWS = 5000


def _matcher(headers: dict[str, tuple[str, ...]]):
    def match(value) -> str | None:
        norm = normalise_header(value)
        return next((key for key, names in headers.items() if norm in names), None)

    return match


def _shown(value) -> str:
    if value is None or value == "":
        return ""
    return format(value, "f") if isinstance(value, Decimal) else str(value)


class _Cells:
    """One row's cells by field (`cell("name")`), and `problem(field, reason)` to report it with the row."""

    def __init__(self, analysis: KindAnalysis, headers: dict[str, tuple[str, ...]], line: int, cells):
        self.analysis, self.headers, self.line, self.cells = analysis, headers, line, cells
        self.col = {f: c for c, f in analysis.mapping.items()}

    def __call__(self, key: str):
        idx = self.col.get(key)
        return self.cells[idx] if idx is not None and idx < len(self.cells) else None

    def problem(self, key: str, reason: str) -> None:
        column = self.analysis.headers[self.col[key]] if key in self.col else self.headers[key][0]
        self.analysis.problem(self.line, column, self(key), reason, cells=self.cells)


def _data_rows(sheet: Sheet, analysis: KindAnalysis, headers: dict[str, tuple[str, ...]]):
    """(Excel row number, cell, problem) of the non-blank rows below the header; FileRejected beyond MAX_ROWS."""
    start = analysis.header_row + 1
    rows = [(start + offset + 1, row) for offset, row in enumerate(sheet.rows[start:])
            if not all(is_blank(v) for v in row)]
    if len(rows) > MAX_ROWS:
        raise FileRejected(f"一次最多导入 {MAX_ROWS} 行。")
    for line, row in rows:
        cells = _Cells(analysis, headers, line, row)
        yield line, cells, cells.problem


def _start(sheet: Sheet, header_row: int, mapping: dict[int, str]) -> KindAnalysis:
    return KindAnalysis(sheet_name=sheet.name, header_row=header_row, mapping=mapping,
                        headers=["" if v is None else str(v).strip() for v in sheet.rows[header_row]])


def _street_id(batch: ImportBatch) -> int:
    if batch.street_id is None:
        raise ImportRefused(f"{batch.get_list_kind_display()}须指定街道")
    return batch.street_id


# ---------------------------------------------------------------------------------------------- 园区楼宇台账

PARK_HEADERS = {
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
PARK_NUMBERS = ("longitude", "latitude", "land_area", "floor_area", "managed_area", "leased_area")
PARK_TEXTS = ("address", "owner_name", "theme", "micro_unit")
PARK_KINDS = {label: value for value, label in Park.Kind.choices} | {"工业园": "industrial", "产业园": "park",
                                                                        "楼宇": "building", "厂房": "factory"}
MANAGED = {"已纳管": "managed", "是": "managed", "纳管中": "pending", "未纳管": "none", "否": "none"}
PARK_CHOICES = (("kind", PARK_KINDS, "类型“{}”无法识别（工业园区、产业园区、商务楼宇、工业厂区）"),
                ("managed_status", MANAGED, "纳管状态“{}”无法识别（已纳管、纳管中、未纳管）"))


def _park_label(key: str) -> str:
    return str(Park._meta.get_field(key).verbose_name)


class ParkImport(KindImport):
    kind = ListKind.PARKS
    all_or_nothing = True

    def analyse(self, batch, sheets, progress) -> KindAnalysis:
        street_id = _street_id(batch)
        match = _matcher(PARK_HEADERS)
        found = None
        for sheet in sheets:  # the 园区名称 column and at least one more column of the ledger
            candidate = find_header([sheet], match, {"name"})
            if candidate and len(candidate[2]) >= 2:
                found = candidate
                break
        if found is None:
            raise FileRejected("未找到表头：前 30 行中应有“园区名称”列及至少一列台账信息（建筑面积、经度、纬度等）。")
        sheet, header_row, mapping = found
        a = _start(sheet, header_row, mapping)
        rows: list[dict] = []
        seen: dict[str, int] = {}
        progress(30, "校验数据")
        for line, cell, problem in _data_rows(sheet, a, PARK_HEADERS):
            a.counts["rows"] = a.counts.get("rows", 0) + 1
            name = clean_text(cell("name"))[:100]
            if not name:
                problem("name", "缺少园区名称")
                continue
            if name in seen:
                problem("name", f"“{name}”与第 {seen[name]} 行重复")
                continue
            seen[name] = line
            values: dict = {"name": name}
            bad = False
            for key in PARK_NUMBERS:
                raw = cell(key)
                if is_blank(raw):
                    continue
                limit = {"longitude": 180, "latitude": 90}.get(key)
                try:
                    number = parse_number(raw) if not limit else Decimal(clean_text(raw))
                except Exception:  # noqa: BLE001 - any unreadable number is the row's error
                    number = None
                if number is None or not number.is_finite() or number < 0 or (limit and number > limit):
                    problem(key, f"“{PARK_HEADERS[key][0]}”应为{'有效的经纬度' if limit else '非负数字'}")
                    bad = True
                    continue
                values[key] = Decimal(number).quantize(Decimal("0.000001") if limit else Decimal("0.01"))
            if ("longitude" in values) != ("latitude" in values):
                problem("longitude" if "longitude" not in values else "latitude", "经度和纬度须同时填写")
                bad = True
            if "floor_area" in values:
                for key in ("managed_area", "leased_area"):
                    if values.get(key) is not None and values[key] > values["floor_area"]:
                        problem(key, f"“{PARK_HEADERS[key][0]}”大于建筑面积")
                        bad = True
            for key, table, refused in PARK_CHOICES:
                text = clean_text(cell(key))
                if text and text in table:
                    values[key] = table[text]
                elif text:
                    problem(key, refused.format(text))
                    bad = True
            for key in PARK_TEXTS:
                text = clean_text(cell(key))
                if text:
                    values[key] = text[:Park._meta.get_field(key).max_length]
            if not bad:
                values["_row"] = line
                rows.append(values)
        progress(60, "比对现有园区")
        fields = [*PARK_NUMBERS, *PARK_TEXTS, "kind", "managed_status"]
        existing = {p["name"]: p for p in Park.objects.filter(street_id=street_id, name__in=list(seen))
                    .values("id", "name", *fields)}
        created = updated = unchanged = 0
        samples: dict[str, list] = {"created": [], "updated": []}
        for values in rows:
            line, name = values["_row"], values["name"]
            before = existing.get(name)
            if before is None:
                created += 1
                a.changes.append(("created", name, "park", "name", "", name, line))
                if len(samples["created"]) < PREVIEW_SAMPLES:
                    detail = " · ".join(f"{_park_label(k)} {_shown(values[k])}" for k in ("floor_area", "theme")
                                        if k in values)
                    samples["created"].append({"row": line, "code": "", "name": f"{name} {detail}".strip()})
                continue
            diffs = [(_park_label(k), _shown(before[k]), _shown(values[k])) for k in fields
                     if k in values and before[k] != values[k]]
            if not diffs:
                unchanged += 1
                continue
            updated += 1
            a.changes.extend(("updated", name, "park", f, was, now, line) for f, was, now in diffs)
            if len(samples["updated"]) < PREVIEW_SAMPLES:
                samples["updated"].append({"row": line, "code": "", "name": name,
                                           "changes": [["park", f, was, now] for f, was, now in diffs]})
        a.counts.update(created=created, updated=updated, unchanged=unchanged)
        a.samples = samples
        a.data = rows
        if not rows and not a.issues:
            raise FileRejected("文件中没有数据行。")
        return a

    def apply(self, batch, analysis, progress) -> None:
        """Upsert by (street, name): new parks are created, existing ones get the non-blank columns only."""
        by_columns: dict[tuple, list[Park]] = {}
        for row in analysis.data:
            values = {k: v for k, v in row.items() if not k.startswith("_")}
            by_columns.setdefault(tuple(sorted(values)), []).append(Park(street_id=batch.street_id, **values))
        for columns, parks in by_columns.items():
            update = [c for c in columns if c != "name"]
            if update:
                Park.objects.bulk_create(parks, update_conflicts=True, unique_fields=["street", "name"],
                                         update_fields=update, batch_size=1000)
            else:
                Park.objects.bulk_create(parks, ignore_conflicts=True, batch_size=1000)


# ---------------------------------------------------------------------------------------------- 固投月报

FAI_HEADERS = {
    "code": ("项目代码", "项目编码", "项目编号", "统计项目代码", "项目统一代码", "项目代码号"),
    "amount": ("本月完成投资", "当月完成投资", "本月完成投资额", "当月完成投资额", "本月完成", "当月完成", "本月投资"),
    "name": ("项目名称", "名称"),
}


def parse_month(text) -> dt.date:
    """'2026-05' → date(2026, 5, 1); ImportRefused (with the page's message) otherwise or for a future month."""
    try:
        year, month = (int(x) for x in str(text or "").strip().split("-")[:2])
        value = dt.date(year, month, 1)
    except (ValueError, TypeError):
        raise ImportRefused("固投月报须指定月份（YYYY-MM，如 2026-03）") from None
    if value > timezone.localdate().replace(day=1):
        raise ImportRefused("月份不能晚于本月。")
    return value


class FaiMonthlyImport(KindImport):
    kind = ListKind.FAI_MONTHLY
    all_or_nothing = True

    def check(self, actor, batch_street, options: dict) -> dict:
        return {**options, "month": f"{parse_month(options.get('month')):%Y-%m}"}

    def analyse(self, batch, sheets, progress) -> KindAnalysis:
        street_id = _street_id(batch)
        month = parse_month((batch.options or {}).get("month"))
        found = find_header(sheets, _matcher(FAI_HEADERS), {"code", "amount"})
        if found is None:
            raise FileRejected("未找到表头：前 30 行中应有“项目代码”和“本月完成投资”两列。")
        sheet, header_row, mapping = found
        a = _start(sheet, header_row, mapping)
        parsed: list[tuple[int, str, str, Decimal]] = []
        seen: dict[str, int] = {}
        progress(30, "校验数据")
        for line, cell, problem in _data_rows(sheet, a, FAI_HEADERS):
            code = clean_text(cell("code")).upper()
            if not code:
                if any(str(v).strip().startswith(("合计", "总计")) for v in cell.cells if v is not None):
                    continue
                a.counts["rows"] = a.counts.get("rows", 0) + 1
                problem("code", "缺少项目代码")
                continue
            a.counts["rows"] = a.counts.get("rows", 0) + 1
            if code in seen:
                problem("code", f"项目代码 {code} 与第 {seen[code]} 行重复")
                continue
            seen[code] = line
            try:
                amount = parse_number(cell("amount"))
            except Exception:  # noqa: BLE001 - text where a number belongs is the row's error
                amount = None
            if amount is None:
                problem("amount", "本月完成投资不是数字")
                continue
            if amount < 0:
                problem("amount", "本月完成投资不能为负数")
                continue
            parsed.append((line, code, clean_text(cell("name")), Decimal(amount).quantize(Decimal("0.01"))))
        progress(60, "比对项目库")
        mapping_col = {f: c for c, f in mapping.items()}
        projects = {p.code.upper(): p for p in InvestmentProject.objects.filter(
            street_id=street_id, code__in=[c for _l, c, _n, _a in parsed])}
        before = {r.project_id: r for r in InvestmentMonth.objects.filter(project__street_id=street_id, month=month)
                  .select_related("project")}
        ym = f"{month:%Y-%m}"
        target = f"fai:{ym}"
        rows: list[tuple[int, Decimal]] = []
        created = updated = unchanged = 0
        samples: dict[str, list] = {"created": [], "updated": [], "closed": []}
        total = Decimal("0")
        for line, code, name, amount in parsed:
            project = projects.get(code)
            if project is None:
                a.problem(line, a.headers[mapping_col["code"]], code, f"项目代码 {code} 不在本街道固投项目库中，请先入库",
                          cells=sheet.rows[line - 1])
                continue
            rows.append((project.pk, amount))
            total += amount
            label = f"{code} {name or project.name}"
            prior = before.pop(project.pk, None)
            if prior is None:
                created += 1
                a.changes.append(("created", label, target, "本月完成投资（万元）", "", _shown(amount), line))
                if len(samples["created"]) < PREVIEW_SAMPLES:
                    samples["created"].append({"row": line, "code": code,
                                               "name": f"{name or project.name} {amount} 万元"})
            elif prior.amount != amount:
                updated += 1
                a.changes.append(("updated", label, target, "本月完成投资（万元）", _shown(prior.amount), _shown(amount),
                                  line))
                if len(samples["updated"]) < PREVIEW_SAMPLES:
                    samples["updated"].append({"row": line, "code": code, "name": name or project.name, "changes": [
                        [target, "本月完成投资（万元）", _shown(prior.amount), _shown(amount)]]})
            else:
                unchanged += 1
        for prior in before.values():  # on the month before, not in the corrected report: removed
            a.changes.append(("closed", f"{prior.project.code} {prior.project.name}", target, "本月完成投资（万元）",
                              _shown(prior.amount), "", None))
            if len(samples["closed"]) < PREVIEW_SAMPLES:
                samples["closed"].append({"code": prior.project.code, "name": prior.project.name,
                                          "category": f"{ym} 不在新报表中，删除"})
        replaced = InvestmentMonth.objects.filter(project__street_id=street_id, month=month).count()
        a.counts.update(created=created, updated=updated, unchanged=unchanged, removed=len(before), replaced=replaced,
                        month=ym, total=str(total), year=month.year)
        a.samples = samples
        a.data = (month, rows)
        a.summary = (f"{ym}：{len(rows)} 个项目，本月完成合计 {total} 万元。导入将整体替换本街道该月已有数据"
                     f"（现有 {replaced} 行）。")
        if not rows and not a.issues:
            raise FileRejected("文件中没有数据行。")
        return a

    def apply(self, batch, analysis, progress) -> None:
        """Replace the street's figures of the month with the file's, in the commit's transaction."""
        month, rows = analysis.data
        ids = {pid for pid, _a in rows}
        if InvestmentProject.objects.filter(street_id=batch.street_id, pk__in=ids).count() != len(ids):
            raise ImportRefused("导入数据含有不属于本街道的项目。")
        InvestmentMonth.objects.filter(project__street_id=batch.street_id, month=month).delete()
        InvestmentMonth.objects.bulk_create([
            InvestmentMonth(project_id=pid, month=month, amount=amount, source=f"batch:{batch.pk}")
            for pid, amount in rows
        ])


def register_kinds() -> None:
    register(ListKind.PARKS, KindSpec(
        import_roles=ACTION_ROLES["edit_park"], view_roles=READ_ROLES,
        columns=gettext_lazy("必需：园区名称（或楼宇名称）及至少一列台账信息。可选：类型、地址、业主/运营方、经度、纬度、占地面积、"
                "建筑面积、主导产业、纳管状态、纳管面积、统租面积、经济微单元。按“街道+名称”更新，空白单元格保留原值"),
        options=("street",), unit="园区楼宇", next_url="space:park_map", next_label=gettext_lazy("在产业地图上核对位置"),
    ), ParkImport())
    register(ListKind.FAI_MONTHLY, KindSpec(
        import_roles=ACTION_ROLES["import_investment"], view_roles=READ_ROLES,
        columns=gettext_lazy("必需：项目代码、本月完成投资（万元）；可选：项目名称。须选择月份；项目须已在本街道固投项目库中。"
                "重新导入同一月份将整体替换本街道该月数据"),
        options=("street", "month"), unit="项目", next_url="space:investment_list", next_label=gettext_lazy("查看进度滞后的项目"),
    ), FaiMonthlyImport())
