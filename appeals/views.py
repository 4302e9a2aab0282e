"""Thin views: role check, scoping through visible_to (404 outside the user's scope), then a service/selector.

Who may do which appeal action is the services' table (appeals.services.permissions.ACTION_ROLES): a view asks
it which buttons to show and answers 403 to a role it refuses; the service checks it again."""

from __future__ import annotations

import datetime as dt
import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from appeals import exports, selectors, services
from appeals.forms import AppealForm, PolicyForm, TransferForm
from appeals.models import Appeal, AppealAttachment, DepartmentTask, ExtensionRequest, SlaClock, SlaPolicy
from crm.audit import filters_of, log_export
from crm.models import Department, Role
from crm.scoping import sees_all_streets
from crm.permissions import (
    APPEAL_OVERSIGHT_ROLES, APPEAL_READ_ROLES, MANAGEMENT_ROLES, OFFICE_ROLES, PERSONAL_DATA_ROLES, role_required,
    user_has_role,
)
from enterprises.models import VisitProblem

CREATE_ROLES = services.ACTION_ROLES["create"][0]
# The actions of /appeals/<id>/do/<action>/ (the slugs are ACTION_ROLES' keys).
ACTIONS = ("sign", "respond", "transfer", "department_sign", "department_reply", "return", "extend", "resolve",
           "followup", "merge", "attach")


def _when(instant: dt.datetime | None) -> str:
    """12月3日 18:00 (local time): how a confirmation names a deadline."""
    if instant is None:
        return ""
    local = timezone.localtime(instant)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def _due(appeal: Appeal, metric: str) -> dt.datetime | None:
    clock = (SlaClock.objects.filter(appeal=appeal, metric=metric, state=SlaClock.State.RUNNING)
             .order_by("-round").first())
    return clock.due_at if clock else None


def _confirmation(action: str, appeal: Appeal, result) -> str:
    """What happened, in words, and what is due next."""
    appeal.refresh_from_db()
    resolution = _due(appeal, "resolution")
    if action == "sign":
        response = _due(appeal, "response")
        if response:
            return _("已签收，首次响应期限 %(r)s，办结期限 %(d)s。") % {"r": _when(response), "d": _when(resolution)}
        return _("已签收，办结期限 %(d)s。") % {"d": _when(resolution)}
    if action == "respond":
        return _("已记录首次响应，办结期限 %(d)s。") % {"d": _when(resolution)}
    if action == "transfer":
        lead = result[0]
        return _("已转办至%(dept)s，部门答复期限 %(t)s；企业办结期限仍为 %(d)s。") % {
            "dept": lead.department, "t": _when(lead.due_at), "d": _when(resolution)}
    if action == "department_sign":
        return _("本部门已签收，请在 %(t)s 前答复。") % {"t": _when(result.due_at)}
    if action == "department_reply":
        return _("答复已提交，责任专员将据此办结并答复企业（办结期限 %(d)s）。") % {"d": _when(resolution)}
    if action == "return":
        return _("已退单，诉求退回街道重新处理。")
    if action == "extend":
        return _("延期申请已提交（申请延至 %(to)s），等待街道领导审批；审批前办结期限仍为 %(d)s。") % {
            "to": _when(result.requested_due_at), "d": _when(resolution)}
    if action == "resolve":
        if appeal.status == Appeal.Status.RESOLVED:
            return _("已办结并答复企业，回访期限 %(f)s。") % {"f": _when(_due(appeal, "followup"))}
        return _("已办结并答复企业；本诉求无需回访，已关闭。")
    if action == "followup":
        if appeal.status == Appeal.Status.CLOSED:
            return _("回访已记录（%(r)s），诉求已关闭。") % {"r": appeal.get_satisfaction_display() or _("满意")}
        return _("企业不满意，诉求重新办理（第%(n)s轮），办结期限 %(d)s。") % {"n": appeal.round, "d": _when(resolution)}
    if action == "merge":
        return _("已合并至诉求 #%(n)s，本诉求的时限已撤销。") % {"n": appeal.merged_into_id}
    if action == "attach":
        return _("附件“%(name)s”已上传。") % {"name": result.name}
    return ""


