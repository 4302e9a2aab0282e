"""Pipeline pages. Thin: role check, `visible_to(user)` scoping (404 outside), then a service or selector."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.audit import filters_of, log_export
from crm.models import Role, Street, Team, User
from crm.permissions import role_required, user_has_role
from crm.registry import registry
from crm.scoping import visible_streets
from enterprises.models import Cluster, Enterprise
from pipelines import exports, selectors
from pipelines.forms import EventForm, ProjectForm, SpaceDemandForm, StageMoveForm, TargetForm, VacancyImportForm
from pipelines.metrics import METRICS
from pipelines.models import PIPELINE, Event, Project, SpaceDemand, Stage, Target, Tier, Vacancy
from pipelines.permissions import MANAGE_ROLES as MANAGE
from pipelines.permissions import READ_ROLES as READ
from pipelines.permissions import WRITE_ROLES as WRITE
from pipelines.services import events as event_services
from pipelines.services import matching
from pipelines.services import projects as project_services
from pipelines.services import space as space_services
from pipelines.services import targets as target_services
from pipelines.services.rollup import month, parse_period
from pipelines.services.vacancy_import import import_vacancies


def _street_id(request) -> int:
    """The user's street; a district-wide user picks one with ?street= (default: the first visible)."""
    if request.user.street_id:
        return request.user.street_id
    streets = visible_streets(request.user)
    wanted = request.GET.get("street") or request.POST.get("street") or ""
    if wanted.isdigit() and streets.filter(pk=int(wanted)).exists():
        return int(wanted)
    first = streets.order_by("code").first()
    if first is None:
        raise Http404
    return first.pk


def _filter_context(request, street_id: int) -> dict:
    return {
        "stages": Stage.choices, "tiers": Tier.choices, "clusters": Cluster.objects.all(),
        "officers": User.objects.filter(street_id=street_id, role__in=(Role.OFFICER, Role.MANAGER), is_active=True),
        "teams": Team.objects.filter(street_id=street_id), "params": request.GET,
        "can_write": user_has_role(request.user, WRITE),
    }


# ---------------------------------------------------------------------------------------------------------------
# Projects


@role_required(*READ)
def board(request):
    filters = selectors.ProjectFilters.from_query(request.GET)
    context = {"columns": selectors.board(request.user, filters), "move_choices": Stage.choices,
               **_filter_context(request, _street_id(request))}
    template = "pipelines/_board.html" if request.htmx and request.htmx.target == "board" else "pipelines/board.html"
    return render(request, template, context)


@role_required(*READ)
def project_list(request):
    filters = selectors.ProjectFilters.from_query(request.GET)
    before = request.GET.get("before", "")
    rows, next_key = selectors.project_page(request.user, filters, int(before) if before.isdigit() else None)
    query = request.GET.copy()
    query.pop("before", None)
    return render(request, "pipelines/project_list.html", {
        "rows": rows, "next_key": next_key, "query": query.urlencode(), **_filter_context(request, _street_id(request)),
    })


@role_required(*READ)
def project_detail(request, pk: int):
    project = get_object_or_404(Project.objects.visible_to(request.user).select_related(
        "officer", "team", "enterprise", "industry", "source_event", "street"), pk=pk)
    return render(request, "pipelines/project_detail.html", {
        "project": project,
        "changes": project.stage_changes.select_related("by").order_by("-on", "-pk"),
        "demands": project.space_demands.all(),
        "vacancies": project.vacancies.select_related("park"),
        "move_form": StageMoveForm(initial={"next_action": project.next_action,
                                            "next_action_due": project.next_action_due}),
        "pipeline": PIPELINE, "can_write": user_has_role(request.user, WRITE),
        "next_stage": project_services.next_stage(project.stage),
        "sections": registry.project_sections_for(project, request.user),  # e.g. space's 固投 link
    })


