"""Name-list import: the batch lifecycle (upload → preview → commit), run in the worker.

The analysis is `diff.analyse`, the writes `writing.apply`, the error report `report.error_report`, the run locks
`locks`. The commit re-runs the analysis inside its transaction so it applies exactly what the database holds at
that moment (a preview may be hours old). Nothing here reads `request`.
"""

from __future__ import annotations

import re
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone

from crm.models import Street
from crm.permissions import user_has_role
from crm.scoping import sees_all_streets

from .diff import Analysis, Plan, analyse, check_streets_loaded, forget_last_read, infer_year, read_sheets
from .errors import ImportRefused
from .headers import detect, validate_mapping
from .kinds import NAMELIST_IMPORT_ROLES, NAMELIST_VIEW_ROLES, spec
from .locks import INTERRUPTED_MESSAGE, RUN_LOCK_NAMESPACE, batch_run_lock, fail_interrupted_batches
from .models import ImportBatch, ImportChange, ImportIssue, ListKind
from .progress import clear_progress as _clear_progress, progress_for as _progress_for, read_progress
from .reader import FileRejected, check_upload, sha256_of
from .report import empty_report, error_report
from .tasks import commit_task, preview_task
from .writing import NewFirmWriter, apply, insert_rows

__all__ = [
    "IMPORT_ROLES", "VIEW_ROLES", "Analysis", "FileRejected", "ImportRefused", "INTERRUPTED_MESSAGE", "Plan",
    "RUN_LOCK_NAMESPACE", "analyse", "apply", "batch_run_lock", "check_can_import", "commit_batch", "create_batch",
    "detect_header", "empty_report", "error_report", "fail_interrupted_batches", "preview_batch", "read_progress",
    "request_commit", "request_preview", "set_mapping", "sha256_of",
]

# The name lists' roles; each kind's are in namelists.kinds (SPECS, registered by the apps that write them).
IMPORT_ROLES = NAMELIST_IMPORT_ROLES
# The district-level role (区级领导) reads every street's import history; it imports nothing.
VIEW_ROLES = NAMELIST_VIEW_ROLES


def may_import(actor, list_kind: str | None = None) -> bool:
    return user_has_role(actor, spec(list_kind).import_roles if list_kind else IMPORT_ROLES)


def check_can_import(actor, street: Street | None, list_kind: str | None = None) -> None:
    if not may_import(actor, list_kind):
        raise ImportRefused(f"您的角色无权导入{ListKind(list_kind).label if list_kind in ListKind.values else '名录'}")
    if not sees_all_streets(actor) and (street is None or street.id != actor.street_id):
        raise ImportRefused("只能导入本街道的名录")


def create_batch(actor, data: bytes, file_name: str, list_kind: str, year: int | None = None,
                 street: Street | None = None, close_missing: bool = False,
                 options: dict | None = None) -> ImportBatch:
    """Store the upload after the cheap checks only (size, real format, archive sizes and ratio, declared sheet
    dimensions): nothing is parsed here, in the web request. The worker's preview detects the header and validates.
    FileRejected (nothing stored) when the file cannot be used. `options`: what the kind needs besides year and
    street (a month, a policy), checked by the kind's handler before anything is stored."""
    if street is None and actor is not None and not sees_all_streets(actor):
        street = actor.street
    if list_kind not in ListKind.values:
        raise FileRejected(f"名录类型“{list_kind}”无效")
    if actor is not None:
        check_can_import(actor, street, list_kind)
    kind_spec = spec(list_kind)
    if "street" in kind_spec.options and street is None:
        raise ImportRefused(f"{ListKind(list_kind).label}须指定街道")
    handler = LIST_KIND_HANDLERS.get(list_kind)
    options = dict(options or {})
    if hasattr(handler, "check"):
        options = handler.check(actor, street, options)
    check_upload(data, file_name)
    check_streets_loaded()
    year_given = year is not None
    year = year or infer_year("", file_name) or timezone.localdate().year
    if "year" not in kind_spec.options:
        close_missing = False
    batch = ImportBatch(
        created_by=actor, file_name=file_name[:255], sha256=sha256_of(data), size=len(data), list_kind=list_kind,
        year=year, year_given=year_given, street=street, close_missing=close_missing, options=options,
    )
    batch.file.save(f"{batch.sha256[:16]}{_ext(file_name)}", ContentFile(data), save=False)
    batch.save()
    return batch


def detect_header(data: bytes, file_name: str) -> None:
    """Read and find the header, or FileRejected: for callers outside a web request (the command line) that must
    refuse an unusable file before anything is stored. The read is kept for the analysis that follows."""
    detect(read_sheets(data, file_name))


def _ext(name: str) -> str:
    m = re.search(r"\.(xlsx|xls|csv)$", name.lower())
    return m.group(0) if m else ""


