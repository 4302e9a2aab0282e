"""Thin views: role check (policies.permissions), scoping through .visible_to(user), then a selector or a service."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.permissions import role_required
from crm.scoping import visible_streets
from crm.uploads import serve_upload
from enterprises.models import Visit
from policies import editor, exports, selectors, services
from policies import rules as R
from policies.forms import PolicyForm, StepForm
from policies.models import Delivery, PaymentImport, Policy, PolicyAttachment, Stage
from policies.permissions import EDIT_ROLES, IMPORT_ROLES, PUSH_ROLES, RECORD_ROLES, VIEW_ROLES, may


def _policy(request, pk: int) -> Policy:
    return get_object_or_404(Policy.objects.visible_to(request.user).select_related("department", "street"), pk=pk)


@role_required(*VIEW_ROLES)
def policy_list(request):
    status = request.GET.get("status", "")
    q = request.GET.get("q", "").strip()[:50]
    page = selectors.keyset(selectors.policies_for(request.user, status=status, q=q).order_by("pk"),
                            request.GET.get("after", ""))
    return render(request, "policies/list.html", {
        "page": page, "status": status, "q": q, "statuses": Policy.Status.choices,
        "can_edit": may(request.user, "edit"), "mine": Delivery.objects.visible_to(request.user)
        .filter(officer=request.user, stage__in=(Stage.MATCHED, Stage.INFORMED, Stage.INTENDS))[:100].count(),
    })


@role_required(*VIEW_ROLES)
def policy_detail(request, pk: int):
    policy = _policy(request, pk)
    total, _rows = selectors.funnel(request.user, policy)
    return render(request, "policies/detail.html", {
        "p": policy, "rule_lines": editor.describe(policy.rules or {"all": []}),
        "count": selectors.match_count(policy.rules or {"all": []}, request.user, policy.street_id),
        "total": total, "funnel": selectors.FUNNEL,
        "can_edit": services.may_edit(request.user, policy), "can_push": may(request.user, "push"),
        "can_import": may(request.user, "import"), "attachments": policy.attachments.all(),
        "imports": selectors.imports_of(request.user, policy),
        "old_imports": PaymentImport.objects.visible_to(request.user).filter(policy=policy)[:10],
    })


def _editor_context(request, tree, *, error: str = "") -> dict:
    try:
        count = selectors.match_count(tree, request.user)
    except R.RuleError as exc:
        count, error = None, error or str(exc)
    return {"root": editor.to_nodes(tree), "count": count, "rule_error": error,
            "rules_json": json.dumps(tree, ensure_ascii=False, indent=1), **editor.choices(request.user)}


@role_required(*EDIT_ROLES)
def policy_edit(request, pk: int | None = None):
    policy = _policy(request, pk) if pk else None
    if policy is not None and not services.may_edit(request.user, policy):
        raise PermissionDenied(_("只能修改本街道的政策；全区政策由区级用户维护。"))
    form = PolicyForm(request.POST or None, instance=policy, user=request.user)
    tree = editor.from_form(request.POST) if request.method == "POST" else (
        (policy.rules if policy else None) or {"all": [{"status": ["active"]}]})
    op = request.POST.get("op", "")
    if op:  # a structural change without htmx: re-render the page with the changed tree, nothing saved
        tree = editor.apply_op(tree, op)
    elif request.method == "POST" and form.is_valid():
        fields = {k: form.cleaned_data[k] for k in services.POLICY_FIELDS}
        uploads = request.FILES.getlist("attachments")[:10]
        try:  # a refused file refuses the whole save: nothing changes
            policy = services.save_policy(actor=request.user, policy=policy, rules=tree,
                                          street=form.cleaned_data.get("street"), attachments=uploads, **fields)
        except ValidationError as exc:
            for field, errors in (exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]):
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("政策已保存。下一步：查看符合条件的企业并推送给挂点人员。"))
            return redirect("policies:detail", pk=policy.pk)
    return render(request, "policies/form.html", {"form": form, "p": policy, **_editor_context(request, tree)})


@require_POST
@role_required(*EDIT_ROLES)
def editor_view(request):
    """htmx: an `op` (add/remove a node) returns the whole editor; a field change returns the matching count of
    the tree being edited and its first error. Nothing is saved."""
    tree = editor.from_form(request.POST)
    op = request.POST.get("op", "")
    if op:
        return render(request, "policies/_editor.html", _editor_context(request, editor.apply_op(tree, op)))
    return render(request, "policies/_count.html", _editor_context(request, tree))


@role_required(*VIEW_ROLES)
def matched_firms(request, pk: int):
    policy = _policy(request, pk)
    try:
        page = selectors.matched_page(policy, request.user, request.GET.get("after", ""))
    except R.RuleError as exc:
        messages.error(request, str(exc))
        return redirect("policies:detail", pk=policy.pk)
    return render(request, "policies/matched.html", {"p": policy, "page": page})


@role_required(*VIEW_ROLES)
def attachment_download(request, pk: int):
    att = get_object_or_404(PolicyAttachment.objects.filter(policy__in=Policy.objects.visible_to(request.user)), pk=pk)
    return serve_upload(att.file, name=att.original_name)


@require_POST
@role_required(*PUSH_ROLES)
def policy_push(request, pk: int):
    policy = _policy(request, pk)
    try:
        result = services.push(policy, actor=request.user)
    except (ValidationError, R.RuleError) as exc:
        messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("已推送：新增 %(n)d 家企业的送达任务，已通知 %(m)d 条。下一步：挂点人员告知企业并记录。")
                         % {"n": result["created"], "m": result["notified"]})
    return redirect("policies:dashboard", pk=policy.pk)


@role_required(*VIEW_ROLES)
def deliveries(request):
    """The officer's tasks (default: mine, not yet applied), or a drill-down from the dashboard."""
    g = request.GET
    policy = _policy(request, int(g["policy"])) if g.get("policy", "").isdigit() else None
    mine = g.get("mine", "1" if policy is None else "") == "1"
    qs = selectors.deliveries_for(request.user, policy=policy, mine=mine, stage=g.get("stage", "todo" if mine else ""),
                                  officer=int(g["officer"]) if g.get("officer", "").isdigit() else None,
                                  street=int(g["street"]) if g.get("street", "").isdigit() else None)
    page = selectors.keyset(qs, g.get("after", ""))
    params = g.copy()
    params.pop("after", None)
    return render(request, "policies/deliveries.html", {"page": page, "policy": policy, "mine": mine,
                                                         "query": params.urlencode()})


