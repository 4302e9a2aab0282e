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
    list_display = ("name", "short_name", "street", "is_active")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "street", "leader")
    filter_horizontal = ("members",)


@admin.register(CalendarYear)
class CalendarYearAdmin(SimpleHistoryAdmin):
    list_display = ("year", "status", "version", "source", "updated_at")


@admin.register(SpecialDay)
class SpecialDayAdmin(SimpleHistoryAdmin):
    list_display = ("date", "kind", "name")
    list_filter = ("kind",)
    date_hierarchy = "date"


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "kind", "level", "title", "delivered_at", "read_at")
    list_filter = ("kind", "level")
    raw_id_fields = ("recipient",)
