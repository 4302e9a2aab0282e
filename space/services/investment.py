"""固投: the monthly completed-investment import, and the year-to-date figures the targets and dashboard read.

The import reuses the name-list pipeline's reader (format sniffing, size/zip limits, merged cells) and its header
normalisation; the rows are matched to projects by project code in one query. Nothing is written until the
preview has no errors; applying a month replaces every figure of that month for the street (a corrected report
is the whole truth for its month), in one transaction, and leaves an InvestmentImport row as history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import DecimalField, ExpressionWrapper, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import User
from crm.scoping import sees_all_streets
from space.models import InvestmentImport, InvestmentMonth, InvestmentProject
from space.permissions import require

HEADERS = {
    "code": ("项目代码", "项目编码", "项目编号", "统计项目代码", "项目统一代码", "项目代码号"),
    "amount": ("本月完成投资", "当月完成投资", "本月完成投资额", "当月完成投资额", "本月完成", "当月完成", "本月投资"),
    "name": ("项目名称", "名称"),
}
MAX_ROWS = 5000
DEC = DecimalField(max_digits=16, decimal_places=2)


@dataclass
class PreviewRow:
    line: int
    code: str
    name: str
    amount: Decimal
    project_id: int
    previous: Decimal | None


@dataclass
class Preview:
    month: dt.date
    rows: list[PreviewRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((r.amount for r in self.rows), Decimal("0"))


def _check_street(actor: User, street_id: int) -> None:
    if not sees_all_streets(actor) and actor.street_id != street_id:
        raise PermissionDenied(_("只能导入本街道的固投数据。"))


def _find_header(rows: list) -> tuple[int, dict[str, int]] | None:
    from namelists.headers import normalise_header

    for r, row in enumerate(rows[:30]):
        found: dict[str, int] = {}
        for c, value in enumerate(row):
            norm = normalise_header(value) if isinstance(value, str) else ""
            for key, names in HEADERS.items():
                if norm in names and key not in found:
                    found[key] = c
        if "code" in found and "amount" in found:
            return r, found
    return None


def preview(content: bytes, filename: str, *, actor: User, street_id: int, month: dt.date) -> Preview:
    """Read the report and check every row; writes nothing."""
    from namelists.parsing import clean_text, is_blank, parse_number
    from namelists.reader import FileRejected, read_file

    require(actor, "import_investment")
    _check_street(actor, street_id)
    result = Preview(month=month.replace(day=1))
    if result.month > timezone.localdate().replace(day=1):
        result.errors.append(_("月份不能晚于本月。"))
        return result
    try:
        sheets = read_file(content, filename)
    except FileRejected as exc:
        result.errors.append(str(exc))
        return result
    except Exception:  # an unreadable file is the user's to fix
        result.errors.append(_("无法读取文件：请上传 .xlsx、.xls 或 .csv 格式的固投月报。"))
        return result
    found = None
    for sheet in sheets:
        header = _find_header(sheet.rows)
        if header:
            found = (sheet, *header)
            break
    if found is None:
        result.errors.append(_("未找到表头：前 30 行中应有“项目代码”和“本月完成投资”两列。"))
        return result
    sheet, header_row, columns = found
    data = sheet.rows[header_row + 1:]
    if len(data) > MAX_ROWS:
        result.errors.append(_("一次最多导入 %(n)s 行。") % {"n": MAX_ROWS})
        return result

    def cell(row, key):
        idx = columns.get(key)
        return row[idx] if idx is not None and idx < len(row) else None

    parsed: list[tuple[int, str, str, Decimal]] = []
    seen: dict[str, int] = {}
    for offset, row in enumerate(data):
        line = header_row + offset + 2
        if all(is_blank(v) for v in row):
            continue
        code = clean_text(cell(row, "code")).upper()
        if not code:
            if any(str(v).strip().startswith(("合计", "总计")) for v in row if v is not None):
                continue
            result.errors.append(_("第 %(line)s 行：缺少项目代码。") % {"line": line})
            continue
        if code in seen:
            result.errors.append(_("第 %(line)s 行：项目代码 %(code)s 与第 %(first)s 行重复。")
                                 % {"line": line, "code": code, "first": seen[code]})
            continue
        seen[code] = line
        try:
            amount = parse_number(cell(row, "amount"))
        except Exception:
            amount = None
        if amount is None:
            result.errors.append(_("第 %(line)s 行：本月完成投资不是数字。") % {"line": line})
            continue
        if amount < 0:
            result.errors.append(_("第 %(line)s 行：本月完成投资不能为负数。") % {"line": line})
            continue
        parsed.append((line, code, clean_text(cell(row, "name")), Decimal(amount).quantize(Decimal("0.01"))))
    projects = {p.code.upper(): p for p in InvestmentProject.objects.filter(
        street_id=street_id, code__in=[c for _l, c, _n, _a in parsed])}
    previous = dict(InvestmentMonth.objects.filter(project__in=projects.values(), month=result.month)
                    .values_list("project_id", "amount"))
    for line, code, name, amount in parsed:
        project = projects.get(code)
        if project is None:
            result.errors.append(_("第 %(line)s 行：项目代码 %(code)s 不在本街道固投项目库中，请先入库。")
                                 % {"line": line, "code": code})
            continue
        result.rows.append(PreviewRow(line, code, name or project.name, amount, project.pk, previous.get(project.pk)))
    if not result.rows and not result.errors:
        result.errors.append(_("文件中没有数据行。"))
    return result


@transaction.atomic
def apply(*, actor: User, street_id: int, month: dt.date, rows: list[tuple[int, str]], filename: str) -> InvestmentImport:
    """Replace the street's figures of `month` with `rows` [(project_id, amount)] from an error-free preview."""
    require(actor, "import_investment")
    _check_street(actor, street_id)
    month = month.replace(day=1)
    ids = {pid for pid, _a in rows}
    if InvestmentProject.objects.filter(street_id=street_id, pk__in=ids).count() != len(ids):
        raise PermissionDenied(_("导入数据含有不属于本街道的项目。"))
    existing = InvestmentMonth.objects.filter(project__street_id=street_id, month=month)
    replaced, _deleted = existing.count(), existing.delete()
    batch = InvestmentImport.objects.create(street_id=street_id, month=month, filename=filename[:200],
                                            rows=len(rows), replaced=replaced, by=actor)
    InvestmentMonth.objects.bulk_create([
        InvestmentMonth(project_id=pid, month=month, amount=Decimal(str(amount)), source=f"import:{batch.pk}")
        for pid, amount in rows
    ])
    return batch