@role_required(*APPEAL_READ_ROLES)
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
        "can_create": services.allowed(request.user, "create"),
        # A KPI drill-down shows both sides of its rate (met / missed / all) with their counts.
        "drill": selectors.drill_sides(request.user, request.GET), "params_without_kpi": other.urlencode(),
        "plain_kpis": ("", "overdue", "due_today", "escalated"), "now": timezone.now(),
    })


def _created_message(appeal: Appeal) -> str:
    appeal.refresh_from_db()
    signed = appeal.status == Appeal.Status.SIGNED
    text = _("诉求 #%(n)s 已登记%(signed)s，首次响应期限 %(r)s，办结期限 %(d)s。") % {
        "n": appeal.pk, "signed": _("并由您签收") if signed else "", "r": _when(_due(appeal, "response")),
        "d": _when(_due(appeal, "resolution"))}
    return text


@role_required(*CREATE_ROLES)
def appeal_create(request):
    initial = {"officer": request.user.pk if request.user.role == Role.OFFICER else None}
    if request.GET.get("enterprise", "").isdigit():
        initial["enterprise"] = int(request.GET["enterprise"])
    problem = None
    if request.GET.get("problem", "").isdigit():
        problem = get_object_or_404(VisitProblem.objects.visible_to(request.user), pk=int(request.GET["problem"]))
        if request.method == "POST":
            try:
                appeal = services.create_appeal_from_visit_problem(problem=problem, actor=request.user)
            except services.WorkflowError as exc:
                messages.error(request, str(exc))
                return redirect(request.get_full_path())
            messages.success(request, _created_message(appeal))
            return redirect(appeal)
    form = AppealForm(request.POST or None, request.FILES or None, user=request.user, initial=initial)
    if request.method == "POST" and problem is None and form.is_valid():
        data = form.cleaned_data
        try:
            appeal = services.create_appeal(
                enterprise=data["enterprise"], category=data["category"], description=data["description"],
                officer=data["officer"], actor=request.user, title=data["title"], source=data["source"],
                urgency=data["urgency"], contact_name=data["contact_name"], contact_phone=data["contact_phone"],
                attachments=[data["attachment"]] if data.get("attachment") else [],
            )
        except services.WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _created_message(appeal))
            return redirect(appeal)
    return render(request, "appeals/create.html", {"form": form, "problem": problem})


def _detail_context(request, appeal: Appeal) -> dict:
    clocks = services.clocks_for(appeal)
    now = timezone.now()
    for clock in clocks:
        clock.current_light = clock.light(now)
    user = request.user
    my_task = None
    if user.role == Role.DEPARTMENT:
        my_task = appeal.department_tasks.filter(department_id=user.department_id,
                                                 state__in=DepartmentTask.OPEN_STATES).first()
    can_act = services.allowed(user, "resolve") and appeal.is_open
    can_attach = services.allowed(user, "attach") and (can_act or my_task is not None)
    return {
        "appeal": appeal, "clocks": clocks, "light": services.light(appeal, clocks, now),
        "events": appeal.events.select_related("actor", "department"),
        "tasks": appeal.department_tasks.select_related("department"),
        "attachments": appeal.attachments.all(), "extensions": appeal.extensions.all(),
        "can_act": can_act, "can_attach": can_attach, "has_actions": can_act or can_attach or my_task is not None,
        "show_phone": user_has_role(user, PERSONAL_DATA_ROLES), "show_visit": user_has_role(user, OFFICE_ROLES),
        "my_task": my_task, "transfer_form": TransferForm(), "satisfaction": Appeal.Satisfaction.choices,
        "departments": Department.objects.filter(is_active=True),
    }


