"""Thin views: role check, scoping through .visible_to(user), then a selector or a service."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.audit import filters_of, log_export
from crm.models import Community, Role, User
from crm.permissions import (
    ASSIGN_ROLES,
    LIAISON_ROLES,
    MANAGEMENT_ROLES,
    OFFICE_ROLES,
    REGISTRY_EDIT_ROLES,
    VISIT_ROLES,
    role_required,
    user_has_role,
)
from crm.registry import registry as app_registry
from crm.scoping import sees_all_streets, visible_streets
from crm.uploads import serve_upload
from enterprises import selectors
from enterprises.forms import (
    PROBLEM_CATEGORIES,
    AssignForm,
    CampaignForm,
    ClassificationForm,
    ContactForm,
    EnterpriseForm,
    VisitForm,
    VisitRuleForm,
)
from enterprises.masking import email_for, may_see_personal_data, phone_for
from enterprises.models import (
    Classification,
    Cluster,
    Enterprise,
    IndustryCategory,
    LiaisonAssignment,
    Visit,
    VisitAttachment,
    VisitCampaign,
    VisitProblem,
    VisitRule,
)
from enterprises.resources import MAX_EXPORT_ROWS, export_xlsx
from enterprises.services import liaison as liaison_services
from enterprises.services import registry as registry_services
from enterprises.services import visits as visit_services

EDIT_ROLES = REGISTRY_EDIT_ROLES


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _filters(request) -> selectors.ListFilters:
    g = request.GET
    return selectors.ListFilters(
        q=g.get("q", "").strip()[:100], street=_int(g.get("street")), community=_int(g.get("community")),
        park=_int(g.get("park")), kind=g.get("kind", "") if g.get("kind") in Classification.Kind.values else "",
        category=g.get("category", "")[:20], year=_int(g.get("year")), section=g.get("section", "")[:1].upper(),
        division=g.get("division", "")[:2] if g.get("division", "").isdigit() else "",
        officer=_int(g.get("officer")), no_liaison=g.get("no_liaison") == "1",
        not_visited_days=_int(g.get("not_visited_days")), status=g.get("status", "")[:14],
        new_sishang=_int(g.get("new_sishang")), qualifies=_int(g.get("qualifies")), cluster=_int(g.get("cluster")),
    )


def _filter_choices(user):
    streets = list(visible_streets(user))
    return {
        "streets": streets,
        "communities": Community.objects.filter(street__in=streets).order_by("code"),
        "sections": IndustryCategory.objects.filter(level=IndustryCategory.Level.SECTION).order_by("code"),
        "kinds": Classification.Kind.choices,
        "categories": (Classification.SishangCategory.choices + Classification.ZjtxTier.choices
                       + Classification.Pool.choices + Classification.IpoStage.choices),
        "officers": User.objects.filter(street__in=streets, role__in=LIAISON_ROLES,
                                        is_active=True).order_by("username"),
        "statuses": Enterprise.Status.choices,
        "clusters": Cluster.objects.all(),
        "years": list(range(timezone.localdate().year, timezone.localdate().year - 6, -1)),
    }


@role_required(*OFFICE_ROLES)
def enterprise_list(request):
    f = _filters(request)
    qs = selectors.filtered_enterprises(request.user, f)
    page = selectors.enterprise_page(qs, request.GET.get("after", ""), size=50)
    params = request.GET.copy()
    params.pop("after", None)
    ctx = {"page": page, "f": f, "query": params.urlencode(), "can_assign": user_has_role(request.user, ASSIGN_ROLES),
           "can_edit": user_has_role(request.user, EDIT_ROLES), **_filter_choices(request.user)}
    # htmx: "加载更多" (after=…) and search-as-you-type (the search box targets the rows) get the rows only.
    if request.headers.get("HX-Request") and (request.GET.get("after") or request.headers.get("HX-Target") == "ent-rows"):
        return render(request, "enterprises/_list_rows.html", ctx)
    return render(request, "enterprises/list.html", ctx)


@role_required(*OFFICE_ROLES)
def enterprise_export(request):
    f = _filters(request)
    qs = selectors.filtered_enterprises(request.user, f)
    data = export_xlsx(request.user, qs, kind=f.kind, year=f.year, category=f.category)
    log_export(request.user, what="企业名单", rows=min(qs.count(), MAX_EXPORT_ROWS),
               personal_data=may_see_personal_data(request.user), filters=filters_of(request.GET))
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="enterprises-{timezone.localdate():%Y%m%d}.xlsx"'
    return response


@role_required(*OFFICE_ROLES)
def autocomplete(request):
    rows = selectors.autocomplete(request.user, request.GET.get("q", ""))
    return render(request, "enterprises/_autocomplete.html", {"rows": rows, "q": request.GET.get("q", "")})


@role_required(*OFFICE_ROLES)
def enterprise_detail(request, pk: int):
    ent = get_object_or_404(
        Enterprise.objects.visible_to(request.user).select_related("street", "community", "park", "industry"), pk=pk)
    year = _int(request.GET.get("year"))
    year = year if year and 1949 <= year <= 2100 else None  # ?year=-1 or 10**20 is not a year: ignore it
    ctx = {"e": ent, **selectors.enterprise_detail(ent, request.user),
           "as_of": selectors.profile_in_year(ent, year) if year else None,
           "years": list(range(timezone.localdate().year, timezone.localdate().year - 6, -1)),
           "pii": may_see_personal_data(request.user), "ipo_stages": Classification.IpoStage.choices,
           "can_edit": user_has_role(request.user, EDIT_ROLES),
           "can_visit": user_has_role(request.user, VISIT_ROLES),
           "can_assign": user_has_role(request.user, ASSIGN_ROLES),
           "can_raise": visit_services.appeals_available(),
           "over_visited": next((o for o in selectors.over_visited(request.user, firm=ent)), None)}
    for c in ctx["contacts"]:
        c.shown_phone, c.shown_email = phone_for(request.user, c.phone), email_for(request.user, c.email)
    return render(request, "enterprises/detail.html", ctx)


@role_required(*OFFICE_ROLES)
def enterprise_history(request, pk: int):
    """The 360° page's 变更记录, read when the user opens that section (htmx), or as a page of its own."""
    ent = get_object_or_404(Enterprise.objects.visible_to(request.user), pk=pk)
    ctx = {"e": ent, "history": selectors.change_history(ent)}
    if request.headers.get("HX-Request"):
        return render(request, "enterprises/_history.html", ctx)
    return render(request, "enterprises/history.html", ctx)


