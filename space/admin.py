from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from space.models import (
    EfficiencyRule, InvestmentImport, InvestmentMonth, InvestmentProject, MapOutline, RenewalMilestone, RenewalProject,
)


@admin.register(EfficiencyRule)
class EfficiencyRuleAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "min_tax_per_10k", "min_occupancy", "updated_at")


class MonthInline(admin.TabularInline):
    model = InvestmentMonth
    extra = 0


@admin.register(InvestmentProject)
class InvestmentProjectAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "street", "kind", "year", "year_plan", "registered")
    list_filter = ("street", "kind", "year", "registered")
    search_fields = ("code", "name")
    raw_id_fields = ("enterprise", "pipeline_project", "officer")
    inlines = [MonthInline]


@admin.register(InvestmentImport)
class InvestmentImportAdmin(admin.ModelAdmin):
    list_display = ("month", "street", "filename", "rows", "replaced", "by", "at")


@admin.register(MapOutline)
class MapOutlineAdmin(admin.ModelAdmin):
    list_display = ("name", "street", "features", "uploaded_by", "uploaded_at")
    readonly_fields = ("geojson", "features", "uploaded_by", "uploaded_at")

    def has_add_permission(self, request):
        return False  # uploaded through space:outline_upload, which validates the GeoJSON


class MilestoneInline(admin.TabularInline):
    model = RenewalMilestone
    extra = 1


@admin.register(RenewalProject)
class RenewalProjectAdmin(SimpleHistoryAdmin):
    list_display = ("name", "street", "kind", "status", "area", "year_area_target", "officer")
    list_filter = ("street", "kind", "status")
    search_fields = ("name",)
    filter_horizontal = ("parks",)
    inlines = [MilestoneInline]
