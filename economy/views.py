"""Thin views: role check, street resolution (a street user sees only their street; district users and
administrators any), then the selectors."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.models import Role, Street
from crm.permissions import role_required
from crm.scoping import sees_all_streets
from namelists.errors import ImportRefused
from namelists.reader import FileRejected

from . import selectors
from .importing import parse_indicator, parse_month
from .models import Indicator, MonthlyFigure
from .permissions import DISTRICT_ROLES, IMPORT_ROLES, STREET_ROLES


def _street(request) -> Street | None:
    """The street asked for: a street user's own (another street's code → 404); district-wide users pick one."""
    code = (request.GET.get("street") or "").strip()
    user = request.user
    if sees_all_streets(user):
        if not code:
            return None
        street = Street.objects.filter(code=code).first()
        if street is None:
            raise Http404(_("街道不存在"))
        return street
    if user.street_id is None or (code and code != user.street.code):
        raise Http404(_("街道不存在"))
    return user.street


def _month_and_indicator(request, street_id: int | None) -> tuple[dt.date | None, str]:
    try:
        indicator = parse_indicator(request.GET.get("indicator") or Indicator.INDUSTRIAL_OUTPUT)
    except ValueError:
        indicator = Indicator.INDUSTRIAL_OUTPUT
    month = None
    if request.GET.get("month"):
        try:
            month = parse_month(request.GET["month"])
        except ValueError as exc:
            messages.error(request, str(exc))
    return month or selectors.latest_month(None, street_id), indicator


def recent_months(month: dt.date, count: int) -> list[dt.date]:
    """`month` and the months before it (no scan of the figures for the list of months)."""
    out, y, m = [], month.year, month.month
    for _ in range(count):
        out.append(dt.date(y, m, 1))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out


def _cards(month: dt.date, street_id: int) -> list[dict]:
    """One card per indicator the street has figures for: its total, growth, rank and share (one ranking query)."""
    cards = []
    for indicator, label in Indicator.choices:
        ranking = selectors.street_ranking(month, indicator)
        position = next((r for r in ranking if r.street_id == street_id), None)
        if position is None:
            continue
        total = selectors.Totals(position.firms, position.ytd, position.ytd_last_year, selectors.ZERO)
        cards.append({"indicator": indicator, "label": label, "total": total, "position": position,
                      "streets": len(ranking)})
    return cards


WATCH_ROWS = 20  # per watch list on the page; the drill-down and the export list them all


@role_required(*STREET_ROLES)
def street_page(request):
    street = _street(request)
    if street is None:
        if request.user.is_superuser or request.user.role in DISTRICT_ROLES:
            return redirect("economy:district")
        raise Http404(_("街道不存在"))
    month, indicator = _month_and_indicator(request, street.id)
    ctx = {"street": street, "month": month, "indicator": indicator, "indicator_label": Indicator(indicator).label,
           "indicators": Indicator.choices, "can_import": _can_import(request.user),
           "is_district": sees_all_streets(request.user), "months": []}
    if month is not None:
        total = selectors.totals(month, indicator, street.id)
        pull, drag = selectors.pull_drag(month, indicator, street.id, 10, total)
        ctx.update(
            cards=_cards(month, street.id), total=total, pull=pull, drag=drag,
            drops=selectors.big_drops(month, indicator, street.id, limit=WATCH_ROWS),
            drop_share=selectors.drop_share() * 100,
            zeros=selectors.zero_reports(month, indicator, street.id, limit=WATCH_ROWS),
            missing=selectors.not_reported(month, indicator, street.id, limit=WATCH_ROWS),
            withdrawn=selectors.withdrawn(month.year, street.id, limit=WATCH_ROWS),
            at_risk=selectors.at_risk(month, indicator, street.id, limit=WATCH_ROWS),
            entrants=selectors.new_entrants(month.year, street.id, limit=WATCH_ROWS),
        )
        trend = selectors.trend(indicator, street.id, month)
        ctx["chart"] = {"label": Indicator(indicator).label, "points": [
            {"month": f"{p['month']:%Y-%m}", "ytd": str(p["ytd"]), "value": str(p["value"]),
             "growth": selectors.rounded(p["growth"], 1)} for p in trend]}
        ctx["months"] = sorted({p["month"] for p in trend} | {month}, reverse=True)
    return render(request, "economy/street.html", ctx)


@role_required(*DISTRICT_ROLES)
def district_page(request):
    month, indicator = _month_and_indicator(request, None)
    ctx = {"month": month, "indicators": Indicator.choices, "tables": []}
    if month is not None:
        for ind, label in Indicator.choices:
            rows = selectors.street_ranking(month, ind)
            if rows:
                ctx["tables"].append({"indicator": ind, "label": label, "rows": rows,
                                      "total": selectors.totals(month, ind)})
        ctx["months"] = recent_months(month, 36)
    return render(request, "economy/district.html", ctx)


@role_required(*STREET_ROLES)
def groups(request):
    """By community and by park within a street (the firm's community/park in the registry)."""
    street = _street(request) or Street.objects.order_by("code").first()  # district users: ?street=CODE
    if street is None:
        raise Http404(_("街道不存在"))
    month, indicator = _month_and_indicator(request, street.id)
    ctx = {"street": street, "month": month, "indicator": indicator, "indicator_label": Indicator(indicator).label}
    if month is not None:
        ctx.update(communities=selectors.by_group(month, indicator, street.id, "community"),
                   parks=selectors.by_group(month, indicator, street.id, "park"))
    return render(request, "economy/groups.html", ctx)


KINDS = {"all": gettext_lazy("全部企业"), "pull": gettext_lazy("拉动企业"), "drag": gettext_lazy("拖累企业"),
         "drop": gettext_lazy("累计降幅超阈值"), "zero": gettext_lazy("本月零报")}


@role_required(*STREET_ROLES)
def firm_list(request):
    """The firms behind a number: a street's (or, for district users, the district's) firms of a month."""
    street = _street(request)
    if street is None and not (request.user.is_superuser or request.user.role in DISTRICT_ROLES):
        raise Http404(_("街道不存在"))
    street_id = street.id if street else None
    month, indicator = _month_and_indicator(request, street_id)
    if month is None:
        raise Http404(_("没有月度数据"))
    kind = request.GET.get("kind") if request.GET.get("kind") in KINDS else "all"
    try:
        offset = max(0, min(int(request.GET.get("offset", 0)), 1_000_000))
    except ValueError:
        offset = 0
    rows, more = selectors.firms(month, indicator, street_id, kind=kind, offset=offset, limit=100)
    base = {"street": street.code if street else "", "month": f"{month:%Y-%m}", "indicator": indicator,
            "kind": kind}
    query = "&".join(f"{k}={v}" for k, v in base.items() if v)
    return render(request, "economy/firms.html", {
        "street": street, "month": month, "indicator_label": Indicator(indicator).label, "kind_label": KINDS[kind],
        "rows": rows, "offset": offset, "query": query, "total": selectors.totals(month, indicator, street_id),
        "next_offset": offset + 100 if more else None, "prev_offset": max(0, offset - 100) if offset else None})


@role_required(*STREET_ROLES)
def export(request):
    from crm.audit import filters_of, log_export

    from .exports import meeting_report

    street = _street(request) or Street.objects.order_by("code").first()  # district users: ?street=CODE
    if street is None:
        raise Http404(_("请选择街道"))
    month, _indicator = _month_and_indicator(request, street.id)
    content, rows = meeting_report(street, month)
    log_export(request.user, what=f"经济运行调度表 {street.name}", rows=rows, personal_data=False,
               filters=filters_of(request.GET))
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    name = f"{street.name}{month.year}年1-{month.month}月经济运行调度.xlsx" if month else f"{street.name}经济运行调度.xlsx"
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def _can_import(user) -> bool:
    return bool(user.is_superuser or user.role in IMPORT_ROLES)


@role_required(*IMPORT_ROLES)
def upload(request):
    """A monthly file into a name-list batch; the preview runs in the worker, its page shows the progress."""
    from namelists import services as namelist_services

    from .forms import MonthlyUploadForm
    from .importing import create_batch

    form = MonthlyUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data["file"]
        try:
            batch = create_batch(request.user, f.read(), f.name, form.cleaned_data["month"],
                                 form.cleaned_data["indicator"] or None, form.cleaned_data.get("street"))
            namelist_services.request_preview(batch, request.user)
        except (FileRejected, ImportRefused) as exc:
            form.add_error("file", str(exc))
        else:
            messages.success(request, _("文件已上传，正在预览；确认无误后点击“提交导入”。"))
            return redirect(reverse("namelists:detail", args=[batch.pk]))
    return render(request, "economy/upload.html", {"form": form, "today": timezone.localdate()})
