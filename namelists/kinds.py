"""One import framework for every list kind: what each kind is, who may import it, what its file must hold, and a
base for the small lists other apps parse and write (园区楼宇台账, 固投月报, 政策审批/兑现名单).

A kind another app writes registers a handler in `namelists.services.LIST_KIND_HANDLERS` from its AppConfig.ready()
(economy's "monthly" does, and the `KindImport` subclasses below). The batch, its run lock, Celery tasks, progress,
issues, error report, history pages and audit (ImportChange) stay the name-list pipeline's.

A `KindImport` subclass writes two methods:
- `analyse(batch, sheets, progress) -> KindAnalysis`: read and check every row, compare with the database, write
  nothing. Run by the preview, and again inside the commit's transaction (a preview may be hours old).
- `apply(batch, analysis, progress)`: write what the analysis found (inside the commit's transaction).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

import io
from dataclasses import dataclass, field
from typing import Callable

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from crm.exports import formula_safe
from crm.models import Role

from .errors import ImportRefused
from .models import ImportBatch, ImportChange, ImportIssue
from .parsing import Issue
from .reader import FileRejected, Sheet

NAMELIST_IMPORT_ROLES = (Role.STATISTICIAN, Role.ADMIN)
NAMELIST_VIEW_ROLES = (Role.STATISTICIAN, Role.ADMIN, Role.MANAGER, Role.DISTRICT)
PREVIEW_SAMPLES = 200


@dataclass(frozen=True)
class KindSpec:
    """What the upload page and the permission checks need to know of a list kind."""

    import_roles: tuple[str, ...] = NAMELIST_IMPORT_ROLES
    view_roles: tuple[str, ...] = NAMELIST_VIEW_ROLES
    # The columns the file must (and may) hold, as the upload page explains them.
    columns: str = ""
    # Upload options the kind uses: "year", "close_missing", "month", "street" (a street is required), "policy",
    # "outcome".
    options: tuple[str, ...] = ("year", "close_missing")
    # What one row of the list is, for the result cards: 企业 (firms) or 数据 (figures), 园区楼宇, 项目 …
    unit: str = "企业"
    # Where to go after a commit (a URL name), and what the page calls it.
    next_url: str = ""
    next_label: str = ""
    # The upload form's extra fields for this kind: fields(user) -> {name: forms.Field} (not required; the
    # handler's check() validates them).
    fields: Callable | None = None


SPECS: dict[str, KindSpec] = {
    "sishang": KindSpec(columns=gettext_lazy("必需：统一社会信用代码；新企业还需企业名称、街道（或选择限定街道）。可选：行业代码、营业收入、"
                                "工业总产值、从业人员、纳税额、社区、地址、法定代表人、产业集群")),
    "zjtx": KindSpec(columns=gettext_lazy("必需：统一社会信用代码。可选：级别/类型（小巨人、创新型、省级）、企业名称、街道及年度数据列")),
    "gaoxin": KindSpec(columns=gettext_lazy("必需：统一社会信用代码。可选：证书编号、发证日期、企业名称、街道")),
    "listed": KindSpec(columns=gettext_lazy("必需：统一社会信用代码。可选：股票代码、交易所、上市日期、企业名称、街道")),
    "preipo": KindSpec(columns=gettext_lazy("必需：统一社会信用代码。可选：企业名称、街道")),
    "monthly": KindSpec(columns=gettext_lazy("每个专业一张工作表。必需：统一社会信用代码、本年累计（或“1—N月”）；可选：本月、上年同期累计、"
                                "增速(%)、单位名称、街道、社区。标题写明“20XX年1—N月”或选择月份"),
                        options=("month",), unit="数据"),
}


# What one row is (KindSpec.unit), kept as the Chinese key the templates compare; shown through unit_label().
UNIT_LABELS = (pgettext_lazy("import unit", "企业"), pgettext_lazy("import unit", "数据"),
               pgettext_lazy("import unit", "园区楼宇"), pgettext_lazy("import unit", "项目"),
               pgettext_lazy("import unit", "政策兑现"), pgettext_lazy("import unit", "产品"))


def unit_label(unit: str) -> str:
    return pgettext("import unit", unit)


def spec(kind: str) -> KindSpec:
    return SPECS.get(kind, KindSpec())


def register(kind: str, kind_spec: KindSpec, handler) -> None:
    """Called from an AppConfig.ready(): the kind's spec and its preview/commit handler."""
    from .services import LIST_KIND_HANDLERS

    SPECS[kind] = kind_spec
    LIST_KIND_HANDLERS[kind] = handler


