"""Import pages: upload → column mapping → preview → commit, progress polling, batch detail, history."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.audit import log_export
from crm.permissions import role_required, user_has_role
from crm.uploads import serve_upload

from . import selectors, services
from .forms import MappingForm, UploadForm
from .headers import FIELDS
from .models import ImportBatch
from .reader import FileRejected

PAGE = 50


@role_required(*services.VIEW_ROLES)
def index(request):
    qs = selectors.batches_for(request.user).order_by("-id")
    before = request.GET.get("before")
    if before and before.isdigit():
        qs = qs.filter(id__lt=int(before))
    batches = list(qs[: PAGE + 1])
    more = len(batches) > PAGE
    batches = batches[:PAGE]
    return render(request, "namelists/index.html", {
        "batches": batches, "next_before": batches[-1].id if more else None,
        "moves": selectors.street_moves_for(request.user),
        "can_import": user_has_role(request.user, services.IMPORT_ROLES),
    })


@role_required(*services.IMPORT_ROLES)
def upload(request):
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data["file"]
        try:
            batch = services.create_batch(
                request.user, f.read(), f.name, form.cleaned_data["list_kind"], form.cleaned_data["year"],
                form.cleaned_data["street"], form.cleaned_data["close_missing"])
        except (FileRejected, services.ImportRefused) as exc:
            form.add_error("file", str(exc))
        else:
            # The upload request only stored the file: the worker reads it, finds the header and previews.
            services.request_preview(batch, request.user)
            messages.success(request, _("文件已上传，正在识别表头并预览；完成后本页自动刷新，可核对列映射后确认导入。"))
            return redirect("namelists:detail", batch.pk)
    return render(request, "namelists/upload.html", {"form": form})


@role_required(*services.VIEW_ROLES)
def detail(request, pk: int):
    batch = selectors.batch_for(request.user, pk)
    can_import = user_has_role(request.user, services.IMPORT_ROLES)
    mapping_form = MappingForm(headers=batch.headers, mapping=batch.column_mapping)
    pct, note = services.read_progress(batch)
    counts = batch.counts or {}
    return render(request, "namelists/detail.html", {
        "batch": batch, "can_import": can_import, "mapping_form": mapping_form,
        "mapped": [(batch.headers[i] if i < len(batch.headers) else "", FIELDS[f][0])
                   for i, f in sorted(batch.column_mapping.items()) if f in FIELDS],
        "progress": pct, "progress_note": note, "counts": counts,
        "errors": selectors.issues_of(batch, "error", 200),
        "warnings": selectors.issues_of(batch, "warning", 200),
        "duplicates": selectors.issues_of(batch, "duplicate", 200),
        # Rows of other streets are counted, not listed as problems to fix: the error report lists them apart.
        "changes": selectors.changes_of(batch, 200) if batch.status == ImportBatch.Status.COMMITTED else [],
        "preview_updated": selectors.preview_changes(batch),
        # A list kind another app reads by its own headers (matchmaking's products) offers no column mapping here.
        "remappable": getattr(services.LIST_KIND_HANDLERS.get(batch.list_kind), "remappable", True),
    })


@require_POST
@role_required(*services.IMPORT_ROLES)
def mapping(request, pk: int):
    batch = selectors.batch_for(request.user, pk)
    form = MappingForm(request.POST, headers=batch.headers, mapping=batch.column_mapping)
    if form.is_valid():
        try:
            services.set_mapping(batch, form.mapping())
            services.request_preview(batch, request.user)
        except services.ImportRefused as exc:
            messages.error(request, str(exc))
    return redirect("namelists:detail", batch.pk)


@require_POST
@role_required(*services.IMPORT_ROLES)
def commit(request, pk: int):
    batch = selectors.batch_for(request.user, pk)
    try:
        services.request_commit(batch, request.user)
    except services.ImportRefused as exc:
        messages.error(request, str(exc))
    return redirect("namelists:detail", batch.pk)


@role_required(*services.VIEW_ROLES)
def progress(request, pk: int):
    batch = selectors.batch_for(request.user, pk)
    if not batch.is_busy:
        response = HttpResponse("")
        response["HX-Refresh"] = "true"  # the step finished: reload the page to show its result
        return response
    pct, note = services.read_progress(batch)
    return render(request, "namelists/_progress.html", {"batch": batch, "progress": pct, "progress_note": note})


@role_required(*services.VIEW_ROLES)
def report(request, pk: int):
    batch = selectors.batch_for(request.user, pk)
    if not batch.report:
        raise Http404("没有问题报告")
    # The report repeats rows of the uploaded list (names, legal representatives): personal data.
    log_export(request.user, what=f"名录导入问题报告（批次{batch.pk}）", rows=0, personal_data=True,
               filters={"batch": batch.pk})
    return serve_upload(batch.report, name=f"导入批次{batch.pk}_问题报告.xlsx", as_download=True)
