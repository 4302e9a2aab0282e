from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from enterprises import models as m


@admin.register(m.Enterprise)
class EnterpriseAdmin(SimpleHistoryAdmin):
    list_display = ("name", "uscc", "street", "community", "status")
    list_filter = ("street", "status")
    search_fields = ("name", "uscc", "name_initials")
    raw_id_fields = ("industry", "park")
    readonly_fields = ("name_initials",)


@admin.register(m.IndustryCategory)
class IndustryAdmin(admin.ModelAdmin):
    """The national standard, loaded by migration: looked up here, never edited (the registry's key to it has no
    database constraint, see Enterprise.industry)."""

    list_display = ("code", "name", "name_en", "level", "section")
    list_filter = ("level", "section")
    search_fields = ("code", "name", "name_en")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(m.SishangThreshold)
class ThresholdAdmin(admin.ModelAdmin):
    list_display = ("year", "category", "industry_prefixes", "min_revenue", "note")
    list_filter = ("year", "category")


@admin.register(m.VisitRule)
class VisitRuleAdmin(SimpleHistoryAdmin):
    list_display = ("street", "kind", "min_interval_days", "max_visitors_30d", "is_active")


@admin.register(m.Classification)
class ClassificationAdmin(SimpleHistoryAdmin):
    list_display = ("enterprise", "kind", "category", "year", "valid_from", "valid_to")
    list_filter = ("kind", "year")
    raw_id_fields = ("enterprise",)


@admin.register(m.LiaisonAssignment)
class LiaisonAdmin(SimpleHistoryAdmin):
    list_display = ("enterprise", "officer", "team_role", "start_date", "end_date")
    list_filter = ("team_role",)
    raw_id_fields = ("enterprise", "officer", "created_by")


@admin.register(m.Cluster)
class ClusterAdmin(admin.ModelAdmin):
    """Shenzhen "20+8" (loaded by migration 0011) and a district's own clusters: administrators edit them here."""

    list_display = ("name", "name_en", "kind", "code")
    list_filter = ("kind",)
    search_fields = ("name", "name_en", "code")


admin.site.register([m.Park, m.VisitCampaign], SimpleHistoryAdmin)