def set_mapping(batch: ImportBatch, mapping: dict[int, str]) -> None:
    problems = validate_mapping(mapping)
    if problems:
        raise ImportRefused("；".join(problems))
    if batch.status not in (ImportBatch.Status.PENDING, ImportBatch.Status.PREVIEWED, ImportBatch.Status.FAILED):
        raise ImportRefused("该批次已在处理或已导入，不能再修改列映射")
    batch.mapping = {str(c): f for c, f in mapping.items() if f}
    batch.status = ImportBatch.Status.PENDING
    batch.save(update_fields=["mapping", "status"])


def _read_batch_file(batch: ImportBatch) -> bytes:
    with batch.file.open("rb") as fh:
        return fh.read()


def request_preview(batch: ImportBatch, actor) -> None:
    """Mark the batch running and queue the dry run (inline when Celery runs eagerly)."""
    check_can_import(actor, batch.street, batch.list_kind)
    claimed = ImportBatch.objects.filter(
        pk=batch.pk, status__in=[ImportBatch.Status.PENDING, ImportBatch.Status.PREVIEWED, ImportBatch.Status.FAILED]
    ).update(status=ImportBatch.Status.RUNNING, progress=0, progress_note="预览中", message="",
             running_since=timezone.now())
    if not claimed:
        raise ImportRefused("该批次正在处理或已导入")
    _clear_progress(batch.pk)
    transaction.on_commit(lambda: preview_task.delay(batch.pk))


def request_commit(batch: ImportBatch, actor) -> None:
    check_can_import(actor, batch.street, batch.list_kind)
    claimed = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.PREVIEWED).update(
        status=ImportBatch.Status.RUNNING, progress=0, progress_note="导入中", running_since=timezone.now())
    if not claimed:
        raise ImportRefused("只有已预览的批次可以提交")
    _clear_progress(batch.pk)
    transaction.on_commit(lambda: commit_task.delay(batch.pk))


LIST_KIND_HANDLERS: dict[str, object] = {}  # see the comment at _handler_for


# List kinds whose rows another app parses and writes (economy's "monthly" figures, space's "parks" and
# "fai_monthly", policies' "policy_outcomes"): kind → handler with preview(batch_id) and commit(batch_id, claimed)
# (and optionally check(actor, street, options) run at upload), registered from that app's AppConfig.ready(),
# with the kind's roles and columns in namelists.kinds.SPECS (kinds.register). The batch, its run lock, tasks,
# progress, issues, report and history pages stay the name-list pipeline's.


def _handler_for(batch_id: int):
    kind = ImportBatch.objects.filter(pk=batch_id).values_list("list_kind", flat=True).first()
    return LIST_KIND_HANDLERS.get(kind)


def preview_batch(batch_id: int) -> ImportBatch:
    """Dry run: see _preview_batch. Runs under the batch's run lock."""
    with batch_run_lock(batch_id):
        if handler := _handler_for(batch_id):
            return handler.preview(batch_id)
        return _preview_batch(batch_id)


def _preview_batch(batch_id: int) -> ImportBatch:
    """Dry run: analyse and store counts, samples, issues and the error report. Writes nothing else."""
    batch = ImportBatch.objects.select_related("street").get(pk=batch_id)
    if batch.status == ImportBatch.Status.COMMITTED:
        return batch
    try:
        analysis = analyse(_read_batch_file(batch), batch.file_name, batch.list_kind,
                           batch.year if batch.year_given else None, batch.street, batch.column_mapping,
                           batch.close_missing, _progress_for(batch.id))
        forget_last_read()
    except FileRejected as exc:
        _fail(batch, str(exc))
        _clear_progress(batch.id)
        return batch
    with transaction.atomic():
        _store_analysis(batch, analysis)
        batch.status = ImportBatch.Status.PREVIEWED
        batch.progress, batch.progress_note = 100, "预览完成"
        batch.message = _notes(batch, analysis)
        batch.save()
    _clear_progress(batch.id)
    return batch


def _duplicate_file_note(batch: ImportBatch) -> str:
    earlier = (ImportBatch.objects.filter(sha256=batch.sha256, status=ImportBatch.Status.COMMITTED)
               .exclude(pk=batch.pk).order_by("-committed_at").first())
    if earlier:
        return f"同一文件已于 {timezone.localtime(earlier.committed_at):%Y-%m-%d %H:%M} 导入过（批次 #{earlier.pk}），再次导入不会重复创建。"
    return ""


def _notes(batch: ImportBatch, analysis: Analysis) -> str:
    """What the batch page says up front: a reason every row shares, an earlier import of the same file."""
    return "\n".join(note for note in (analysis.summary, _duplicate_file_note(batch)) if note)


def _db_text(text: str) -> str:
    """A reason may quote a bad cell as it was: PostgreSQL text cannot hold NUL."""
    return text.replace("\x00", "") if "\x00" in text else text


