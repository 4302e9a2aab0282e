from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.forms import CalendarYearForm, ScheduleForm, SpecialDayForm
from crm.models import CalendarYear, Notification, Role, SpecialDay
from crm.permissions import ADMIN_ROLES, CALENDAR_VIEW_ROLES, role_required, user_has_role
from crm.registry import registry
from crm.selectors import year_grid
from crm.services import calendar_admin, notifications
from crm.services.workcalendar import get_calendar

HOME_TEMPLATES = {
    Role.OFFICER: "crm/home_officer.html",
    Role.STATISTICIAN: "crm/home_statistician.html",
    Role.MANAGER: "crm/home_manager.html",
    Role.DEPARTMENT: "crm/home_department.html",
    Role.ADMIN: "crm/home_admin.html",
    Role.DISTRICT: "crm/home_manager.html",  # district-wide, read-only: the manager's overview
}


@login_required
def home(request):
    role = Role.ADMIN if request.user.is_superuser else request.user.role
    today = timezone.localdate()
    context = {
        "cards": registry.cards_for(request.user),
        "worklists": registry.lists_for(request.user),
        "today": today,
        "today_info": get_calendar().day_info(today),
        "role_label": Role(role).label,
        # Roles that look firms up get a search box on top of their work list.
        "search_url": reverse("enterprises:list") if role in (Role.OFFICER, Role.STATISTICIAN, Role.MANAGER) else "",
    }
    return render(request, HOME_TEMPLATES[role], context)


INBOX_LIMIT = 200


def group_messages(items) -> list[dict]:
    """Repeated messages about the same thing (same link: one appeal's 即将到期, 催办 and 督办) become one line:
    the newest message, how many there are, how many are unread and the earlier titles. Newest group first."""
    groups: dict[str, dict] = {}
    order: list[dict] = []
    for n in items:
        key = n.url or f"#{n.pk}"
        group = groups.get(key)
        if group is None:
            group = groups[key] = {"latest": n, "count": 0, "unread": 0, "earlier": []}
            order.append(group)
        else:
            group["earlier"].append(n)
        group["count"] += 1
        group["unread"] += n.read_at is None
    return order


@login_required
def inbox(request):
    items = list(Notification.objects.filter(recipient=request.user).order_by("-created_at", "-id")[:INBOX_LIMIT])
    return render(request, "crm/inbox.html", {"groups": group_messages(items), "limit": INBOX_LIMIT,
                                              "full": len(items) == INBOX_LIMIT})


@login_required
@require_POST
def inbox_mark_read(request):
    ids = request.POST.getlist("id")
    notifications.mark_read(request.user, [int(i) for i in ids if i.isdigit()] if ids else None)
    return redirect("notifications:inbox")


@login_required
def inbox_open(request, pk: int):
    item = get_object_or_404(Notification, pk=pk, recipient=request.user)
    # The inbox shows repeated messages about one thing as one line: opening it reads them all.
    same = Notification.objects.filter(recipient=request.user, read_at__isnull=True)
    (same.filter(url=item.url) if item.url else same.filter(pk=item.pk)).update(read_at=timezone.now())
    if item.url.startswith("/") and not item.url.startswith("//"):
        return redirect(item.url)
    return redirect("notifications:inbox")


def _calendar_year(request) -> int:
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    return min(max(year, 2000), 2100)


def _calendar_context(request, year: int, **extra) -> dict:
    calendar = get_calendar()
    today = timezone.localdate()
    known = set(CalendarYear.objects.values_list("year", flat=True))
    context = {
        "year": year,
        "year_choices": sorted(known | {today.year - 1, today.year, today.year + 1, year}),
        "year_row": CalendarYear.objects.filter(year=year).first(),
        "days": SpecialDay.objects.filter(date__year=year),
        "provisional": calendar.is_provisional(dt.date(year, 1, 1)),
        "months": year_grid(year, calendar, today=today),
        "day_form": SpecialDayForm(),
        "year_form": CalendarYearForm(initial={"year": year}),
        "schedule_form": ScheduleForm(initial={"year": year}),
        "can_edit": user_has_role(request.user, ADMIN_ROLES),
        "office_hours": calendar.office_hours,
        "follow_ups": [(reverse(u), label) for u, label in registry.calendar_follow_ups],
    }
    context.update(extra)
    return context


@role_required(*CALENDAR_VIEW_ROLES)
def calendar_index(request):
    return render(request, "crm/calendar.html", _calendar_context(request, _calendar_year(request)))