def auto_columns(kind: str) -> bool:
    """A kind whose columns its handler finds by their headers: the batch page offers no column mapping."""
    from .services import LIST_KIND_HANDLERS

    handler = LIST_KIND_HANDLERS.get(kind)
    # KindImport subclasses, and a handler with its own header reader (matchmaking's products: remappable = False).
    return isinstance(handler, KindImport) or getattr(handler, "remappable", True) is False


def commit_blocked(batch) -> bool:
    """An all-or-nothing kind's preview with rejected rows: the page offers no commit (it would write nothing)."""
    from .services import LIST_KIND_HANDLERS

    handler = LIST_KIND_HANDLERS.get(batch.list_kind)
    return bool(getattr(handler, "all_or_nothing", False) and (batch.counts or {}).get("errors"))


def option_note(batch) -> str:
    """What the batch page says of the kind's options (the policy and list type of a policy outcome list)."""
    from .services import LIST_KIND_HANDLERS

    handler = LIST_KIND_HANDLERS.get(batch.list_kind)
    return handler.describe(batch) if isinstance(handler, KindImport) else ""


def _has_role(user, roles) -> bool:
    from crm.permissions import user_has_role

    return user_has_role(user, roles)


def importable_kinds(user) -> list[str]:
    from .models import ListKind

    return [k for k in ListKind.values if _has_role(user, spec(k).import_roles)]


def viewable_kinds(user) -> list[str]:
    from .models import ListKind

    return [k for k in ListKind.values
            if _has_role(user, spec(k).view_roles) or _has_role(user, spec(k).import_roles)]


def all_import_roles() -> tuple[str, ...]:
    from .models import ListKind

    return tuple(sorted({r for k in ListKind.values for r in spec(k).import_roles}))


def all_view_roles() -> tuple[str, ...]:
    from .models import ListKind

    return tuple(sorted({r for k in ListKind.values for r in (*spec(k).view_roles, *spec(k).import_roles)}))


# ------------------------------------------------------------------------------------------ small lists' base


@dataclass
class KindAnalysis:
    """What a kind's analysis found. `changes`: (action, subject, target, field, before, after, row) for the audit,
    `subject` being what changed (a park's name, a project's code); `enterprise_id` may ride along as 8th item."""

    sheet_name: str = ""
    header_row: int = 0  # 0-based
    headers: list[str] = field(default_factory=list)
    mapping: dict[int, str] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    raw_rows: dict[int, list] = field(default_factory=dict)
    counts: dict = field(default_factory=dict)
    samples: dict = field(default_factory=dict)  # {"created": [...], "updated": [...], "closed": [...]}
    changes: list[tuple] = field(default_factory=list)
    summary: str = ""
    data: object = None  # what apply() writes

    def problem(self, row: int, column: str, value, reason: str, severity: str = "error", cells=None) -> None:
        from .parsing import clean_text

        self.issues.append(Issue(row, str(column), clean_text(value)[:200], str(reason), severity))
        if cells is not None:
            self.raw_rows[row] = list(cells)

    @property
    def rejected_rows(self) -> int:
        return len({i.row for i in self.issues if i.severity == "error"})


def find_header(sheets: list[Sheet], match, required: set[str], scan: int = 30):
    """(sheet, 0-based header row, {column index: field}) of the first row, in the first sheet, whose recognised
    columns include `required`; `match(header text) -> field | None`. None when no sheet has one."""
    for sheet in sheets:
        for r, row in enumerate(sheet.rows[:scan]):
            mapping: dict[int, str] = {}
            for c, value in enumerate(row):
                key = match(value) if isinstance(value, str) and value.strip() else None
                if key and key not in mapping.values():
                    mapping[c] = key
            if required <= set(mapping.values()):
                return sheet, r, mapping
    return None


