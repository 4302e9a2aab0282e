"""Thin views: role check, scoping through visible_to (404 outside the user's scope), then a service/selector."""

from __future__ import annotations

import datetime as dt
import json

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from appeals import exports, selectors, services
from appeals.forms import AppealForm, PolicyForm, TransferForm
from appeals.models import Appeal, AppealAttachment, DepartmentTask, ExtensionRequest, SlaClock, SlaPolicy
from crm.models import Department, Role
from crm.audit import filters_of, log_export
from crm.permissions import MANAGEMENT_ROLES, OFFICE_ROLES, role_required

ALL_APPEAL_ROLES = (Role.OFFICER, Role.STATISTICIAN, Role.MANAGER, Role.ADMIN, Role.DEPARTMENT)
ACTOR_ROLES = (Role.OFFICER, Role.MANAGER, Role.ADMIN)


@role_required(*ALL_APPEAL_ROLES)
def appeal_list(request):
    qs = selectors.filtered_appeals(request.user, request.GET)
    if request.GET.get("export") == "xlsx":
        log_export(request.user, what="诉求清单", rows=min(qs.count(), exports.MAX_ROWS), personal_data=False,
                   filters=filters_of(request.GET))
        return exports.appeals_xlsx(qs)
    rows, next_key = selectors.page(qs, request.GET.get("after"))
    params = request.GET.copy()
    params.pop("after", None)
    kpi = request.GET.get("kpi")
    other = params.copy()
    other.pop("kpi", None)
    return render(request, "appeals/list.html", {
        "rows": rows, "next_key": next_key, "params": params.urlencode(), "statuses": Appeal.Status.choices,
        "kpi_label": selectors.KPI_LABELS.get(kpi or ""), "filters": request.GET,
        # A KPI drill-down shows both sides of its rate (met / missed / all) with their counts.
        "drill": selectors.drill_sides(request.user, request.GET), "params_without_kpi": other.urlencode(),
        "plain_kpis": ("", "overdue", "due_today", "escalated"), "now": timezone.now(),
    })


@role_required(*ACTOR_ROLES)
def appeal_create(request):
    initial = {"officer": request.user.pk if request.user.role == Role.OFFICER else None}
    if request.GET.get("enterprise", "").isdigit():
        initial["enterprise"] = int(request.GET["enterprise"])
    problem = None
    if request.GET.get("problem", "").isdigit():
        from enterprises.models import VisitProblem

        problem = get_object_or_404(VisitProblem.objects.visible_to(request.user), pk=int(request.GET["problem"]))
        if request.method == "POST":
            try:
                appeal = services.create_appeal_from_visit_problem(problem=problem, actor=request.user)
            except services.WorkflowError as exc:
                messages.error(request, str(exc))
                return redirect(request.get_full_path())
            messages.success(request, _("已将走访发现的问题登记为诉求。"))
            return redirect("appeals:detail", pk=appeal.pk)
    form = AppealForm(request.POST or None, request.FILES or None, user=request.user, initial=initial)
    if request.method == "POST" and problem is None and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                appeal = services.create_appeal(
                    enterprise=data["enterprise"], category=data["category"], description=data["description"],
                    officer=data["officer"], actor=request.user, title=data["title"], source=data["source"],
                    urgency=data["urgency"], contact_name=data["contact_name"], contact_phone=data["contact_phone"],
                )
                if data.get("attachment"):
                    services.add_attachment(appeal, actor=request.user, upload=data["attachment"])
        except services.WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("诉求已登记，时限开始计时。"))
            return redirect("appeals:detail", pk=appeal.pk)
    return render(request, "appeals/create.html", {"form": form, "problem": problem})


