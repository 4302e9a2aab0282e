"""Thin views: role check, row scoping, then a service or selector."""

from __future__ import annotations

import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.audit import log_export
from crm.exports import formula_safe
from crm.permissions import role_required
from crm.scoping import visible_streets
from enterprises.models import Enterprise, Visit

from . import selectors, services
from .forms import FinancialProductForm, NeedForm, ProductForm
from .models import FinancialProduct, Introduction, Need, Product
from .permissions import ACTION_ROLES, FIELD_ROLES, READ_ROLES, REPORT_ROLES, can, mark_details


def _error(request, exc: ValidationError) -> None:
    messages.error(request, "；".join(exc.messages))


@role_required(*READ_ROLES)
def need_list(request):
    status = request.GET.get("status", "active")
    kind = request.GET.get("kind", "")
    before = request.GET.get("before")
    rows, next_cursor = selectors.needs_for(
        request.user, status=status if status in (*Need.Status.values, "active") else "",
        kind=kind if kind in Need.Kind.values else "", before=int(before) if (before or "").isdigit() else None)
    return render(request, "matchmaking/need_list.html", {
        "rows": rows, "next_cursor": next_cursor, "status": status, "kind": kind,
        "statuses": Need.Status.choices, "kinds": Need.Kind.choices})


@role_required(*READ_ROLES)
def firm(request, pk: int):
    ent = get_object_or_404(Enterprise.objects.visible_to(request.user), pk=pk)
    return render(request, "matchmaking/firm.html", {
        "e": ent, "products": Product.objects.filter(enterprise=ent).select_related("cluster"),
        "needs": Need.objects.filter(enterprise=ent).select_related("owner")[:50],
        "can_edit": can(request.user, "edit_need")})


@role_required(*FIELD_ROLES)
def need_create(request, pk: int):
    ent = get_object_or_404(Enterprise.objects.visible_to(request.user), pk=pk)
    visit = None
    if (request.GET.get("visit") or request.POST.get("visit") or "").isdigit():
        visit = Visit.objects.visible_to(request.user).filter(
            pk=request.GET.get("visit") or request.POST.get("visit"), enterprise=ent).first()
    form = NeedForm(request.POST or None, initial={"kind": request.GET.get("kind", Need.Kind.PURCHASING)})
    if request.method == "POST" and form.is_valid():
        need = form.save(commit=False)
        need.enterprise, need.visit = ent, visit
        try:
            services.save_need(request.user, need)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            nxt = _("下面是匹配到的供应商，选择一家进行对接。") if need.kind == Need.Kind.PURCHASING else (
                _("下面是符合条件的金融产品。") if need.kind == Need.Kind.FINANCING else "")
            messages.success(request, _("需求已记录，负责人：%(o)s。") % {"o": need.owner} + nxt)
            return redirect("matchmaking:need_detail", need.pk)
    return render(request, "matchmaking/need_form.html", {"form": form, "e": ent, "visit": visit})


@role_required(*FIELD_ROLES)
def product_create(request, pk: int):
    ent = get_object_or_404(Enterprise.objects.visible_to(request.user), pk=pk)
    form = ProductForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        product = form.save(commit=False)
        product.enterprise = ent
        try:
            services.save_product(request.user, product)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("产品已登记。可查看潜在采购方。"))
            return redirect("matchmaking:product_buyers", product.pk)
    return render(request, "matchmaking/product_form.html", {"form": form, "e": ent})


@role_required(*READ_ROLES)
def need_detail(request, pk: int):
    need = get_object_or_404(Need.objects.visible_to(request.user).select_related("enterprise__street", "owner"),
                             pk=pk)
    # Firms of other streets show by name and street only (permissions.FIRM_DETAILS).
    suppliers = mark_details(request.user, selectors.suppliers_for(need)) if need.kind == Need.Kind.PURCHASING else []
    banks = selectors.bank_products_for(need) if need.kind == Need.Kind.FINANCING else []
    intros = list(Introduction.objects.visible_to(request.user).filter(need=need)
                  .select_related("party_b__street", "financial_product").prefetch_related("follow_ups"))
    mark_details(request.user, [i.party_b for i in intros])
    from pipelines.models import Event

    events = list(Event.objects.visible_to(request.user).filter(
        kind=Event.Kind.MATCHMAKING, held_on__gte=timezone.localdate()).order_by("held_on")[:10])
    return render(request, "matchmaking/need_detail.html", {
        "need": need, "events": events, "suppliers": suppliers, "banks": banks, "intros": intros,
        "can_introduce": can(request.user, "introduce"), "can_edit": can(request.user, "edit_need"),
        "statuses": Need.Status.choices, "outcomes": Introduction.Outcome.choices})


@require_POST
@role_required(*FIELD_ROLES)
def need_status(request, pk: int):
    need = get_object_or_404(Need.objects.visible_to(request.user), pk=pk)
    try:
        services.set_need_status(request.user, need, request.POST.get("status", ""))
        messages.success(request, _("需求状态已更新为：%s。") % need.get_status_display())
    except ValidationError as exc:
        _error(request, exc)
    return redirect("matchmaking:need_detail", need.pk)