@role_required(*WRITE)
def project_create(request):
    street_id = _street_id(request)
    form = ProjectForm(request.POST or None, street_id=street_id, initial={"officer": request.user.pk})
    if request.method == "POST" and form.is_valid():
        try:
            project = project_services.create_project(
                actor=request.user, street_id=street_id, clusters=form.cleaned_data["clusters"],
                **form.project_fields(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("项目已创建。"))
            return redirect("pipelines:project_detail", project.pk)
    return render(request, "pipelines/project_form.html", {"form": form, "project": None})


@role_required(*WRITE)
def project_edit(request, pk: int):
    project = get_object_or_404(Project.objects.visible_to(request.user), pk=pk)
    form = ProjectForm(request.POST or None, instance=project, street_id=project.street_id)
    if request.method == "POST" and form.is_valid():
        try:
            project_services.update_project(project, actor=request.user, clusters=form.cleaned_data["clusters"],
                                            **form.project_fields())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("项目已保存。"))
            return redirect("pipelines:project_detail", project.pk)
    return render(request, "pipelines/project_form.html", {"form": form, "project": project})


@role_required(*WRITE)
@require_POST
def project_move(request, pk: int):
    project = get_object_or_404(Project.objects.visible_to(request.user), pk=pk)
    data = request.POST.copy()
    if data.get("advance"):  # the board's one-tap "→ next stage" button
        data["to_stage"] = data["advance"]
    form = StageMoveForm(data)
    error = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            project_services.move_stage(
                project, data["to_stage"], actor=request.user, on=data["on"], note=data["note"],
                reason=data["reason"], next_action=data["next_action"] or None,
                next_action_due=data["next_action_due"],
            )
        except ValidationError as exc:
            error = "；".join(exc.messages)
    else:
        error = "；".join(str(e) for errors in form.errors.values() for e in errors)
    if request.htmx and request.POST.get("from") == "board":
        filters = selectors.ProjectFilters.from_query(request.GET)
        response = render(request, "pipelines/_board.html", {
            "columns": selectors.board(request.user, filters), "move_choices": Stage.choices, "board_error": error,
            "can_write": True, "params": request.GET,
        })
        return response
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("阶段已更新。"))
    if request.POST.get("from") == "board":
        return redirect("pipelines:board")
    return redirect("pipelines:project_detail", project.pk)


# ---------------------------------------------------------------------------------------------------------------
# Space: inventory, import, demands and matches


@role_required(*READ)
def vacancy_list(request):
    qs = Vacancy.objects.visible_to(request.user).select_related("park", "taken_by_project")
    space_type, status = request.GET.get("type", ""), request.GET.get("status", "available")
    if space_type:
        qs = qs.filter(space_type=space_type)
    if status:
        qs = qs.filter(status=status)
    if request.GET.get("large") == "1":
        qs = qs.filter(area__gte=1000)
    before = request.GET.get("before", "")
    if before.isdigit():
        qs = qs.filter(pk__lt=int(before))
    rows = list(qs.order_by("-pk")[:101])
    next_key = rows[99].pk if len(rows) > 100 else None
    query = request.GET.copy()
    query.pop("before", None)
    return render(request, "pipelines/vacancy_list.html", {
        "rows": rows[:100], "next_key": next_key, "query": query.urlencode(), "params": request.GET,
        "types": Vacancy._meta.get_field("space_type").choices, "statuses": Vacancy.Status.choices,
        "can_write": user_has_role(request.user, WRITE),
    })


@role_required(*WRITE)
@require_POST
def vacancy_status(request, pk: int):
    """Mark a unit taken / available again / withdrawn. Freeing it clears who took it."""
    vacancy = get_object_or_404(Vacancy.objects.visible_to(request.user), pk=pk)
    try:
        space_services.set_vacancy_status(vacancy, request.POST.get("status", ""), actor=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"{vacancy}：{vacancy.get_status_display()}")
    return redirect(reverse("pipelines:vacancy_list") + "?status=")


@role_required(*WRITE)
def vacancy_import(request):
    form = VacancyImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = import_vacancies(form.cleaned_data["file"].read(), actor=request.user, street_id=_street_id(request))
        if result.ok:
            messages.success(request, _("导入完成：新增 %(created)s 个，更新 %(updated)s 个。") % {"created": result.created, "updated": result.updated})
            return redirect("pipelines:vacancy_list")
    return render(request, "pipelines/vacancy_import.html", {"form": form, "result": result})


