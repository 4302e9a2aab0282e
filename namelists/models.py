"""Import history: every name-list import (ImportBatch), its row problems (ImportIssue) and the per-field changes
it made (ImportChange).

The upsert writes with bulk SQL, which bypasses django-simple-history, so ImportChange *is* the audit of what
an import changed, linked to the enterprise so its page can show "changed by import #12: 营业收入 1 → 2".
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.scoping import ScopedQuerySet, scoped_manager


class ListKind(models.TextChoices):
    SISHANG = "sishang", _("四上企业名录")
    ZJTX = "zjtx", _("专精特新企业名单")
    GAOXIN = "gaoxin", _("国家高新技术企业名单")
    LISTED = "listed", _("上市公司名单")
    PREIPO = "preipo", _("拟上市企业服务清单")
    MONTHLY = "monthly", _("月度经济数据（统计局）")  # parsed and written by economy.importing


class ImportBatch(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待确认列映射")
        PREVIEWED = "previewed", _("已预览，待提交")
        RUNNING = "running", _("处理中")
        COMMITTED = "committed", _("已导入")
        FAILED = "failed", _("失败")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("导入人"),
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    committed_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    file = models.FileField(_("文件"), upload_to="namelists/uploads/%Y/%m/", max_length=300)
    file_name = models.CharField(_("文件名"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(_("大小（字节）"), default=0)
    list_kind = models.CharField(_("名录类型"), max_length=10, choices=ListKind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    street = models.ForeignKey(
        "crm.Street", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("限定街道"),
        help_text=_("为空表示全区：按各行的“街道”列归属"),
    )
    close_missing = models.BooleanField(
        _("关闭名单外企业的分类"), default=False,
        help_text=_("名单为全量名单时勾选：不在本名单中的企业，其同类分类将被关闭"),
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    # When a preview or commit was claimed: with the worker's advisory lock, tells an interrupted run from a live one.
    running_since = models.DateTimeField(_("开始处理"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    progress_note = models.CharField(_("进度说明"), max_length=100, blank=True)
    message = models.TextField(_("说明/错误"), blank=True)
    sheet_name = models.CharField(_("工作表"), max_length=100, blank=True)
    header_row = models.PositiveIntegerField(_("表头行号"), null=True, blank=True)
    headers = models.JSONField(_("表头"), default=list, blank=True)
    # {"<column index>": "<field>"}; JSON object keys are strings.
    mapping = models.JSONField(_("列映射"), default=dict, blank=True)
    counts = models.JSONField(_("统计"), default=dict, blank=True)
    # Bounded samples for the preview page: {"created": [...], "updated": [...], "closed": [...]}.
    preview = models.JSONField(_("预览"), default=dict, blank=True)
    report = models.FileField(_("问题报告"), upload_to="namelists/reports/%Y/%m/", blank=True, max_length=300)
    task_id = models.CharField(max_length=50, blank=True)

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords(
        excluded_fields=["progress", "progress_note", "preview", "counts", "task_id", "running_since"]
    )

    class Meta:
        verbose_name = _("名录导入批次")
        verbose_name_plural = _("名录导入批次")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["street", "-created_at"], name="namelist_batch_street_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.file_name}"

    @property
    def is_busy(self) -> bool:
        return self.status == self.Status.RUNNING

    @property
    def column_mapping(self) -> dict[int, str]:
        return {int(k): v for k, v in (self.mapping or {}).items() if v}


class ImportIssue(models.Model):
    class Severity(models.TextChoices):
        ERROR = "error", _("已拒绝")
        WARNING = "warning", _("值未导入")
        DUPLICATE = "duplicate", _("重复已合并")
        SKIPPED = "skipped", _("已跳过")

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="issues")
    sheet = models.CharField(_("工作表"), max_length=100, blank=True)
    row = models.PositiveIntegerField(_("行号"))
    column = models.CharField(_("列"), max_length=100, blank=True)
    value = models.CharField(_("原值"), max_length=200, blank=True)
    reason = models.CharField(_("原因"), max_length=500)
    severity = models.CharField(_("类别"), max_length=10, choices=Severity.choices, default=Severity.ERROR)

    objects = scoped_manager("batch__street")

    class Meta:
        verbose_name = _("导入问题")
        verbose_name_plural = _("导入问题")
        ordering = ["batch", "row", "id"]


class ImportChange(models.Model):
    class Action(models.TextChoices):
        CREATED = "created", _("新建")
        UPDATED = "updated", _("更新")
        CLOSED = "closed", _("关闭")

    # An import writes one row here per firm and field, so every index and constraint is paid 100,000 times.
    # This is an append-only log written only by the import, with ids it has just read or inserted in the same
    # transaction, so neither key carries a database constraint (as django-simple-history's tables do): each
    # would add a deferred check per row at commit. Django still cascades deletes of a batch or a firm.
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="changes", db_constraint=False)
    # No index of its own: namelist_change_ent_idx (enterprise, -id) serves lookups and the cascade.
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="import_changes", verbose_name=_("企业"),
        db_index=False, db_constraint=False,
    )
    action = models.CharField(_("动作"), max_length=10, choices=Action.choices)
    # "enterprise", "figure:<year>" or "classification:<kind>"
    target = models.CharField(_("对象"), max_length=40)
    field = models.CharField(_("字段"), max_length=40, blank=True)
    before = models.CharField(_("原值"), max_length=300, blank=True)
    after = models.CharField(_("新值"), max_length=300, blank=True)
    row = models.PositiveIntegerField(_("行号"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    objects = scoped_manager("enterprise__street")

    class Meta:
        verbose_name = _("导入变更")
        verbose_name_plural = _("导入变更")
        ordering = ["-id"]
        indexes = [models.Index(fields=["enterprise", "-id"], name="namelist_change_ent_idx")]