def _after_calendar_edit(year: int):
    """Open clocks are not moved silently: send the administrator to the first follow-up page (the appeals'
    preview of how many deadlines move), which applies the change in a batched job once confirmed."""
    if registry.calendar_follow_ups:
        url_name, label = registry.calendar_follow_ups[0]
        return redirect(f"{reverse(url_name)}?reason=calendar&year={year}")
    return redirect(f"{reverse('calendar:index')}?year={year}")


def _form_errors(form) -> str:
    return "; ".join(e for errs in form.errors.values() for e in errs)


@role_required(*ADMIN_ROLES)
@require_POST
def calendar_day_save(request):
    form = SpecialDayForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("保存失败：%(errors)s") % {"errors": _form_errors(form)})
        return redirect("calendar:index")
    data = form.cleaned_data
    try:
        day = calendar_admin.save_special_day(actor=request.user, date=data["date"], kind=data["kind"],
                                              name=data["name"])
    except calendar_admin.ScheduleError as exc:
        messages.error(request, str(exc))
        return redirect("calendar:index")
    messages.success(request, _("已保存 %(date)s。请确认下面列出的在办诉求时限调整。") % {"date": day.date})
    return _after_calendar_edit(day.date.year)


@role_required(*ADMIN_ROLES)
@require_POST
def calendar_day_delete(request, pk: int):
    year = calendar_admin.delete_special_day(actor=request.user, day=get_object_or_404(SpecialDay, pk=pk))
    messages.success(request, _("已删除。请确认下面列出的在办诉求时限调整。"))
    return _after_calendar_edit(year)


@role_required(*ADMIN_ROLES)
@require_POST
def calendar_year_save(request):
    form = CalendarYearForm(request.POST, instance=CalendarYear.objects.filter(
        year=request.POST.get("year") or 0).first() if str(request.POST.get("year", "")).isdigit() else None)
    if not form.is_valid():
        messages.error(request, _("保存失败：%(errors)s") % {"errors": _form_errors(form)})
        return redirect("calendar:index")
    data = form.cleaned_data
    try:
        row = calendar_admin.save_year(actor=request.user, year=data["year"], status=data["status"],
                                       source=data["source"])
    except calendar_admin.ScheduleError as exc:
        messages.error(request, str(exc))
        return redirect("calendar:index")
    messages.success(request, _("%(year)s 年度状态已更新") % {"year": row.year})
    return _after_calendar_edit(row.year)


@role_required(*ADMIN_ROLES)
@require_POST
def calendar_schedule(request):
    """A year's schedule in one form: the first post previews it (month grid and counts, nothing saved); the
    confirmed post replaces the year's special days and goes to the preview of moved deadlines, once."""
    form = ScheduleForm(request.POST)
    year = _calendar_year(request)
    if not form.is_valid():
        messages.error(request, _("未保存：%(errors)s") % {"errors": _form_errors(form)})
        return render(request, "crm/calendar.html", _calendar_context(request, year, schedule_form=form), status=400)
    data = form.cleaned_data
    year = data["year"]
    try:
        days = calendar_admin.parse_schedule(data["text"], year)
        if request.POST.get("confirm") == "1":
            result = calendar_admin.replace_year_schedule(actor=request.user, year=year, days=days,
                                                          official=data["official"], source=data["source"])
        elif not days:
            raise calendar_admin.ScheduleError(_("没有识别到任何日期，未做修改。"))
    except calendar_admin.ScheduleError as exc:
        messages.error(request, _("未保存：%(error)s") % {"error": exc})
        return render(request, "crm/calendar.html", _calendar_context(request, year, schedule_form=form), status=400)
    if request.POST.get("confirm") == "1":
        messages.success(request, _(
            "%(year)s 年放假安排已保存：放假 %(holidays)s 天、调休上班 %(workdays)s 天（新增 %(added)s、修改 %(changed)s、"
            "删除 %(removed)s）。请确认下面列出的在办诉求时限调整。") % {"year": year, **result})
        return _after_calendar_edit(year)
    preview = {d.date: (d.kind, d.name) for d in days}
    return render(request, "crm/calendar.html", _calendar_context(
        request, year, schedule_form=form, preview_days=days,
        months=year_grid(year, get_calendar(), special=preview, today=timezone.localdate()),
        preview_counts={"holidays": sum(d.kind == SpecialDay.Kind.HOLIDAY for d in days),
                        "workdays": sum(d.kind == SpecialDay.Kind.WORKDAY for d in days)},
    ))


@require_GET
def healthz(request):
    """Liveness and database reachability for load balancers and docker-compose."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # pragma: no cover - exercised by the fault scripts
        return JsonResponse({"status": "error", "database": False}, status=503)
    return JsonResponse({"status": "ok", "database": True})


def robots(request):
    return HttpResponse("User-agent: *\nDisallow: /\n", content_type="text/plain")