@role_required(*WRITE)
def demand_create(request, pk: int | None = None):
    project = enterprise = None
    if pk is not None:
        project = get_object_or_404(Project.objects.visible_to(request.user), pk=pk)
        street_id = project.street_id
    else:
        ent = request.GET.get("enterprise") or request.POST.get("enterprise") or ""
        if not ent.isdigit():
            raise Http404
        enterprise = get_object_or_404(Enterprise.objects.visible_to(request.user), pk=int(ent))
        street_id = enterprise.street_id
    form = SpaceDemandForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        demand = space_services.register_demand(actor=request.user, street_id=street_id, project=project,
                                                enterprise=enterprise, **form.cleaned_data)
        return redirect("pipelines:demand_matches", demand.pk)
    return render(request, "pipelines/demand_form.html", {"form": form, "project": project, "enterprise": enterprise})


def _demand(request, pk: int) -> SpaceDemand:
    demand = get_object_or_404(SpaceDemand.objects.visible_to(request.user).select_related("project", "enterprise"),
                               pk=pk)
    # A demand of a confidential project is as confidential as the project.
    if demand.project_id and not Project.objects.visible_to(request.user).filter(pk=demand.project_id).exists():
        raise Http404
    return demand


@role_required(*READ)
def demand_matches(request, pk: int):
    demand = _demand(request, pk)
    results = matching.match(demand, Vacancy.objects.visible_to(request.user))
    return render(request, "pipelines/demand_matches.html", {
        "demand": demand, "matches": results, "can_write": user_has_role(request.user, WRITE),
    })


@role_required(*WRITE)
@require_POST
def demand_take(request, pk: int, vacancy_pk: int):
    demand = _demand(request, pk)
    try:
        vacancy = space_services.reserve_vacancy(demand, vacancy_pk, actor=request.user,
                                                 vacancies=Vacancy.objects.visible_to(request.user))
    except Vacancy.DoesNotExist:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("pipelines:demand_matches", demand.pk)
    messages.success(request, _("已为需求锁定 %(vacancy)s。入驻后请在物业列表中标记为已入驻。") % {"vacancy": vacancy})
    return redirect("pipelines:demand_matches", demand.pk)


# ---------------------------------------------------------------------------------------------------------------
# Events


@role_required(*READ)
def event_list(request):
    qs = Event.objects.visible_to(request.user).select_related("officer", "team")
    year = request.GET.get("year", "")
    if year.isascii() and year.isdigit() and 1949 <= int(year) <= 2100:  # else ignored, never a 500
        qs = qs.filter(held_on__year=int(year))
    return render(request, "pipelines/event_list.html", {
        "rows": qs[:200], "can_write": user_has_role(request.user, WRITE), "year": year,
    })


@role_required(*READ)
def event_detail(request, pk: int):
    event = get_object_or_404(Event.objects.visible_to(request.user).select_related("officer", "team"), pk=pk)
    # Every project of the event is listed; a confidential one the user may not see reads 保密项目.
    visible = Project.objects.in_street_scope_of(request.user)
    return render(request, "pipelines/event_detail.html", {
        "event": event, "projects": visible.filter(pk__in=event.projects.values("pk")),
        "leads": visible.filter(source_event=event), "firms": event.enterprises.all()[:200],
        "can_write": user_has_role(request.user, WRITE),
        # Other apps' pages about this event (matchmaking's 对接成效 of a 对接会), through crm.registry.
        "event_links": registry.event_links_for(event, request.user),
    })


@role_required(*WRITE)
def event_form(request, pk: int | None = None):
    event = get_object_or_404(Event.objects.visible_to(request.user), pk=pk) if pk else None
    street_id = event.street_id if event else _street_id(request)
    form = EventForm(request.POST or None, instance=event, street_id=street_id)
    if request.method == "POST" and form.is_valid():
        obj = event_services.save_event(form.save(commit=False), actor=request.user, street_id=street_id)
        messages.success(request, _("活动已保存。"))
        return redirect("pipelines:event_detail", obj.pk)
    return render(request, "pipelines/event_form.html", {"form": form, "event": event})


