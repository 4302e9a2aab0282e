"""Park pages. Thin: role check, `visible_to(user)` scoping (404 outside), then a selector or a service."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

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
        "can_edit_rule": can(request.user, "edit_rule") and request.user.street_id is not None,
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
    if request.user.street_id is None:
        raise Http404  # the district default is kept in the admin
    rule = EfficiencyRule.objects.filter(street_id=request.user.street_id).first()
    form = RuleForm(request.POST or None, instance=rule or EfficiencyRule(street_id=request.user.street_id))
    if request.method == "POST" and form.is_valid():
        try:
            park_services.set_rule(actor=request.user, street_id=request.user.street_id,
                                   min_tax_per_10k=form.cleaned_data["min_tax_per_10k"],
                                   min_occupancy=form.cleaned_data["min_occupancy"])
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("低效园区规则已保存，园区列表已按新规则标记。"))
            return redirect(reverse("space:park_list") + "?low=1")
    return render(request, "space/rule_form.html", {"form": form})