def _detail_context(request, appeal: Appeal) -> dict:
    clocks = services.clocks_for(appeal)
    now = timezone.now()
    for clock in clocks:
        clock.light = ("red" if clock.state == "breached" or (clock.state == "running" and now > clock.due_at)
                       else "yellow" if clock.state == "running" and now >= clock.warn_at
                       else "green" if clock.state in ("running", "met") else "grey")
    user = request.user
    my_task = None
    if user.role == Role.DEPARTMENT:
        my_task = appeal.department_tasks.filter(department_id=user.department_id,
                                                 state__in=DepartmentTask.OPEN_STATES).first()
    return {
        "appeal": appeal, "clocks": clocks, "light": services.light(appeal, clocks, now),
        "events": appeal.events.select_related("actor", "department"),
        "tasks": appeal.department_tasks.select_related("department"),
        "attachments": appeal.attachments.all(), "extensions": appeal.extensions.all(),
        "can_act": user.has_role(*ACTOR_ROLES), "can_approve": user.has_role(*MANAGEMENT_ROLES),
        "my_task": my_task, "transfer_form": TransferForm(), "satisfaction": Appeal.Satisfaction.choices,
        "departments": Department.objects.filter(is_active=True),
    }


@role_required(*ALL_APPEAL_ROLES)
def appeal_detail(request, pk: int):
    appeal = get_object_or_404(Appeal.objects.visible_to(request.user).select_related(
        "enterprise", "category", "officer", "lead_department", "street", "community", "merged_into"), pk=pk)
    template = "appeals/_detail_body.html" if request.htmx else "appeals/detail.html"
    return render(request, template, _detail_context(request, appeal))


@require_POST
@role_required(*ALL_APPEAL_ROLES)
def appeal_action(request, pk: int, action: str):
    appeal = get_object_or_404(Appeal.objects.visible_to(request.user), pk=pk)
    user, post = request.user, request.POST
    try:
        if action == "sign":
            services.sign(appeal, actor=user, comment=post.get("comment", ""))
        elif action == "respond":
            services.respond(appeal, actor=user, comment=post.get("comment", ""))
        elif action == "transfer":
            form = TransferForm(post)
            if not form.is_valid():
                raise services.WorkflowError("请选择主办部门。")
            services.transfer(appeal, actor=user, department=form.cleaned_data["department"],
                              co_departments=form.cleaned_data["co_departments"], comment=form.cleaned_data["comment"])
        elif action == "department_sign":
            services.department_sign(appeal, actor=user)
        elif action == "department_reply":
            services.department_reply(appeal, actor=user, reply=post.get("reply", ""))
        elif action == "return":
            services.department_return(appeal, actor=user, reason=post.get("reason", ""))
        elif action == "extend":
            try:
                due = dt.datetime.fromisoformat(post.get("due", ""))
            except ValueError as exc:
                raise services.WorkflowError("请填写有效的新时限（日期和时间）。") from exc
            if timezone.is_naive(due):
                due = timezone.make_aware(due)
            services.request_extension(appeal, actor=user, requested_due=due, reason=post.get("reason", ""))
        elif action == "resolve":
            services.resolve(appeal, actor=user, answer=post.get("answer", ""))
        elif action == "followup":
            services.record_followup(appeal, actor=user, result=post.get("result", ""), comment=post.get("comment", ""))
        elif action == "merge":
            target = post.get("into", "")
            into = Appeal.objects.visible_to(user).filter(pk=int(target)).first() if target.isdigit() else None
            if into is None:
                raise services.WorkflowError("找不到要合并到的诉求编号。")
            services.merge(appeal, into=into, actor=user, comment=post.get("comment", ""))
        elif action == "attach":
            if not request.FILES.get("file"):
                raise services.WorkflowError("请选择要上传的文件。")
            services.add_attachment(appeal, actor=user, upload=request.FILES["file"])
        else:
            raise Http404
    except services.WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("操作已完成。"))
    if request.htmx:
        appeal = Appeal.objects.visible_to(user).filter(pk=pk).first()
        if appeal is None:  # e.g. a department returned it and no longer sees it
            response = HttpResponse()
            response["HX-Redirect"] = reverse("appeals:queue")
            return response
        return render(request, "appeals/_detail_body.html", _detail_context(request, appeal))
    if not Appeal.objects.visible_to(user).filter(pk=pk).exists():
        return redirect("appeals:queue")
    return redirect("appeals:detail", pk=pk)


@role_required(*ALL_APPEAL_ROLES)
def attachment_download(request, pk: int):
    attachment = get_object_or_404(AppealAttachment.objects.filter(
        appeal__in=Appeal.objects.visible_to(request.user).values("pk")), pk=pk)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)


