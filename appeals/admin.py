"""Appeal categories in the admin: administrators rename them, give them their English name (shown when the
interface is in English) and retire them. The SLA policies have their own page (appeals:policies)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from appeals.models import AppealCategory


@admin.register(AppealCategory)
class AppealCategoryAdmin(SimpleHistoryAdmin):
    list_display = ("name", "name_en", "code", "order", "is_active", "always_follow_up")
    list_editable = ("name_en", "order", "is_active")
    search_fields = ("name", "name_en", "code")