@require_POST
@role_required(*FIELD_ROLES)
def introduce(request, pk: int):
    need = get_object_or_404(Need.objects.visible_to(request.user).select_related("enterprise__street"), pk=pk)
    party_b = fp = None
    if (request.POST.get("firm") or "").isdigit():
        party_b = Enterprise.objects.select_related("street").filter(pk=request.POST["firm"]).first()
    if (request.POST.get("financial_product") or "").isdigit():
        fp = FinancialProduct.objects.filter(pk=request.POST["financial_product"], is_active=True).first()
    event = None
    if (request.POST.get("event") or "").isdigit():
        from pipelines.models import Event

        event = Event.objects.visible_to(request.user).filter(pk=request.POST["event"]).first()
    try:
        services.introduce(request.user, need=need, party_a=need.enterprise, party_b=party_b,
                           financial_product=fp, note=request.POST.get("note", ""), event=event)
        messages.success(request, _("已记录对接，请跟进并登记结果（意向/签约/未成）。"))
    except ValidationError as exc:
        _error(request, exc)
    return redirect("matchmaking:need_detail", need.pk)


@require_POST
@role_required(*FIELD_ROLES)
def invite(request, pk: int):
    from pipelines.models import Event

    need = get_object_or_404(Need.objects.visible_to(request.user).select_related("enterprise"), pk=pk)
    event = Event.objects.visible_to(request.user).filter(pk=request.POST.get("event") or 0).first() if (
        request.POST.get("event") or "").isdigit() else None
    supplier = Enterprise.objects.filter(pk=request.POST.get("firm") or 0).first() if (
        request.POST.get("firm") or "").isdigit() else None
    if event is None or supplier is None:
        messages.error(request, _("请选择对接会和企业。"))
    else:
        try:
            services.invite_to_event(request.user, event, need, supplier)
            messages.success(request, _("已邀请双方参加“%s”，会后在此登记对接结果。") % event.title)
        except ValidationError as exc:
            _error(request, exc)
    return redirect("matchmaking:need_detail", need.pk)


@role_required(*READ_ROLES)
def product_buyers(request, pk: int):
    product = get_object_or_404(Product.objects.visible_to(request.user).select_related("enterprise__street"), pk=pk)
    intros = list(Introduction.objects.visible_to(request.user).filter(product=product)
                  .select_related("party_b__street", "financial_product").prefetch_related("follow_ups"))
    mark_details(request.user, [i.party_b for i in intros])
    return render(request, "matchmaking/product_buyers.html", {
        "product": product, "buyers": mark_details(request.user, selectors.buyers_for(product)), "intros": intros,
        "can_introduce": can(request.user, "introduce"), "outcomes": Introduction.Outcome.choices})


@require_POST
@role_required(*FIELD_ROLES)
def introduce_buyer(request, pk: int):
    product = get_object_or_404(Product.objects.visible_to(request.user).select_related("enterprise__street"), pk=pk)
    buyer = None
    if (request.POST.get("firm") or "").isdigit():
        buyer = Enterprise.objects.select_related("street").filter(pk=request.POST["firm"]).first()
    try:
        services.introduce(request.user, product=product, party_a=product.enterprise, party_b=buyer,
                           note=request.POST.get("note", ""))
        messages.success(request, _("已记录对接，请跟进并登记结果（意向/签约/未成）。"))
    except ValidationError as exc:
        _error(request, exc)
    return redirect("matchmaking:product_buyers", product.pk)


def _back(intro: Introduction):
    if intro.need_id:
        return redirect("matchmaking:need_detail", intro.need_id)
    if intro.product_id:
        return redirect("matchmaking:product_buyers", intro.product_id)
    return redirect("matchmaking:need_list")


@require_POST
@role_required(*FIELD_ROLES)
def intro_outcome(request, pk: int):
    intro = get_object_or_404(Introduction.objects.visible_to(request.user).select_related("need"), pk=pk)
    try:
        services.record_outcome(request.user, intro, request.POST.get("outcome", ""), request.POST.get("amount"))
        messages.success(request, _("对接结果已登记：%s。") % intro.get_outcome_display())
    except ValidationError as exc:
        _error(request, exc)
    return _back(intro)


@require_POST
@role_required(*FIELD_ROLES)
def intro_follow_up(request, pk: int):
    intro = get_object_or_404(Introduction.objects.visible_to(request.user), pk=pk)
    try:
        services.add_follow_up(request.user, intro, request.POST.get("note", ""))
        messages.success(request, _("跟进已记录。"))
    except ValidationError as exc:
        _error(request, exc)
    return _back(intro)


def _matchmaking_event(request, pk: int):
    from pipelines.models import Event

    return get_object_or_404(Event.objects.visible_to(request.user).select_related("street", "officer"),
                             pk=pk, kind=Event.Kind.MATCHMAKING)