# ---------------------------------------------------------------------------------------------------------------
# Figures


def projects_with_progress(qs: QuerySet, year: int, until: dt.date) -> QuerySet:
    """Annotate projects with investment completed in `year` up to `until` and how far behind the plan they are.

    Behind schedule: completed year-to-date below the plan pro rata to the months elapsed (year_plan × m / 12).
    """
    months = InvestmentMonth.objects.filter(project_id=OuterRef("pk"), month__year=year, month__lte=until)
    done = Coalesce(Subquery(months.order_by().values("project_id").annotate(s=Sum("amount")).values("s")[:1],
                             output_field=DEC), Value(Decimal("0"), output_field=DEC))
    elapsed = Decimal(until.month if until.year == year else (12 if until.year > year else 0))
    return qs.annotate(
        ytd=done,
        expected=ExpressionWrapper(F("year_plan") * Value(elapsed) / Value(Decimal("12")), output_field=DEC),
    ).annotate(
        behind=ExpressionWrapper(F("expected") - F("ytd"), output_field=DEC),
    )


def completed(street_id: int, start: dt.date, end: dt.date, *, officer_id: int | None = None,
              team_id: int | None = None) -> tuple[Decimal, QuerySet]:
    """Investment completed in the months of [start, end] (万元), and the projects behind it."""
    months = InvestmentMonth.objects.filter(project__street_id=street_id, month__gte=start.replace(day=1),
                                            month__lte=end)
    if officer_id:
        months = months.filter(project__officer_id=officer_id)
    if team_id:
        months = months.filter(project__pipeline_project__team_id=team_id)
    total = months.aggregate(s=Sum("amount"))["s"] or Decimal("0")
    return Decimal(total), InvestmentProject.objects.filter(pk__in=months.values("project_id"))
