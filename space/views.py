"""Park pages. Thin: role check, `visible_to(user)` scoping (404 outside), then a selector or a service."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.models.bilingual import pick_name

from crm.permissions import check_role
from enterprises.models import Park
from space import selectors
from space.forms import ParkForm, RuleForm
from space.models import EfficiencyRule
from space.permissions import ACTION_ROLES, READ_ROLES, can
from space.services import parks as park_services
from crm.permissions import role_required


def _default_year() -> int:
    # Annual figures arrive the year after: the last complete year is the one worth ranking.
    return timezone.localdate().year - 1


@role_required(*READ_ROLES)
def park_list(request):
    filters = selectors.ParkFilters.from_query(request.GET, _default_year())
    page = request.GET.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) <= 200 else 1
    rows, has_next = selectors.park_page(request.user, filters, page)
    query = request.GET.copy()
    query.pop("page", None)
    rule = selectors.rule_for(request.user.street_id)
    return render(request, "space/park_list.html", {
        "rows": rows, "filters": filters, "measures": selectors.MEASURES, "page": page, "has_next": has_next,
        "query": query.urlencode(), "rule": rule, "offset": (page - 1) * selectors.PAGE_SIZE,
        "can_edit_rule": can(request.user, "edit_rule"),
        "can_import": can(request.user, "edit_park"),
        "years": range(timezone.localdate().year, timezone.localdate().year - 6, -1),
    })


@role_required(*READ_ROLES)
def park_detail(request, pk: int):
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else _default_year()
    park = selectors.park_with_figures(request.user, pk, year)
    return render(request, "space/park_detail.html", {
        "park": park, "year": year, "tenants": selectors.tenants_of(park),
        "vacancies": selectors.open_vacancies_of(park), "rule": selectors.rule_for(park.street_id),
        "demands": selectors.matching_demands(request.user, park),
        "can_edit": can(request.user, "edit_park"),
        "years": range(timezone.localdate().year, timezone.localdate().year - 6, -1),
    })


@role_required(*ACTION_ROLES["edit_park"])
def park_edit(request, pk: int):
    park = Park.objects.visible_to(request.user).filter(pk=pk).first()
    if park is None:
        raise Http404
    form = ParkForm(request.POST or None, instance=park)
    if request.method == "POST" and form.is_valid():
        try:
            park_services.update_park(actor=request.user, park=park, data=form.cleaned_data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        else:
            messages.success(request, _("园区台账已保存。下一步：核对空置物业和在园企业。"))
            return redirect("space:park_detail", pk=park.pk)
        park.refresh_from_db()
    return render(request, "space/park_form.html", {"park": park, "form": form})


@role_required(*ACTION_ROLES["edit_rule"])
def rule_edit(request):
    """A street user edits the street's rule; a district-wide user (administrator) the district default."""
    street_id = request.user.street_id
    rule = EfficiencyRule.objects.filter(street_id=street_id).first()
    form = RuleForm(request.POST or None, instance=rule or EfficiencyRule(street_id=street_id))
    if request.method == "POST" and form.is_valid():
        try:
            park_services.set_rule(actor=request.user, street_id=street_id,
                                   min_tax_per_10k=form.cleaned_data["min_tax_per_10k"],
                                   min_occupancy=form.cleaned_data["min_occupancy"])
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("低效园区规则已保存，园区列表已按新规则标记。"))
            return redirect(reverse("space:park_list") + "?low=1")
    return render(request, "space/rule_form.html", {"form": form, "is_default": street_id is None})


# ---------------------------------------------------------------------------------------------------------------
# 固投


@role_required(*READ_ROLES)
def investment_list(request):
    from django.db.models import Sum

    from space.models import InvestmentKind, InvestmentProject
    from space.services.investment import projects_with_progress

    today = timezone.localdate()
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else today.year
    until = today if year == today.year else timezone.datetime(year, 12, 31).date()
    qs = projects_with_progress(InvestmentProject.objects.visible_to(request.user).filter(year=year)
                                .select_related("street", "enterprise"), year, until)
    behind_only = request.GET.get("behind") == "1"
    if behind_only:
        qs = qs.filter(behind__gt=0)
    by_kind = {row["kind"]: row for row in qs.order_by().values("kind").annotate(
        plan=Sum("year_plan"), done=Sum("ytd"))}
    kinds = [(value, label, by_kind.get(value)) for value, label in InvestmentKind.choices]
    rows = list(qs.order_by("-behind", "code")[:300])
    return render(request, "space/investment_list.html", {
        "rows": rows, "kinds": kinds, "year": year, "until": until, "behind_only": behind_only,
        "can_import": can(request.user, "import_investment"),
        "can_edit": can(request.user, "edit_investment"),
        "years": range(today.year, today.year - 5, -1),
        "total_plan": sum((k[2]["plan"] for k in kinds if k[2]), 0),
        "total_done": sum((k[2]["done"] for k in kinds if k[2]), 0),
    })


