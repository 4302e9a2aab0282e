from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import FinancialProduct, Introduction, Invitation, Need, Product


@admin.register(FinancialProduct)
class FinancialProductAdmin(SimpleHistoryAdmin):
    list_display = ("bank", "name", "min_amount", "max_amount", "max_term_months", "is_active")
    list_filter = ("is_active", "bank")


@admin.register(Product)
class ProductAdmin(SimpleHistoryAdmin):
    list_display = ("name", "enterprise", "industry_code", "cluster")
    raw_id_fields = ("enterprise",)
    search_fields = ("name",)


@admin.register(Need)
class NeedAdmin(SimpleHistoryAdmin):
    list_display = ("title", "enterprise", "kind", "status", "owner", "created_at")
    list_filter = ("kind", "status")
    raw_id_fields = ("enterprise", "visit", "owner")


@admin.register(Introduction)
class IntroductionAdmin(SimpleHistoryAdmin):
    list_display = ("party_a", "party_b", "financial_product", "outcome", "amount", "introduced_on")
    list_filter = ("outcome", "is_local")
    raw_id_fields = ("party_a", "party_b", "need", "product", "event")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("event", "enterprise", "role", "need", "invited_on")
    list_filter = ("role",)
    raw_id_fields = ("event", "enterprise", "need", "invited_by")