def error_report(analysis: KindAnalysis) -> bytes:
    """The rows with problems as read, plus 问题类别 and 原因 (the name-list report's layout)."""
    from .report import _sheet

    from openpyxl import Workbook

    headers = list(analysis.headers)
    header = ["行号"] + [formula_safe(h) for h in headers] + ["问题类别", "原因"]
    labels = dict(ImportIssue.Severity.choices)
    by_row: dict[int, list[Issue]] = {}
    for issue in analysis.issues:
        by_row.setdefault(issue.row, []).append(issue)
    rejected, other = [], []
    for row_no in sorted(by_row):
        row_issues = by_row[row_no]
        cells = [("" if c is None else c) for c in analysis.raw_rows.get(row_no, [])]
        cells += [""] * max(0, len(headers) - len(cells))
        line = ([row_no or ""] + [formula_safe(c) for c in cells[:len(headers)]]
                + ["；".join(sorted({str(labels.get(i.severity, i.severity)) for i in row_issues})),
                   formula_safe("；".join(f"{i.column}：{i.reason}" if i.column else i.reason for i in row_issues))])
        (rejected if any(i.severity == "error" for i in row_issues) else other).append(line)
    wb = Workbook(write_only=True)
    _sheet(wb, "问题行", header, rejected + other)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