@role_required(Role.DEPARTMENT, *OFFICE_ROLES)
def department_queue(request):
    return render(request, "appeals/queue.html", {"tasks": selectors.department_queue(request.user),
                                                  "now": timezone.now()})


@role_required(*MANAGEMENT_ROLES)
def extension_queue(request):
    if request.method == "POST":
        ext_id = request.POST.get("id", "")
        ext_id = int(ext_id) if ext_id.isascii() and ext_id.isdigit() else 0  # malformed id → 404, not 500
        ext = get_object_or_404(ExtensionRequest.objects.visible_to(request.user), pk=ext_id)
        try:
            services.decide_extension(ext, actor=request.user, approve=request.POST.get("decision") == "approve",
                                      comment=request.POST.get("comment", ""))
            messages.success(request, _("已审批。"))
        except services.WorkflowError as exc:
            messages.error(request, str(exc))
        return redirect("appeals:extensions")
    return render(request, "appeals/extensions.html", {"requests": selectors.pending_extensions(request.user)})


@role_required(*MANAGEMENT_ROLES)
def dashboard(request):
    data = selectors.dashboard(request.user, request.GET)
    if request.GET.get("export") == "xlsx":
        log_export(request.user, what="诉求办理时效看板", rows=0, personal_data=False, filters=filters_of(request.GET))
        return exports.dashboard_xlsx(data)
    params = request.GET.copy()
    for key in ("by", "export"):
        params.pop(key, None)
    chart = {"trends": data["trends"], "labels": {
        "count": _("诉求数"), "unit": _("件"), "response_rate": _("响应率"), "resolution_rate": _("按时办结率"),
        "satisfaction_rate": _("满意率"), "month": _("按月趋势"), "week": _("按周趋势（近26周）")}}
    return render(request, "appeals/dashboard.html", {
        "d": data, "chart": chart, "dimensions": [(k, v[2]) for k, v in selectors.DIMENSIONS.items()],
        "period": f"from={data['start']}&to={data['end']}", "params": params.urlencode(),
    })


@role_required(Role.ADMIN, Role.MANAGER)
def policies(request):
    """Administrators edit SLA policies; a change is previewed against the open clocks before it is applied."""
    editable = request.user.has_role(Role.ADMIN)
    instance = None
    if request.GET.get("id", "").isdigit():
        instance = get_object_or_404(SlaPolicy, pk=int(request.GET["id"]))
    form = PolicyForm(request.POST or None, instance=instance)
    preview = None
    if request.method == "POST":
        if not editable:
            messages.error(request, _("只有系统管理员可以修改时限策略。"))
            return redirect("appeals:policies")
        if form.is_valid():
            if request.POST.get("confirm") == "1":
                services.save_policy(form, actor=request.user)
                messages.success(request, _("时限策略已保存，正在后台重算在办诉求的时限。"))
                return redirect("appeals:policies")
            preview = services.preview_policy_change(form)
    return render(request, "appeals/policies.html", {
        "policies": SlaPolicy.objects.select_related("category"), "form": form, "preview": preview,
        "editable": editable, "instance": instance,
    })


@role_required(Role.ADMIN, Role.MANAGER)
def recompute(request):
    """After a calendar change: preview how open clocks move, then apply in a batched background job."""
    if request.method == "POST":
        from appeals.tasks import recompute_open_clocks_task

        recompute_open_clocks_task.delay(reason=request.POST.get("reason", "calendar"))
        messages.success(request, _("已提交重算任务，完成后时限调整将出现在“时限调整记录”。"))
        return redirect("appeals:moved")
    preview = services.recompute_open_clocks(preview=True)
    return render(request, "appeals/recompute.html", {"preview": preview})


@role_required(*MANAGEMENT_ROLES)
def moved_deadlines(request):
    return render(request, "appeals/moved.html", {"moves": selectors.moved_deadlines(request.user)})


def chart_json(data) -> str:
    return json.dumps(data, ensure_ascii=False)


__all__ = ["SlaClock"]