@role_required(*EDIT_ROLES)
def enterprise_edit(request, pk: int | None = None):
    ent = get_object_or_404(Enterprise.objects.visible_to(request.user), pk=pk) if pk else None
    form = EnterpriseForm(request.POST or None, instance=ent, user=request.user)
    if request.method == "POST" and form.is_valid():
        fields = {k: form.cleaned_data[k] for k in form.Meta.fields if k != "uscc"}
        fields["industry"] = form.cleaned_data["industry_code"]
        try:
            if ent:
                ent = registry_services.update_enterprise(ent, actor=request.user, **fields)
            else:
                ent = registry_services.create_enterprise(actor=request.user, uscc=form.cleaned_data["uscc"], **fields)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("已保存"))
            return redirect("enterprises:detail", pk=ent.pk)
    return render(request, "enterprises/form.html", {"form": form, "e": ent})


@role_required(*EDIT_ROLES)
def classification_add(request, pk: int):
    ent = get_object_or_404(Enterprise.objects.visible_to(request.user), pk=pk)
    form = ClassificationForm(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        try:
            registry_services.add_classification(ent, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("分类已添加"))
            return redirect("enterprises:detail", pk=ent.pk)
    return render(request, "enterprises/classification_form.html", {"form": form, "e": ent})


@require_POST
@role_required(*EDIT_ROLES)
def classification_stage(request, pk: int):
    """A 拟上市 firm moves to its next stage (股改 → 辅导 → 申报 → 过会 → 上市)."""
    from enterprises.services.pools import set_ipo_stage

    fact = get_object_or_404(Classification.objects.visible_to(request.user), pk=pk)
    try:
        fact = set_ipo_stage(fact, request.POST.get("stage", ""), actor=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("上市进程已更新为“%(stage)s”。") % {"stage": fact.category_label})
    return redirect("enterprises:detail", pk=fact.enterprise_id)


@require_POST
@role_required(*EDIT_ROLES)
def classification_end(request, pk: int):
    fact = get_object_or_404(Classification.objects.visible_to(request.user), pk=pk)
    try:
        on = dt.date.fromisoformat(request.POST.get("on") or timezone.localdate().isoformat())
        registry_services.end_classification(fact, actor=request.user, on=on, reason=request.POST.get("reason", ""))
    except ValueError:
        messages.error(request, _("日期格式不正确"))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已结束"))
    return redirect("enterprises:detail", pk=fact.enterprise_id)


CONTACT_ROLES = OFFICE_ROLES


@role_required(*CONTACT_ROLES)
def contact_edit(request, pk: int, contact_pk: int | None = None):
    """Officers meet the people and statisticians keep the registry: both may record contacts. A role that only
    sees masked data edits without ever being shown the stored phone or email."""
    ent = get_object_or_404(Enterprise.objects.visible_to(request.user), pk=pk)
    contact = get_object_or_404(ent.contacts, pk=contact_pk) if contact_pk else None
    pii = may_see_personal_data(request.user)
    initial = {}
    if contact:
        initial = {"name": contact.name, "title": contact.title, "is_primary": contact.is_primary,
                   "phone": contact.phone if pii else "", "email": contact.email if pii else ""}
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if contact and not pii:  # blank means "unchanged" for a role that cannot see the stored values
            for key in ("phone", "email"):
                if not data[key]:
                    data.pop(key)
        try:
            registry_services.save_contact(ent, actor=request.user, contact=contact, **data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("联系人已保存"))
            return redirect("enterprises:detail", pk=ent.pk)
    return render(request, "enterprises/contact_form.html", {"form": form, "e": ent, "contact": contact, "pii": pii})


@role_required(*MANAGEMENT_ROLES)
def visit_rules(request):
    street = None if sees_all_streets(request.user) else request.user.street
    form = VisitRuleForm(request.POST or None)
    if request.method == "POST":
        if street is None:
            messages.error(request, _("全区默认规则请在系统管理后台修改"))
        elif form.is_valid():
            try:
                visit_services.set_street_rule(street=street, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, _("走访规则已保存"))
                return redirect("enterprises:visit_rules")
    defaults = VisitRule.objects.filter(street__isnull=True).order_by("kind")
    own = VisitRule.objects.visible_to(request.user).filter(street__isnull=False).select_related("street")
    return render(request, "enterprises/visit_rules.html",
                  {"form": form, "defaults": defaults, "own": own, "street": street})


@role_required(*VISIT_ROLES)
def visit_create(request):
    form = VisitForm(request.POST or None, request.FILES or None, user=request.user,
                     initial={"enterprise": request.GET.get("enterprise")})
    preset = None
    # Optional inputs under a ticked topic (e.g. 融资 → 金额), offered by another app through crm.registry.
    topic_fields = app_registry.visit_topic_fields(request.user)
    ent_id = _int(request.POST.get("enterprise") or request.GET.get("enterprise"))
    if ent_id:
        preset = Enterprise.objects.visible_to(request.user).filter(pk=ent_id).first()
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        problems = list(zip(request.POST.getlist("problem"), request.POST.getlist("problem_category")))
        details: dict[str, dict[str, str]] = {}
        for spec in topic_fields:
            details.setdefault(spec.topic, {})[spec.key] = request.POST.get(spec.name, "")[:300]
        try:
            visit = visit_services.log_visit(
                enterprise=d["enterprise"], actor=request.user, date=d["date"], officers=d["officers"],
                people_met=d["people_met"], topics=d["topics"], notes=d["notes"], campaign=d["campaign"],
                problems=problems, files=request.FILES.getlist("files"), topic_details=details,
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            if visit.topic_records:
                # A need recorded from a topic: go on to its matches (suppliers, bank products).
                messages.success(request, _("走访已记录；需求已记录：%(what)s") % {
                    "what": "、".join(str(r) for r in visit.topic_records)})
                return redirect(visit.topic_records[0].get_absolute_url())
            messages.success(request, _("走访已记录"))
            return redirect("enterprises:visit_detail", pk=visit.pk)
    topic_inputs = [(spec, request.POST.get(spec.name, "")) for spec in topic_fields]
    return render(request, "enterprises/visit_form.html",
                  {"form": form, "preset": preset, "problem_categories": PROBLEM_CATEGORIES, "problem_rows": range(3),
                   "topic_inputs": topic_inputs})


@role_required(*OFFICE_ROLES)
def visit_list(request):
    before = None
    cursor = request.GET.get("before", "")
    if "_" in cursor:
        day, _sep, pk = cursor.partition("_")
        try:
            before = (dt.date.fromisoformat(day), int(pk))
        except ValueError:
            before = None
    mine = request.GET.get("mine") == "1"
    rows, nxt = selectors.visit_list(request.user, officer_id=request.user.pk if mine else None,
                                     enterprise_id=_int(request.GET.get("enterprise")),
                                     campaign_id=_int(request.GET.get("campaign")), before=before)
    params = request.GET.copy()
    params.pop("before", None)
    return render(request, "enterprises/visit_list.html",
                  {"rows": rows, "next": nxt, "mine": mine, "query": params.urlencode()})


@role_required(*OFFICE_ROLES)
def visit_detail(request, pk: int):
    visit = get_object_or_404(
        Visit.objects.visible_to(request.user).select_related("enterprise", "campaign", "created_by"), pk=pk)
    problems = list(visit.problems.all())
    appeal_of = {}
    for p in problems:
        appeal_of[p.pk] = getattr(p, "appeal", None) if hasattr(p, "appeal") else None
        p.linked_appeal = appeal_of[p.pk]
    return render(request, "enterprises/visit_detail.html", {
        "v": visit, "problems": problems, "attachments": list(visit.attachments.all()),
        "can_raise": visit_services.appeals_available() and user_has_role(request.user, VISIT_ROLES),
    })


@role_required(*OFFICE_ROLES)
def attachment_download(request, pk: int):
    att = get_object_or_404(VisitAttachment.objects.visible_to(request.user), pk=pk)
    return serve_upload(att.file, name=att.original_name or att.file.name)


@require_POST
@role_required(*VISIT_ROLES)
def problem_raise_appeal(request, pk: int):
    problem = get_object_or_404(VisitProblem.objects.visible_to(request.user), pk=pk)
    try:
        appeal = visit_services.raise_appeal_from_problem(problem, request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    except ValueError as exc:  # the appeals workflow refuses with a ValueError whose message is for the user
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已转为企业诉求"))
        if hasattr(appeal, "get_absolute_url"):
            return redirect(appeal.get_absolute_url())
    return redirect("enterprises:visit_detail", pk=problem.visit_id)


@role_required(*MANAGEMENT_ROLES)
def coverage(request):
    kind = request.GET.get("kind", "") if request.GET.get("kind") in selectors.COVERAGE_KINDS else ""
    return render(request, "enterprises/coverage.html", {
        "rows": selectors.coverage(request.user), "uncovered": selectors.uncovered_firms(request.user, kind),
        "load": selectors.officer_load(request.user), "kind": kind,
        "kinds": [(k, Classification.Kind(k).label) for k in selectors.COVERAGE_KINDS],
    })


@role_required(*OFFICE_ROLES, Role.DISTRICT)
def pool_report(request):
    return render(request, "enterprises/pools.html", selectors.pool_report(request.user))


@role_required(*VISIT_ROLES)
def due_visits(request):
    mine = request.GET.get("mine") == "1" or request.user.role == Role.OFFICER and request.GET.get("mine") != "0"
    due = selectors.due_visits(request.user, officer=request.user if mine else None, limit=300)
    # Two links per row, up to 300 rows: reversed once here rather than 600 times by {% url %}.
    detail, visit = reverse("enterprises:detail", args=[0]), reverse("enterprises:visit_create")
    for d in due:
        d.detail_url = detail.replace("/0/", f"/{d.enterprise.pk}/")
        d.visit_url = f"{visit}?enterprise={d.enterprise.pk}"
    return render(request, "enterprises/due.html", {
        "due": due, "over": selectors.over_visited(request.user), "mine": mine,
    })


@role_required(*OFFICE_ROLES)
def campaign_list(request):
    form = None
    if user_has_role(request.user, MANAGEMENT_ROLES):
        form = CampaignForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                campaign = visit_services.create_campaign(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("走访活动已创建"))
                return redirect("enterprises:campaign_detail", pk=campaign.pk)
    elif request.method == "POST":
        raise PermissionDenied(_("您的角色无权创建走访活动。"))
    campaigns = list(VisitCampaign.objects.visible_to(request.user).select_related("street")[:100])
    return render(request, "enterprises/campaign_list.html", {"campaigns": campaigns, "form": form})


@role_required(*OFFICE_ROLES)
def campaign_detail(request, pk: int):
    campaign = get_object_or_404(VisitCampaign.objects.visible_to(request.user), pk=pk)
    rows, nxt = selectors.visit_list(request.user, campaign_id=campaign.pk, size=100)
    return render(request, "enterprises/campaign_detail.html", {
        "c": campaign, "totals": selectors.campaign_totals(campaign, request.user), "rows": rows, "more": bool(nxt),
    })


@role_required(*ASSIGN_ROLES)
def liaison_assign(request):
    """Bulk assignment: the firms ticked on the list (ids), or every firm of a park or community."""
    ids = [i for i in (_int(x) for x in request.POST.getlist("ids") or request.GET.getlist("ids")) if i]
    selected = list(Enterprise.objects.visible_to(request.user).filter(pk__in=ids[:liaison_services.MAX_BULK]))
    form = AssignForm(request.POST if request.POST.get("confirm") else None, user=request.user,
                      initial={"scope": "selected" if selected else "park"})
    if request.method == "POST" and request.POST.get("confirm") and form.is_valid():
        d = form.cleaned_data
        firms = liaison_services.select_firms(request.user, scope=d["scope"], park=d["park"],
                                              community=d["community"], ids=[e.pk for e in selected],
                                              only_kind=d["only_kind"])
        try:
            result = liaison_services.assign(
                firms, officer=d["officer"], team_role=d["team_role"], actor=request.user, start_date=d["start_date"],
                replace=d["replace"])
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("已指派 %(n)s 家，已有 %(a)s 家，结束原挂点 %(e)s 条") % {
                "n": result.created, "a": result.already, "e": result.ended})
            return redirect(reverse("enterprises:list") + f"?officer={d['officer'].pk}")
    return render(request, "enterprises/assign.html", {"form": form, "selected": selected})


@require_POST
@role_required(*ASSIGN_ROLES)
def liaison_end(request, pk: int):
    assignment = get_object_or_404(LiaisonAssignment.objects.visible_to(request.user), pk=pk)
    try:
        liaison_services.end_assignment(assignment, actor=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("挂点已结束"))
    return redirect("enterprises:detail", pk=assignment.enterprise_id)