@role_required(*APPEAL_READ_ROLES)
def appeal_detail(request, pk: int):
    appeal = get_object_or_404(Appeal.objects.visible_to(request.user).select_related(
        "enterprise", "category", "officer", "lead_department", "street", "community", "merged_into"), pk=pk)
    template = "appeals/_detail_body.html" if request.htmx else "appeals/detail.html"
    return render(request, template, _detail_context(request, appeal))


def _run_action(request, appeal: Appeal, action: str):
    user, post = request.user, request.POST
    if action == "sign":
        return services.sign(appeal, actor=user, comment=post.get("comment", ""))
    if action == "respond":
        return services.respond(appeal, actor=user, comment=post.get("comment", ""))
    if action == "transfer":
        form = TransferForm(post)
        if not form.is_valid():
            raise services.WorkflowError(_("请选择主办部门。"))
        return services.transfer(appeal, actor=user, department=form.cleaned_data["department"],
                                 co_departments=form.cleaned_data["co_departments"],
                                 comment=form.cleaned_data["comment"])
    if action == "department_sign":
        return services.department_sign(appeal, actor=user)
    if action == "department_reply":
        return services.department_reply(appeal, actor=user, reply=post.get("reply", ""))
    if action == "return":
        return services.department_return(appeal, actor=user, reason=post.get("reason", ""))
    if action == "extend":
        try:
            due = dt.datetime.fromisoformat(post.get("due", ""))
        except ValueError as exc:
            raise services.WorkflowError(_("请填写有效的新时限（日期和时间）。")) from exc
        if timezone.is_naive(due):
            due = timezone.make_aware(due)
        return services.request_extension(appeal, actor=user, requested_due=due, reason=post.get("reason", ""))
    if action == "resolve":
        return services.resolve(appeal, actor=user, answer=post.get("answer", ""))
    if action == "followup":
        return services.record_followup(appeal, actor=user, result=post.get("result", ""),
                                        comment=post.get("comment", ""))
    if action == "merge":
        target = post.get("into", "").strip().lstrip("#")
        into = Appeal.objects.visible_to(user).filter(pk=int(target)).first() if target.isdigit() else None
        if into is None:
            raise services.WorkflowError(_("找不到要合并到的诉求编号。"))
        return services.merge(appeal, into=into, actor=user, comment=post.get("comment", ""))
    if action == "attach":
        if not request.FILES.get("file"):
            raise services.WorkflowError(_("请选择要上传的文件。"))
        return services.add_attachment(appeal, actor=user, upload=request.FILES["file"])
    raise Http404


@require_POST
@role_required(*APPEAL_READ_ROLES)
def appeal_action(request, pk: int, action: str):
    if action not in ACTIONS:
        raise Http404
    user = request.user
    appeal = get_object_or_404(Appeal.objects.visible_to(user), pk=pk)
    if not services.allowed(user, action):
        raise PermissionDenied(_("您的角色不能执行此操作。"))
    landing = appeal.pk
    try:
        result = _run_action(request, appeal, action)
    except services.ActionNotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    except services.WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _confirmation(action, appeal, result))
        if action == "merge":
            landing = appeal.merged_into_id  # the duplicate is closed: the work goes on in the one it joined
    visible = Appeal.objects.visible_to(user).filter(pk=landing).first()
    if request.htmx:
        if visible is None or landing != pk:  # e.g. a department returned it and no longer sees it
            response = HttpResponse()
            response["HX-Redirect"] = visible.get_absolute_url() if visible else reverse("appeals:queue")
            return response
        return render(request, "appeals/_detail_body.html", _detail_context(request, visible))
    if visible is None:
        return redirect("appeals:queue")
    return redirect(visible)


@role_required(*APPEAL_READ_ROLES)
def attachment_download(request, pk: int):
    attachment = get_object_or_404(AppealAttachment.objects.filter(
        appeal__in=Appeal.objects.visible_to(request.user).values("pk")), pk=pk)
    from crm.uploads import serve_upload  # the one safe way to serve an upload (issue 15 §1)

    return serve_upload(attachment.file, name=attachment.name)