@role_required(*VIEW_ROLES)
def delivery_detail(request, pk: int):
    delivery = get_object_or_404(Delivery.objects.visible_to(request.user)
                                 .select_related("policy", "enterprise", "officer", "visit"), pk=pk)
    if not Policy.objects.visible_to(request.user).filter(pk=delivery.policy_id).exists():
        raise Http404
    visits = Visit.objects.visible_to(request.user).filter(enterprise=delivery.enterprise).order_by("-date")[:10]
    form = StepForm(request.POST or None, visits=visits, initial={"on": selectors.today(),
                                                                  "stage": _next_stage(delivery)})
    if request.method == "POST":
        if not may(request.user, "record"):
            raise PermissionDenied(_("您的角色无权记录送达进度。"))
        if form.is_valid():
            data = form.cleaned_data
            visit = next((v for v in visits if v.pk == data["visit"]), None)
            try:
                services.record_step(delivery, actor=request.user, stage=data["stage"], on=data["on"],
                                     method=data["method"], amount=data["amount"], note=data["note"], visit=visit)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("已记录“%(s)s”。") % {"s": Stage(data["stage"]).label})
                return redirect(f"{reverse('policies:deliveries')}?mine=1")
    from enterprises.masking import may_see_personal_data, phone_for

    contacts = [(c, phone_for(request.user, c.phone)) for c in delivery.enterprise.contacts.all()[:5]]
    return render(request, "policies/delivery.html", {
        "d": delivery, "form": form, "steps": delivery.steps.select_related("actor", "visit"),
        "contacts": contacts, "pii": may_see_personal_data(request.user),
        "can_record": may(request.user, "record"),
        "visit_url": f"{reverse('enterprises:visit_create')}?enterprise={delivery.enterprise_id}",
    })


def _next_stage(delivery: Delivery) -> str:
    order = [Stage.INFORMED, Stage.INTENDS, Stage.APPLIED, Stage.APPROVED, Stage.PAID]
    for stage in order:
        if selectors_stage_index(stage) > selectors_stage_index(delivery.stage):
            return stage
    return Stage.PAID