@role_required(*ACTION_ROLES["import_investment"])
def investment_import(request):
    """The old import page: 固投月报 are imported through the import pipeline now (preview, errors, history)."""
    return _to_import_upload(request, "fai_monthly")


def _to_import_upload(request, kind: str):
    from urllib.parse import urlencode

    return redirect(reverse("namelists:upload") + "?" + urlencode({"kind": kind}))


# ---------------------------------------------------------------------------------------------------------------
# 产业地图


MAP_MEASURES = {
    "vacant_area": gettext_lazy("空置面积（㎡）"), "output_density": gettext_lazy("每万㎡产值（万元）"),
    "tenants": gettext_lazy("在园企业数"),
    "sishang": gettext_lazy("四上企业数"),
    "cluster": gettext_lazy("产业集群企业数"),
}
MAP_LIMIT = 5000


@role_required(*READ_ROLES)
def park_map(request):
    from django.db.models import Q

    from enterprises.models import Cluster
    from space.models import MapOutline

    measure = request.GET.get("measure", "")
    measure = measure if measure in MAP_MEASURES else "vacant_area"
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else _default_year()
    clusters = list(Cluster.objects.order_by("kind", "name"))
    cluster = request.GET.get("cluster", "")
    cluster = next((c for c in clusters if str(c.pk) == cluster), None)
    if measure == "cluster" and cluster is None and clusters:
        cluster = clusters[0]
    rows = selectors.map_points(request.user, year, measure, cluster_id=cluster.pk if cluster else None,
                                limit=MAP_LIMIT)
    detail = reverse("space:park_detail", args=[0]).removesuffix("0/")  # reversed once, not per point
    points = [
        {"name": r["name"], "value": [float(r["longitude"]), float(r["latitude"]), float(r[measure] or 0)],
         "url": f"{detail}{r['pk']}/?year={year}", "low": r["low_efficiency"], "vacant": float(r["vacant_area"] or 0)}
        for r in rows
    ]
    label = MAP_MEASURES[measure]
    if measure == "cluster":
        label = _("%(cluster)s企业数") % {"cluster": pick_name(cluster.name, cluster.name_en)} if cluster else label
    outline = (MapOutline.objects.filter(Q(street_id=request.user.street_id) | Q(street__isnull=True))
               .order_by("street_id", "-uploaded_at").first() if request.user.street_id
               else MapOutline.objects.filter(street__isnull=True).first())
    return render(request, "space/park_map.html", {
        "measures": MAP_MEASURES, "measure": measure, "year": year, "count": len(points),
        "clusters": clusters, "cluster": cluster,
        "years": range(timezone.localdate().year, timezone.localdate().year - 6, -1),
        "map_data": {"points": points, "label": str(label),
                     "outline": outline.geojson if outline else None, "outline_name": outline.name if outline else ""},
        "can_upload": can(request.user, "upload_outline"),
    })


@role_required(*ACTION_ROLES["upload_outline"])
def outline_upload(request):
    from space.forms import OutlineForm
    from space.services import outlines

    form = OutlineForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            outline = outlines.upload(actor=request.user, name=form.cleaned_data["name"],
                                      street_id=form.cleaned_data["street"].pk if form.cleaned_data["street"] else None,
                                      content=form.cleaned_data["file"].read())
        except ValidationError as exc:
            form.add_error("file", exc.messages)
        else:
            messages.success(request, _("边界“%(name)s”已上传（%(n)s 个区域），地图已按此边界绘制。")
                             % {"name": outline.name, "n": outline.features})
            return redirect("space:park_map")
    return render(request, "space/outline_form.html", {"form": form})


@role_required(*READ_ROLES)
def renewal_list(request):
    from django.db.models import Prefetch, Sum

    from space.models import RenewalMilestone, RenewalProject

    today = timezone.localdate()
    projects = (RenewalProject.objects.visible_to(request.user).select_related("street", "officer", "team")
                .annotate(delivered=Sum("milestones__delivered_area"))
                .prefetch_related("parks", Prefetch("milestones", queryset=RenewalMilestone.objects.order_by("planned_on")))
                .order_by("street", "name")[:200])
    return render(request, "space/renewal_list.html", {"projects": projects, "today": today,
                                                       "can_edit": can(request.user, "edit_renewal")})