class KindImport:
    """Preview and commit of a small list another app parses and writes, on the name-list batch (run lock held
    by the caller: namelists.services.preview_batch / commit_batch)."""

    kind: str = ""
    # Rejected rows block the commit (nothing is written until the file is fixed) when True; when False the good
    # rows are written and the rejected ones listed in the report, as a name list does.
    all_or_nothing: bool = False

    def analyse(self, batch: ImportBatch, sheets: list[Sheet], progress) -> KindAnalysis:
        raise NotImplementedError

    def apply(self, batch: ImportBatch, analysis: KindAnalysis, progress) -> None:
        raise NotImplementedError

    def describe(self, batch: ImportBatch) -> str:
        """A line on the batch page about its options (which policy …)."""
        return ""

    def check(self, actor, batch_street, options: dict) -> dict:
        """Validate the upload's options (month, policy …) before anything is stored; return them as stored
        (JSON). ImportRefused / FileRejected with a message for the page otherwise."""
        return options

    # ---------------------------------------------------------------------------------------------- lifecycle

    def dry_run(self, data: bytes, file_name: str, street, options: dict) -> KindAnalysis:
        """The analysis of a file without a batch (import_namelist --dry-run): writes nothing at all."""
        from .reader import read_file

        batch = ImportBatch(list_kind=self.kind, file_name=file_name, street=street,
                            options=self.check(None, street, dict(options)))
        return self._complete(self.analyse(batch, read_file(data, file_name), lambda pct, note: None))

    def _read(self, batch: ImportBatch) -> list[Sheet]:
        from .reader import read_file

        with batch.file.open("rb") as fh:
            return read_file(fh.read(), batch.file_name)

    def _run(self, batch: ImportBatch, progress) -> KindAnalysis:
        progress(10, "读取文件")
        return self._complete(self.analyse(batch, self._read(batch), progress))

    def _complete(self, analysis: KindAnalysis) -> KindAnalysis:
        analysis.counts.setdefault("rows", 0)
        analysis.counts["errors"] = analysis.rejected_rows
        analysis.counts.setdefault("warnings", sum(1 for i in analysis.issues if i.severity == "warning"))
        analysis.counts.setdefault("duplicates", sum(1 for i in analysis.issues if i.severity == "duplicate"))
        analysis.counts.setdefault("field_changes", sum(1 for c in analysis.changes if c[0] == "updated"))
        analysis.counts["unit"] = spec(self.kind).unit
        return analysis

    def _store(self, batch: ImportBatch, analysis: KindAnalysis) -> None:
        from .services import _db_text
        from .writing import insert_rows

        batch.counts = analysis.counts
        batch.preview = analysis.samples
        batch.sheet_name = analysis.sheet_name[:100]
        batch.header_row = analysis.header_row + 1
        batch.headers = analysis.headers
        batch.mapping = {str(c): f for c, f in analysis.mapping.items()}
        batch.issues.all().delete()
        insert_rows(ImportIssue, ("batch_id", "sheet", "row", "column", "value", "reason", "severity", "firm_name",
                                  "street_name"),
                    ((batch.pk, batch.sheet_name, i.row, _db_text(i.column)[:100], _db_text(i.value)[:200],
                      _db_text(i.reason)[:500], i.severity, "", "") for i in analysis.issues))
        if batch.report:
            batch.report.delete(save=False)
        if analysis.issues:
            batch.report.save(f"batch{batch.pk}_问题报告.xlsx", ContentFile(error_report(analysis)), save=False)

    def _notes(self, batch: ImportBatch, analysis: KindAnalysis) -> str:
        from .services import _duplicate_file_note

        blocked = ("文件有被拒绝的行：请按问题报告修改后重新上传，修改前不会写入任何数据。"
                   if self.all_or_nothing and analysis.rejected_rows else "")
        return "\n".join(n for n in (analysis.summary, blocked, _duplicate_file_note(batch)) if n)

    def preview(self, batch_id: int) -> ImportBatch:
        from .services import _clear_progress, _fail, _progress_for

        batch = ImportBatch.objects.select_related("street", "created_by").get(pk=batch_id)
        if batch.status == ImportBatch.Status.COMMITTED:
            return batch
        try:
            analysis = self._run(batch, _progress_for(batch.id))
        except (FileRejected, ImportRefused) as exc:
            _fail(batch, str(exc))
            _clear_progress(batch.id)
            return batch
        with transaction.atomic():
            self._store(batch, analysis)
            batch.status = ImportBatch.Status.PREVIEWED
            batch.progress, batch.progress_note = 100, "预览完成"
            batch.message = self._notes(batch, analysis)
            batch.save()
        _clear_progress(batch.id)
        return batch

    def commit(self, batch_id: int, claimed: bool = False) -> ImportBatch:
        from .services import _clear_progress, _fail, _progress_for

        statuses = ([ImportBatch.Status.RUNNING] if claimed
                    else [ImportBatch.Status.PREVIEWED, ImportBatch.Status.PENDING])
        got = ImportBatch.objects.filter(pk=batch_id, status__in=statuses).update(
            status=ImportBatch.Status.RUNNING, progress=0, progress_note="开始导入", running_since=timezone.now())
        batch = ImportBatch.objects.select_related("street", "created_by").get(pk=batch_id)
        if not got:
            raise ImportRefused(f"批次状态为“{batch.get_status_display()}”，不能提交")
        progress = _progress_for(batch.id)
        try:
            with transaction.atomic():
                analysis = self._run(batch, progress)
                if self.all_or_nothing and analysis.rejected_rows:
                    # Nothing is written; the batch keeps the rows to fix and their report.
                    self._store(batch, analysis)
                    batch.status = ImportBatch.Status.FAILED
                    batch.progress, batch.progress_note = 0, ""
                    batch.message = (f"文件有 {analysis.rejected_rows} 行被拒绝，未写入任何数据：请按问题报告修改后"
                                     "重新上传。")
                    batch.save()
                    return batch
                progress(70, "写入数据")
                self.apply(batch, analysis, progress)
                self._record(batch, analysis)
                self._store(batch, analysis)
                batch.status = ImportBatch.Status.COMMITTED
                batch.committed_at = timezone.now()
                batch.progress, batch.progress_note = 100, "导入完成"
                batch.message = self._notes(batch, analysis)
                batch.save()
        except (FileRejected, ImportRefused) as exc:
            _fail(batch, str(exc))
        except Exception as exc:  # noqa: BLE001 - the batch must end in a visible state; re-raised
            _fail(batch, f"导入失败，数据库未作任何修改：{type(exc).__name__}")
            raise
        finally:
            _clear_progress(batch.id)
        return batch

    @staticmethod
    def _record(batch: ImportBatch, analysis: KindAnalysis) -> None:
        """The audit: one ImportChange per changed value (or created/removed row) of the batch."""
        now = timezone.now()
        ImportChange.objects.bulk_create([
            ImportChange(batch=batch, action=c[0], subject=str(c[1])[:200], target=str(c[2])[:40],
                         field=str(c[3])[:40], before=str(c[4])[:300], after=str(c[5])[:300], row=c[6],
                         enterprise_id=c[7] if len(c) > 7 else None, created_at=now)
            for c in analysis.changes], batch_size=1000)
