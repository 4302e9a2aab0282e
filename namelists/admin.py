from django.contrib import admin

from .models import ImportBatch, ImportChange, ImportIssue


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ("id", "file_name", "list_kind", "year", "street", "status", "created_by", "created_at")
    list_filter = ("status", "list_kind", "year")
    search_fields = ("file_name", "sha256")
    readonly_fields = ("sha256", "size", "counts", "preview", "headers", "mapping", "created_at", "committed_at")


@admin.register(ImportChange)
class ImportChangeAdmin(admin.ModelAdmin):
    list_display = ("id", "batch", "enterprise", "action", "target", "field", "before", "after")
    list_filter = ("action",)
    raw_id_fields = ("batch", "enterprise")


@admin.register(ImportIssue)
class ImportIssueAdmin(admin.ModelAdmin):
    list_display = ("id", "batch", "row", "column", "severity", "reason")
    list_filter = ("severity",)
    raw_id_fields = ("batch",)