@role_required(*WRITE)
@require_POST
def event_participant(request, pk: int):
    """Add a project (by pk) or a firm (by 统一社会信用代码) of the street to the participants."""
    event = get_object_or_404(Event.objects.visible_to(request.user), pk=pk)
    project_pk, uscc = request.POST.get("project", ""), request.POST.get("uscc", "").strip().upper()
    try:
        if project_pk.isdigit():
            event_services.add_project(event, int(project_pk), actor=request.user)
        elif uscc:
            event_services.add_firm(event, uscc, actor=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("pipelines:event_detail", event.pk)


# ---------------------------------------------------------------------------------------------------------------
# Targets, dashboard, drill-down, export


def _year(request) -> int:
    year = request.GET.get("year", "")
    return min(max(int(year), 2000), 2100) if year.isdigit() else timezone.localdate().year


@role_required(*MANAGE)
def target_admin(request, pk: int | None = None):
    target = get_object_or_404(Target.objects.visible_to(request.user), pk=pk) if pk else None
    street_id = target.street_id if target else _street_id(request)
    form = TargetForm(request.POST or None, instance=target, street_id=street_id)
    if request.method == "POST":
        if request.POST.get("delete") and target:
            target_services.delete_target(target, actor=request.user)
            messages.success(request, _("目标已删除。"))
            return redirect(reverse("pipelines:targets") + f"?year={target.year}")
        if form.is_valid():
            obj = target_services.save_target(form.save(commit=False), actor=request.user, street_id=street_id,
                                              team=form.cleaned_data.get("team"),
                                              officer=form.cleaned_data.get("officer"))
            messages.success(request, _("目标已保存，进度将在夜间汇总时更新快照。"))
            return redirect(reverse("pipelines:targets") + f"?year={obj.year}")
    year = target.year if target else _year(request)
    rows = selectors.targets_for(request.user, year, street_id).order_by("scope_kind", "metric")
    return render(request, "pipelines/targets.html", {"form": form, "target": target, "rows": rows, "year": year,
                                                      "metrics": METRICS})


@role_required(*READ)
def dashboard(request):
    year = _year(request)
    street_id = _street_id(request)
    data = selectors.dashboard(request.user, year, street_id)
    return render(request, "pipelines/dashboard.html", {
        **data, "streets": visible_streets(request.user),
        "street": request.user.street if request.user.street_id == street_id else Street.objects.get(pk=street_id),
        "chart": selectors.chart_data(data["street_rows"]), "can_manage": user_has_role(request.user, MANAGE),
        "year_choices": selectors.target_years(request.user, year),
    })


@role_required(*READ)
def drilldown(request, pk: int):
    target = get_object_or_404(Target.objects.visible_to(request.user).select_related("street"), pk=pk)
    if target.metric not in METRICS or METRICS[target.metric].manual:
        raise Http404
    period_text = request.GET.get("period", "")
    try:
        period = parse_period(period_text) if period_text else None
    except ValueError:
        period = None
    if period and period.start.year == target.year:
        start, end, label = period.start, period.end, period.label
    else:
        start, end, label = dt.date(target.year, 1, 1), dt.date(target.year, 12, 31), f"{target.year}年全年"
    metric, rows = selectors.drilldown(request.user, target, start, end)
    total = len(rows) if isinstance(rows, list) else rows.count()
    figure_total = selectors.figure_total(metric, rows)
    rows = rows[:500] if not isinstance(rows, list) else rows
    return render(request, "pipelines/drilldown.html", {
        "target": target, "metric": metric, "rows": rows, "total": total, "figure_total": figure_total,
        "label": label,
        "months": [month(target.year, m).start for m in range(1, 13)], "quarters": [1, 2, 3, 4],
    })


@role_required(*READ)
def export(request):
    year = _year(request)
    street_id = _street_id(request)
    period_text = request.GET.get("period", "")
    try:
        period = parse_period(period_text) if period_text else None
    except ValueError:
        period = None
    street = Street.objects.get(pk=street_id)
    content = exports.targets_workbook(request.user, street, year, period)
    log_export(request.user, what=f"{street.name}{year}年招商目标进度", rows=0, personal_data=False,
               filters=filters_of(request.GET))
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    name = f"{street.name}{year}年招商引资目标进度{('-' + period.label) if period else ''}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response