def selectors_stage_index(stage) -> int:
    from policies.models import STAGE_ORDER

    return STAGE_ORDER[stage]


@role_required(*VIEW_ROLES)
def dashboard(request, pk: int):
    policy = _policy(request, pk)
    by = "officer" if request.GET.get("by") == "officer" else "street"
    total, rows = selectors.funnel(request.user, policy, by=by)
    return render(request, "policies/dashboard.html", {"p": policy, "total": total, "rows": rows, "by": by,
                                                        "funnel": selectors.FUNNEL,
                                                        "can_push": may(request.user, "push")})


@role_required(*VIEW_ROLES)
def street_dashboard(request):
    year = selectors.parse_year(request.GET.get("year"))
    streets = list(visible_streets(request.user))
    street = next((s for s in streets if str(s.pk) == request.GET.get("street")), None)
    by_policy, by_kind, total = selectors.street_amounts(request.user, year, street=street.pk if street else None)
    return render(request, "policies/street_dashboard.html", {
        "year": year, "years": selectors.years(), "streets": streets, "street": street, "by_policy": by_policy,
        "by_kind": by_kind, "total": total})


@role_required(*VIEW_ROLES)
def export(request):
    """Excel in a reporting layout: with ?policy= the policy's funnel by street and officer, otherwise the year's
    amounts paid by policy and by classification (?year=, ?street=). Every export is logged."""
    from crm.audit import filters_of, log_export

    g = request.GET
    if g.get("policy", "").isdigit():
        policy = _policy(request, int(g["policy"]))
        total, by_street = selectors.funnel(request.user, policy, by="street")
        data = exports.funnel_workbook(policy, total, by_street, selectors.funnel(request.user, policy, by="officer")[1])
        what, rows, name = f"惠企政策落实情况：{policy.title}", len(by_street), f"policy-{policy.pk}-funnel.xlsx"
    else:
        year = selectors.parse_year(g.get("year"))
        street = next((s for s in visible_streets(request.user) if str(s.pk) == g.get("street")), None)
        by_policy, by_kind, total = selectors.street_amounts(request.user, year, street=street.pk if street else None)
        data = exports.street_workbook(year, street, by_policy, by_kind, total)
        what, rows, name = f"惠企政策兑现统计 {year}", len(by_policy), f"policy-amounts-{year}.xlsx"
    log_export(request.user, what=what, rows=rows, personal_data=False, filters=filters_of(g))
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@role_required(*IMPORT_ROLES)
def import_upload(request, pk: int):
    """The old import page: approvals/payments lists go through the import pipeline now (list kind
    "policy_outcomes": preview, errors and their report, history), with this policy preselected."""
    from urllib.parse import urlencode

    policy = _policy(request, pk)
    return redirect(reverse("namelists:upload") + "?" + urlencode({"kind": "policy_outcomes", "policy": policy.pk}))


@role_required(*IMPORT_ROLES)
def import_detail(request, pk: int):
    """A list imported before the import pipeline (read-only archive)."""
    batch = get_object_or_404(PaymentImport.objects.visible_to(request.user).select_related("policy"), pk=pk)
    return render(request, "policies/import_detail.html", {"b": batch, "p": batch.policy})


def enterprise_section(enterprise, user) -> dict | None:
    """The firm's 360° page: open policies it qualifies for (and why), those it nearly meets, what it received."""
    from django.template.loader import render_to_string

    if not may(user, "view"):
        return None
    ctx = selectors.for_enterprise(enterprise, user)
    html = render_to_string("policies/_enterprise_section.html", {"e": enterprise, **ctx,
                                                                   "can_record": may(user, "record")})
    return {"title": _("惠企政策"), "template": "crm/_html_section.html", "html": html}


def tasks_card(user):
    """Home card: the delivery tasks waiting for this user (not yet applied), counted up to 100."""
    from django.urls import reverse as _reverse

    if not may(user, "record"):
        return None
    count = (Delivery.objects.visible_to(user).filter(officer=user, policy__status=Policy.Status.OPEN,
                                                      stage__in=(Stage.MATCHED, Stage.INFORMED, Stage.INTENDS))[:100]
             .count())
    if not count:
        return None
    return {"title": _("惠企政策待告知/待申报"), "value": count if count < 100 else "99+",
            "url": f"{_reverse('policies:deliveries')}?mine=1", "hint": _("我负责的企业")}
