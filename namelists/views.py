"""Import pages: upload → column mapping → preview → commit, progress polling, batch detail, history."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.urls import reverse

from crm.audit import log_export
from crm.permissions import check_role
from crm.uploads import serve_upload

from . import kinds, selectors, services
from .forms import MappingForm, UploadForm
from .headers import FIELDS
from .models import ImportBatch
from .reader import FileRejected

PAGE = 50


def _roles(which):
    """role_required with the roles read at request time: the kinds other apps register (园区楼宇台账 for the
    officers who keep the parks, 固投月报 …) add theirs in their AppConfig.ready()."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            check_role(request.user, which())
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


view_roles = _roles(kinds.all_view_roles)
import_roles = _roles(kinds.all_import_roles)


def _check_may_import(user, batch: ImportBatch) -> None:
    """A batch the user sees but whose kind the user does not import (a manager on a name list): 403."""
    if not services.may_import(user, batch.list_kind):
        raise PermissionDenied(_("您的角色无权导入此类名单。"))


@view_roles
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
        "can_import": bool(kinds.importable_kinds(request.user)),
    })


@import_roles
def upload(request):
    initial = {k: request.GET[k] for k in ("list_kind", "month", "policy", "outcome") if request.GET.get(k)}
    if request.GET.get("kind"):  # the old import pages redirect here with ?kind=parks …
        initial["list_kind"] = request.GET["kind"]
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data["file"]
        try:
            batch = services.create_batch(
                request.user, f.read(), f.name, form.cleaned_data["list_kind"], form.cleaned_data["year"],
                form.cleaned_data["street"], form.cleaned_data["close_missing"], form.options())
        except (FileRejected, services.ImportRefused) as exc:
            form.add_error("file", str(exc))
        else:
            # The upload request only stored the file: the worker reads it, finds the header and previews.
            services.request_preview(batch, request.user)
            messages.success(request, _("文件已上传，正在识别表头并预览；完成后本页自动刷新，可核对列映射后确认导入。"))
            return redirect("namelists:detail", batch.pk)
    return render(request, "namelists/upload.html", {"form": form})


@view_roles
def detail(request, pk: int):
    batch = selectors.batch_for(request.user, pk)
    can_import = services.may_import(request.user, batch.list_kind)
    kind_spec = kinds.spec(batch.list_kind)
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
        # What one row is for this kind (企业, 数据, 园区楼宇, 项目 …): the cards say "新建企业" only for firms.
        "unit": (counts.get("unit") or kind_spec.unit),
        "unit_label": kinds.unit_label(counts.get("unit") or kind_spec.unit),
        "auto_columns": kinds.auto_columns(batch.list_kind),
        "option_note": kinds.option_note(batch),
        "commit_blocked": kinds.commit_blocked(batch),
        "next_url": reverse(kind_spec.next_url) if kind_spec.next_url and batch.status == "committed" else "",
        "next_label": kind_spec.next_label,
    })


@require_POST
@import_roles
def mapping(request, pk: int):
    batch = selectors.batch_for(request.user, pk)
    _check_may_import(request.user, batch)
    if kinds.auto_columns(batch.list_kind):
        messages.error(request, _("此类名单的列按表头自动识别，不能修改列映射。"))
        return redirect("namelists:detail", batch.pk)
    form = MappingForm(request.POST, headers=batch.headers, mapping=batch.column_mapping)
    if form.is_valid():
        try:
            services.set_mapping(batch, form.mapping())
            services.request_preview(batch, request.user)
        except services.ImportRefused as exc:
            messages.error(request, str(exc))
    return redirect("namelists:detail", batch.pk)


@require_POST
@import_roles
def commit(request, pk: int):
    batch = selectors.batch_for(request.user, pk)
    _check_may_import(request.user, batch)
    try:
        services.request_commit(batch, request.user)
    except services.ImportRefused as exc:
        messages.error(request, str(exc))
    return redirect("namelists:detail", batch.pk)


@view_roles
def progress(request, pk: int):
    batch = selectors.batch_for(request.user, pk)
    if not batch.is_busy:
        response = HttpResponse("")
        response["HX-Refresh"] = "true"  # the step finished: reload the page to show its result
        return response
    pct, note = services.read_progress(batch)
    return render(request, "namelists/_progress.html", {"batch": batch, "progress": pct, "progress_note": note})


@view_roles
def report(request, pk: int):
    batch = selectors.batch_for(request.user, pk)
    if not batch.report:
        raise Http404("没有问题报告")
    # The report repeats rows of the uploaded list (names, legal representatives): personal data.
    log_export(request.user, what=f"名录导入问题报告（批次{batch.pk}）", rows=0, personal_data=True,
               filters={"batch": batch.pk})
    return serve_upload(batch.report, name=f"导入批次{batch.pk}_问题报告.xlsx", as_download=True)
