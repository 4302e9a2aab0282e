from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from crm.models import CalendarYear, Community, Department, District, Notification, SpecialDay, Street, Team, User

admin.site.site_header = _("街道企业服务平台 · 管理后台")
admin.site.site_title = _("企业服务平台")


@admin.register(User)
class UserAdmin(DjangoUserAdmin, SimpleHistoryAdmin):
    list_display = ("username", "last_name", "first_name", "role", "street", "department", "is_active")
    list_filter = ("role", "street", "department", "is_active")
    fieldsets = DjangoUserAdmin.fieldsets + ((_("组织与角色"), {"fields": ("role", "street", "department", "phone", "title")}),)
    add_fieldsets = DjangoUserAdmin.add_fieldsets + ((_("组织与角色"), {"fields": ("role", "street", "department")}),)


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ("code", "name")


@admin.register(Street)
class StreetAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "district")


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "street")
    list_filter = ("street",)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "short_name", "name_en", "street", "is_active")
    search_fields = ("name", "short_name", "name_en")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "street", "leader")
    filter_horizontal = ("members",)


@admin.register(CalendarYear)
class CalendarYearAdmin(SimpleHistoryAdmin):
    list_display = ("year", "status", "version", "source", "updated_at")


@admin.register(SpecialDay)
class SpecialDayAdmin(SimpleHistoryAdmin):
    list_display = ("date", "kind", "name")
    list_filter = ("kind",)
    date_hierarchy = "date"


class DeliveryStatusFilter(admin.SimpleListFilter):
    title = _("投递状态")
    parameter_name = "delivery"

    def lookups(self, request, model_admin):
        return Notification.DeliveryStatus.choices

    def queryset(self, request, queryset):
        status = self.value()
        if status == Notification.DeliveryStatus.DELIVERED:
            return queryset.filter(delivered_at__isnull=False)
        if status == Notification.DeliveryStatus.FAILED:
            return queryset.filter(delivered_at__isnull=True, failed_at__isnull=False)
        if status == Notification.DeliveryStatus.RETRYING:
            return queryset.filter(delivered_at__isnull=True, failed_at__isnull=True, attempts__gt=0)
        if status == Notification.DeliveryStatus.PENDING:
            return queryset.filter(delivered_at__isnull=True, failed_at__isnull=True, attempts=0)
        return queryset


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "kind", "level", "title", "delivery_status_label", "attempts",
                    "short_error", "delivered_at", "read_at")
    list_filter = (DeliveryStatusFilter, "kind", "level")
    raw_id_fields = ("recipient",)
    readonly_fields = ("attempts", "last_error", "failed_at", "channels_done", "delivered_at")
    actions = ["retry_delivery"]

    @admin.display(description=_("投递状态"))
    def delivery_status_label(self, obj):
        return Notification.DeliveryStatus(obj.delivery_status).label

    @admin.display(description=_("最近投递错误"))
    def short_error(self, obj):
        return (obj.last_error[:80] + "…") if len(obj.last_error) > 80 else obj.last_error

    @admin.action(description=_("重新投递所选的失败通知"))
    def retry_delivery(self, request, queryset):
        from crm.services.notifications import retry_failed

        count = retry_failed(queryset.values_list("pk", flat=True), actor=request.user)
        self.message_user(request, _("已重新排队 %(count)s 条通知，将在下一次投递时发送。") % {"count": count})