@role_required(*APPEAL_READ_ROLES)
def department_queue(request):
    return render(request, "appeals/queue.html", {"tasks": selectors.department_queue(request.user),
                                                  "now": timezone.now()})


@role_required(*MANAGEMENT_ROLES)
def extension_queue(request):
    if request.method == "POST":
        ext_id = request.POST.get("id", "")
        ext_id = int(ext_id) if ext_id.isascii() and ext_id.isdigit() else 0  # malformed id → 404, not 500
        ext = get_object_or_404(ExtensionRequest.objects.visible_to(request.user), pk=ext_id)
        approve = request.POST.get("decision") == "approve"
        try:
            services.decide_extension(ext, actor=request.user, approve=approve,
                                      comment=request.POST.get("comment", ""))
        except services.ActionNotAllowed as exc:
            raise PermissionDenied(str(exc)) from exc
        except services.WorkflowError as exc:
            messages.error(request, str(exc))
        else:
            due = _due(ext.appeal, "resolution")
            if approve:
                messages.success(request, _("已批准诉求 #%(n)s 延期，新的办结期限 %(d)s。") % {
                    "n": ext.appeal_id, "d": _when(due)})
            else:
                messages.success(request, _("已驳回诉求 #%(n)s 的延期申请，办结期限仍为 %(d)s。") % {
                    "n": ext.appeal_id, "d": _when(due) or _when(ext.current_due_at)})
        return redirect("appeals:extensions")
    return render(request, "appeals/extensions.html", {"requests": selectors.pending_extensions(request.user)})


@role_required(*APPEAL_OVERSIGHT_ROLES)
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


def _policy_data(form: PolicyForm) -> dict:
    """The form's cleaned values as the plain data the policy services take."""
    data = {name: form.cleaned_data[name] for name in services.POLICY_FIELDS if name in form.cleaned_data}
    category = form.cleaned_data.get("category")
    data["category_id"] = category.pk if category else None
    return data


@role_required(*MANAGEMENT_ROLES)
def policies(request):
    """Administrators edit SLA policies; a change is previewed against the open clocks before it is applied."""
    editable = services.allowed(request.user, "edit_policy")
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
            policy_id = instance.pk if instance else None
            if request.POST.get("confirm") == "1":
                services.save_policy(_policy_data(form), policy_id=policy_id, actor=request.user)
                messages.success(request, _("时限策略已保存，正在后台重算在办诉求的时限。"))
                return redirect("appeals:policies")
            preview = services.preview_policy_change(_policy_data(form), policy_id=policy_id, actor=request.user)
    return render(request, "appeals/policies.html", {
        "policies": SlaPolicy.objects.select_related("category"), "form": form, "preview": preview,
        "editable": editable, "instance": instance,
    })


@role_required(*MANAGEMENT_ROLES)
def recompute(request):
    """After a calendar change: preview how open clocks move, then apply in a batched background job. A street
    manager previews and applies their street's clocks; district-wide roles the whole district's."""
    if request.method == "POST":
        try:
            street_id = services.start_recompute(actor=request.user, reason=request.POST.get("reason", "calendar"))
        except services.ActionNotAllowed as exc:
            raise PermissionDenied(str(exc)) from exc
        except services.WorkflowError as exc:
            messages.error(request, str(exc))
            return redirect("appeals:recompute")
        scope = _("本街道") if street_id else _("全区")
        messages.success(request, _("已提交%(scope)s在办诉求的时限重算，完成后调整将出现在“时限调整记录”。") % {
            "scope": scope})
        return redirect("appeals:moved")
    try:
        preview = services.preview_recompute(actor=request.user)
    except services.ActionNotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    return render(request, "appeals/recompute.html", {"preview": preview,
                                                      "district_wide": sees_all_streets(request.user)})


@role_required(*APPEAL_OVERSIGHT_ROLES)
def moved_deadlines(request):
    return render(request, "appeals/moved.html", {"moves": selectors.moved_deadlines(request.user)})


def chart_json(data) -> str:
    return json.dumps(data, ensure_ascii=False)
