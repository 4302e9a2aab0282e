from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import F
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.forms import CalendarYearForm, SpecialDayForm
from crm.models import CalendarYear, Notification, Role, SpecialDay
from crm.permissions import role_required
from crm.registry import registry
from crm.services import notifications
from crm.services.workcalendar import get_calendar

HOME_TEMPLATES = {
    Role.OFFICER: "crm/home_officer.html",
    Role.STATISTICIAN: "crm/home_statistician.html",
    Role.MANAGER: "crm/home_manager.html",
    Role.DEPARTMENT: "crm/home_department.html",
    Role.ADMIN: "crm/home_admin.html",
    # 区级领导: the overview a street leader reads, district-wide and read-only.
    Role.DISTRICT: "crm/home_manager.html",
}


@login_required
def home(request):
    role = Role.ADMIN if request.user.is_superuser else request.user.role
    today = timezone.localdate()
    context = {
        "cards": registry.cards_for(request.user),
        "today": today,
        "today_info": get_calendar().day_info(today),
        "role_label": Role(role).label,
    }
    return render(request, HOME_TEMPLATES[role], context)


@login_required
def inbox(request):
    items = Notification.objects.filter(recipient=request.user).order_by("-created_at")[:100]
    return render(request, "crm/inbox.html", {"items": items})


@login_required
@require_POST
def inbox_mark_read(request):
    ids = request.POST.getlist("id")
    notifications.mark_read(request.user, [int(i) for i in ids if i.isdigit()] if ids else None)
    return redirect("notifications:inbox")


@login_required
def inbox_open(request, pk: int):
    item = get_object_or_404(Notification, pk=pk, recipient=request.user)
    if item.read_at is None:
        Notification.objects.filter(pk=item.pk).update(read_at=timezone.now())
    if item.url.startswith("/") and not item.url.startswith("//"):
        return redirect(item.url)
    return redirect("notifications:inbox")


@role_required(Role.ADMIN, Role.MANAGER)
def calendar_index(request):
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    year = min(max(year, 2000), 2100)
    calendar = get_calendar()
    days = SpecialDay.objects.filter(date__year=year)
    context = {
        "year": year,
        "years": CalendarYear.objects.all(),
        "year_row": CalendarYear.objects.filter(year=year).first(),
        "days": days,
        "provisional": calendar.is_provisional(dt.date(year, 1, 1)),
        "day_form": SpecialDayForm(),
        "year_form": CalendarYearForm(initial={"year": year}),
        "can_edit": request.user.is_superuser or request.user.role == Role.ADMIN,
        "office_hours": calendar.office_hours,
        "follow_ups": [(reverse(u), label) for u, label in registry.calendar_follow_ups],
    }
    return render(request, "crm/calendar.html", context)


def _bump_version(year: int) -> None:
    CalendarYear.objects.filter(year=year).update(version=F("version") + 1)


def _after_calendar_edit(year: int):
    """Open clocks are not moved silently: send the administrator to the first follow-up page (the appeals'
    preview of how many deadlines move), which applies the change in a batched job once confirmed."""
    if registry.calendar_follow_ups:
        url_name, label = registry.calendar_follow_ups[0]
        return redirect(f"{reverse(url_name)}?reason=calendar&year={year}")
    return redirect(f"{reverse('calendar:index')}?year={year}")


@role_required(Role.ADMIN)
@require_POST
def calendar_day_save(request):
    try:  # a malformed date is the form's to report, not a 500 here
        day = parse_date(request.POST.get("date") or "")
    except ValueError:
        day = None
    instance = SpecialDay.objects.filter(date=day).first() if day else None
    form = SpecialDayForm(request.POST, instance=instance)
    if form.is_valid():
        day = form.save()
        CalendarYear.objects.get_or_create(year=day.date.year)
        _bump_version(day.date.year)
        messages.success(request, _("已保存 %(date)s") % {"date": day.date})
        return _after_calendar_edit(day.date.year)
    messages.error(request, _("保存失败：%(errors)s") % {"errors": "; ".join(e for errs in form.errors.values() for e in errs)})
    return redirect("calendar:index")


@role_required(Role.ADMIN)
@require_POST
def calendar_day_delete(request, pk: int):
    day = get_object_or_404(SpecialDay, pk=pk)
    year = day.date.year
    day.delete()
    _bump_version(year)
    messages.success(request, _("已删除"))
    return _after_calendar_edit(year)


@role_required(Role.ADMIN)
@require_POST
def calendar_year_save(request):
    instance = CalendarYear.objects.filter(year=request.POST.get("year") or 0).first() if str(request.POST.get("year", "")).isdigit() else None
    form = CalendarYearForm(request.POST, instance=instance)
    if form.is_valid():
        row = form.save()
        _bump_version(row.year)
        messages.success(request, _("%(year)s 年度状态已更新") % {"year": row.year})
        return _after_calendar_edit(row.year)
    messages.error(request, _("保存失败：%(errors)s") % {"errors": "; ".join(e for errs in form.errors.values() for e in errs)})
    return redirect("calendar:index")


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