def _store_analysis(batch: ImportBatch, analysis: Analysis, report: Future | None = None) -> None:
    """`report`: the error report already being built (see _commit_batch); built here when not given."""
    batch.counts = analysis.counts
    batch.preview = analysis.plan.samples
    detection = analysis.detection  # the header the worker found (the upload request parses nothing)
    batch.sheet_name = detection.sheet_name[:100]
    batch.header_row = detection.header_row + 1
    batch.headers = detection.headers
    batch.mapping = {str(c): f for c, f in detection.mapping.items() if f}
    batch.year = analysis.year
    batch.issues.all().delete()
    sheet = detection.sheet_name[:100]
    insert_rows(ImportIssue, ("batch_id", "sheet", "row", "column", "value", "reason", "severity", "firm_name",
                              "street_name"),
                ((batch.pk, sheet, i.row, _db_text(i.column)[:100], _db_text(i.value)[:200], _db_text(i.reason)[:500],
                  i.severity, _db_text(i.firm_name)[:200], _db_text(i.street_name)[:50]) for i in analysis.issues))
    if batch.report:
        batch.report.delete(save=False)
    if analysis.issues:
        content = report.result() if report is not None else error_report(analysis)
        batch.report.save(f"batch{batch.pk}_问题报告.xlsx", ContentFile(content), save=False)


def commit_batch(batch_id: int, claimed: bool = False) -> ImportBatch:
    """Apply the import atomically (see _commit_batch), under the batch's run lock."""
    with batch_run_lock(batch_id):
        if handler := _handler_for(batch_id):
            return handler.commit(batch_id, claimed)
        return _commit_batch(batch_id, claimed)


def _commit_batch(batch_id: int, claimed: bool = False) -> ImportBatch:
    """Apply the import atomically. Any failure rolls everything back and marks the batch failed.

    `claimed`: the caller (request_commit) already moved the batch to running."""
    statuses = [ImportBatch.Status.RUNNING] if claimed else [ImportBatch.Status.PREVIEWED, ImportBatch.Status.PENDING]
    claimed = ImportBatch.objects.filter(pk=batch_id, status__in=statuses).update(
        status=ImportBatch.Status.RUNNING, progress=0, progress_note="开始导入", running_since=timezone.now())
    batch = ImportBatch.objects.select_related("street").get(pk=batch_id)
    if not claimed:
        raise ImportRefused(f"批次状态为“{batch.get_status_display()}”，不能提交")
    progress = _progress_for(batch.id)
    try:
        with transaction.atomic(), ThreadPoolExecutor(max_workers=1) as pool:
            # On PostgreSQL new firms are written while the file is still being analysed (see NewFirmWriter).
            with (NewFirmWriter(batch.id, timezone.now()) if connection.vendor == "postgresql"
                  else nullcontext()) as writer:
                analysis = analyse(_read_batch_file(batch), batch.file_name, batch.list_kind,
                                   batch.year if batch.year_given else None, batch.street, batch.column_mapping,
                                   batch.close_missing, progress, writer)
                # The report is pure Python and the writes wait on PostgreSQL, so building it meanwhile takes it
                # (~0.5 s per 2,000 problem rows) off the commit's time. It touches no database.
                report = pool.submit(error_report, analysis) if analysis.issues else None
            forget_last_read()  # the rows are no longer needed: free them before the writes build theirs
            apply(analysis.plan, batch.id, progress)
            _store_analysis(batch, analysis, report)
            batch.status = ImportBatch.Status.COMMITTED
            batch.committed_at = timezone.now()
            batch.progress, batch.progress_note = 100, "导入完成"
            batch.message = _notes(batch, analysis)
            batch.save()
    except (FileRejected, ImportRefused) as exc:
        _fail(batch, str(exc))
    except Exception as exc:  # noqa: BLE001 - the batch must end in a visible state, the error is re-raised
        _fail(batch, f"导入失败，数据库未作任何修改：{type(exc).__name__}")
        raise
    finally:
        _clear_progress(batch.id)
        forget_last_read()
    if batch.status == ImportBatch.Status.COMMITTED:
        refresh_statistics(batch)
    return batch


# A commit that wrote this many rows has the tables it wrote ANALYZEd at once (see refresh_statistics).
ANALYZE_AFTER_ROWS = 1000


def refresh_statistics(batch: ImportBatch) -> None:
    """PostgreSQL plans queries from table statistics that autovacuum refreshes only after its next nap, and not at
    all where it is off: for a minute or more after a 20,000-row list, every page that counts or lists the street's
    firms (the home card, the list, the 挂图作战 counts, the batch page) was planned as if the tables held a dozen
    rows — nested loops over 20,000 firms, 80–200 ms a query instead of a few. ANALYZE of the tables a large import
    wrote takes a fraction of a second on the worker (it samples at most 30,000 rows a table)."""
    if connection.vendor != "postgresql" or (batch.counts or {}).get("rows", 0) < ANALYZE_AFTER_ROWS:
        return
    from enterprises.models import AnnualFigure, Classification, Enterprise

    tables = [m._meta.db_table for m in (Enterprise, Classification, AnnualFigure, ImportChange)]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def _fail(batch: ImportBatch, message: str) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.FAILED, message=message[:2000],
                                                  progress=0, progress_note="")
    batch.refresh_from_db()