@role_required(*READ_ROLES)
def event_outcomes(request, pk: int):
    """A 对接会's outcomes: invited suppliers and buyers, who came, introductions made there, deals, totals."""
    event = _matchmaking_event(request, pk)
    data = selectors.event_outcomes(event, request.user)
    return render(request, "matchmaking/event_outcomes.html", {
        "event": event, **data, "can_introduce": can(request.user, "introduce"),
        "invited_groups": [(_("受邀供应方"), data["suppliers"]), (_("受邀采购方"), data["buyers"])]})


@require_POST
@role_required(*FIELD_ROLES)
def event_attendance(request, pk: int):
    event = _matchmaking_event(request, pk)
    firm = Enterprise.objects.filter(pk=request.POST.get("firm") or 0).first() if (
        request.POST.get("firm") or "").isdigit() else None
    if firm is None:
        messages.error(request, _("请选择企业。"))
    else:
        try:
            services.set_attendance(request.user, event, firm, request.POST.get("attended") == "1")
            messages.success(request, _("已登记到会情况。"))
        except ValidationError as exc:
            _error(request, exc)
    return redirect("matchmaking:event_outcomes", event.pk)


FP_ROLES = ACTION_ROLES["manage_financial_products"]


@role_required(*FP_ROLES)
def fp_list(request):
    """Partner banks' products, district-wide (a short list: bounded)."""
    rows = FinancialProduct.objects.order_by("-is_active", "bank", "name")[:300]
    return render(request, "matchmaking/fp_list.html", {"rows": rows})


def _fp_form(request, product: FinancialProduct | None):
    form = FinancialProductForm(request.POST or None, instance=product)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_financial_product(request.user, form.instance)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("金融产品“%s”已保存。融资需求的匹配结果中将按准入条件列出它。") % saved)
            return redirect("matchmaking:fp_list")
    return render(request, "matchmaking/fp_form.html", {"form": form, "product": product})


@role_required(*FP_ROLES)
def fp_create(request):
    return _fp_form(request, None)


@role_required(*FP_ROLES)
def fp_edit(request, pk: int):
    return _fp_form(request, get_object_or_404(FinancialProduct, pk=pk))


def _report_args(request):
    today = timezone.localdate()
    year = int(request.GET["year"]) if (request.GET.get("year") or "").isdigit() else today.year
    streets = visible_streets(request.user)
    street_id = None
    if (request.GET.get("street") or "").isdigit() and streets.filter(pk=request.GET["street"]).exists():
        street_id = int(request.GET["street"])
    return year, street_id, streets


@role_required(*REPORT_ROLES)
def report(request):
    year, street_id, streets = _report_args(request)
    data = selectors.street_year_report(request.user, year, street_id)
    return render(request, "matchmaking/report.html", {
        "r": data, "streets": streets, "street_id": street_id, "year": year})


@role_required(*REPORT_ROLES)
def report_export(request):
    from openpyxl import Workbook

    year, street_id, _streets = _report_args(request)
    r = selectors.street_year_report(request.user, year, street_id)
    wb = Workbook()
    ws = wb.active
    ws.title = "对接成效"
    rows = [
        ("年度", year), ("提出需求", r["raised"]["total"]), ("其中采购", r["raised"]["purchasing"]),
        ("其中融资", r["raised"]["financing"]), ("其中人才", r["raised"]["talent"]), ("已满足需求", r["met"]),
        ("对接次数", r["intros"]["total"]), ("企业间对接", r["intros"]["firm"]), ("政银企对接", r["intros"]["bank"]),
        ("签约数", r["deals"]["count"]), ("签约金额（万元）", r["deals"]["total_amount"]),
        ("本地配套签约数", r["deals"]["local_count"]), ("本地配套金额（万元）", r["deals"]["local_amount"]),
    ]
    for row in rows:
        ws.append([formula_safe(v) for v in row])
    ws2 = wb.create_sheet("按行业")
    ws2.append(["行业大类", "签约数", "签约金额（万元）", "本地配套签约数"])
    for row in r["by_industry"]:
        ws2.append([formula_safe(row["division"] or "未分类"), row["count"], row["total_amount"], row["local"]])
    ws3 = wb.create_sheet("对接会")
    ws3.append(["对接会", "日期", "街道", "邀请企业", "参会企业", "签约数", "签约金额（万元）"])
    for ev in r["events"]:
        ws3.append([formula_safe(ev.title), ev.held_on, formula_safe(ev.street.name), ev.invited, ev.participants,
                    ev.deals, ev.deal_amount])
    log_export(request.user, what=f"对接成效 {year}", rows=len(rows) + len(r["by_industry"]) + len(r["events"]),
               personal_data=False,
               filters={"year": year, "street": street_id})
    buf = io.BytesIO()
    wb.save(buf)
    resp = HttpResponse(buf.getvalue(),
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f'attachment; filename="matchmaking-{year}.xlsx"'
    return resp
