from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from policies.models import Delivery, PaymentImport, Policy


@admin.register(Policy)
class PolicyAdmin(SimpleHistoryAdmin):
    list_display = ("title", "level", "issuer", "status", "window_closes")
    list_filter = ("status", "level", "benefit_kind")
    search_fields = ("title", "document_no", "issuer")


@admin.register(Delivery)
class DeliveryAdmin(SimpleHistoryAdmin):
    list_display = ("policy", "enterprise", "officer", "stage", "paid_amount")
    list_filter = ("stage",)
    raw_id_fields = ("enterprise", "officer", "visit")


@admin.register(PaymentImport)
class PaymentImportAdmin(admin.ModelAdmin):
    list_display = ("file_name", "policy", "kind", "status", "ok_rows", "error_rows", "created_at")
    readonly_fields = ("rows",)