@role_required(*ACTION_ROLES["edit_park"])
def park_import(request):
    """The old import page: the park ledger is imported through the import pipeline now (preview, errors, history)."""
    return _to_import_upload(request, "parks")


# ---------------------------------------------------------------------------------------------------------------
# 固投项目 and 空间更新项目: create and edit


def _errors_to_form(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _scoped_or_404(model, user, pk: int):
    obj = model.objects.visible_to(user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def _investment_form(request, project):
    from space.forms import InvestmentProjectForm
    from space.services import projects as services

    form = InvestmentProjectForm(request.POST or None, instance=project, user=request.user)
    if request.method == "POST" and form.is_valid():
        if not project.pk:
            project.street_id = form.street_id
        try:
            services.save_investment(actor=request.user, project=project,
                                     data=form.service_data(services.INVESTMENT_FIELDS))
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("固投项目“%(name)s”已保存。下一步：每月导入固投月报，跟踪年度计划完成进度。")
                             % {"name": project.name})
            return redirect(reverse("space:investment_list") + f"?year={project.year}#p{project.pk}")
    return render(request, "space/investment_form.html", {"form": form, "project": project})


@role_required(*ACTION_ROLES["edit_investment"])
def investment_create(request):
    from space.models import InvestmentProject

    initial_pipeline = request.GET.get("pipeline_project", "")
    project = InvestmentProject(year=timezone.localdate().year)
    if request.method != "POST" and initial_pipeline.isdigit():
        from pipelines.models import Project

        linked = Project.objects.visible_to(request.user).filter(pk=int(initial_pipeline)).first()
        if linked is not None:
            project.pipeline_project = linked
            project.name = linked.name
    return _investment_form(request, project)


@role_required(*ACTION_ROLES["edit_investment"])
def investment_edit(request, pk: int):
    from space.models import InvestmentProject

    return _investment_form(request, _scoped_or_404(InvestmentProject, request.user, pk))


def _renewal_form(request, project):
    from space.forms import RenewalProjectForm
    from space.services import projects as services

    form = RenewalProjectForm(request.POST or None, instance=project, user=request.user)
    if request.method == "POST" and form.is_valid():
        if not project.pk:
            project.street_id = form.street_id
        created = not project.pk
        try:
            services.save_renewal(actor=request.user, project=project,
                                  data=form.service_data(services.RENEWAL_FIELDS), parks=list(form.cleaned_data["parks"]))
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            if created:
                messages.success(request, _("空间更新项目“%(name)s”已创建。下一步：添加项目节点（计划完成日期）。")
                                 % {"name": project.name})
                return redirect("space:milestone_create", pk=project.pk)
            messages.success(request, _("空间更新项目“%(name)s”已保存。") % {"name": project.name})
            return redirect(reverse("space:renewal_list") + f"#r{project.pk}")
    return render(request, "space/renewal_form.html", {"form": form, "project": project})


@role_required(*ACTION_ROLES["edit_renewal"])
def renewal_create(request):
    from space.models import RenewalProject

    return _renewal_form(request, RenewalProject())


@role_required(*ACTION_ROLES["edit_renewal"])
def renewal_edit(request, pk: int):
    from space.models import RenewalProject

    return _renewal_form(request, _scoped_or_404(RenewalProject, request.user, pk))


def _milestone_form(request, project, milestone):
    from space.forms import MilestoneForm
    from space.services import projects as services

    form = MilestoneForm(request.POST or None, instance=milestone)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_milestone(actor=request.user, milestone=milestone,
                                    data={f: form.cleaned_data[f] for f in services.MILESTONE_FIELDS})
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("节点“%(name)s”已保存。下一步：节点完成时填写实际完成日期和交付面积。")
                             % {"name": milestone.name})
            return redirect(reverse("space:renewal_list") + f"#r{project.pk}")
    return render(request, "space/milestone_form.html", {"form": form, "project": project, "milestone": milestone})


@role_required(*ACTION_ROLES["edit_renewal"])
def milestone_create(request, pk: int):
    from space.models import RenewalMilestone, RenewalProject

    project = _scoped_or_404(RenewalProject, request.user, pk)
    return _milestone_form(request, project, RenewalMilestone(project=project))


@role_required(*ACTION_ROLES["edit_renewal"])
def milestone_edit(request, pk: int):
    from space.models import RenewalMilestone

    milestone = _scoped_or_404(RenewalMilestone, request.user, pk)
    return _milestone_form(request, milestone.project, milestone)
