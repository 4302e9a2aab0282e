from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from pipelines.models import Event, Project, SpaceDemand, StageChange, Target, TargetSnapshot, Vacancy


class StageChangeInline(admin.TabularInline):
    model = StageChange
    extra = 0
    readonly_fields = ["from_stage", "to_stage", "on", "by", "note", "recorded_at"]
    can_delete = False


@admin.register(Project)
class ProjectAdmin(SimpleHistoryAdmin):
    list_display = ["name", "street", "stage", "tier", "planned_investment", "officer", "confidential"]
    list_filter = ["street", "stage", "tier", "confidential"]
    search_fields = ["name", "investor_name"]
    readonly_fields = ["stage", "signed_on", "registered_on", "production_on", "counted_on"]
    raw_id_fields = ["enterprise", "industry"]
    inlines = [StageChangeInline]


@admin.register(Vacancy)
class VacancyAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "space_type", "area", "rent", "status"]
    list_filter = ["status", "space_type", "owner_type"]
    raw_id_fields = ["taken_by_project", "taken_by_enterprise"]


@admin.register(Event)
class EventAdmin(SimpleHistoryAdmin):
    list_display = ["title", "street", "kind", "held_on"]
    list_filter = ["street", "kind"]
    raw_id_fields = ["enterprises", "projects"]


@admin.register(Target)
class TargetAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "target_value", "manual_actual"]
    list_filter = ["year", "street", "scope_kind"]


admin.site.register(SpaceDemand, SimpleHistoryAdmin)


@admin.register(TargetSnapshot)
class TargetSnapshotAdmin(admin.ModelAdmin):
    list_display = ["target", "period_kind", "period_start", "value", "corrected_value", "is_final"]
    list_filter = ["period_kind", "is_final"]
