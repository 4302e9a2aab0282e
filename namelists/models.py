"""Import history: every name-list import (ImportBatch), its row problems (ImportIssue) and the per-field changes
it made (ImportChange).

The upsert writes with bulk SQL, which bypasses django-simple-history, so ImportChange *is* the audit of what
an import changed, linked to the enterprise so its page can show "changed by import #12: 营业收入 1 → 2".
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.models import Role
from crm.scoping import ScopedQuerySet, scoped_manager, sees_all_streets


class ListKind(models.TextChoices):
    SISHANG = "sishang", _("四上企业名录")
    ZJTX = "zjtx", _("专精特新企业名单")
    GAOXIN = "gaoxin", _("国家高新技术企业名单")
    LISTED = "listed", _("上市公司名单")
    PREIPO = "preipo", _("拟上市企业服务清单")
    MONTHLY = "monthly", _("月度经济数据（统计局）")  # parsed and written by economy.importing
    PARKS = "parks", _("园区楼宇台账")  # space.importing
    FAI_MONTHLY = "fai_monthly", _("固投月报（本月完成投资）")  # space.importing
    POLICY_OUTCOMES = "policy_outcomes", _("政策审批/兑现名单")  # policies.importing
    PRODUCTS = "products", _("产品信息名录")  # parsed and written by matchmaking.importing


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
    list_kind = models.CharField(_("名录类型"), max_length=20, choices=ListKind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    # False: the uploader left the year blank, so the worker takes it from the title rows (or file name) it reads.
    year_given = models.BooleanField(_("年度由上传人指定"), default=True)
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
    # The upload's options a kind needs beyond year and street: {"month": "2026-05"}, {"policy": 3, "outcome": …}.
    options = models.JSONField(_("导入选项"), default=dict, blank=True)

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
    # The row's firm name and street as the file gives them, so a rejected row can be found without the file.
    firm_name = models.CharField(_("企业名称"), max_length=200, blank=True)
    street_name = models.CharField(_("街道"), max_length=50, blank=True)

    objects = scoped_manager("batch__street")

    class Meta:
        verbose_name = _("导入问题")
        verbose_name_plural = _("导入问题")
        ordering = ["batch", "row", "id"]


FIELD_LABELS = {
    "name": _("企业名称"), "industry_id": _("行业"), "street_id": _("街道"), "community_id": _("社区"),
    "address": _("地址"), "legal_representative": _("法定代表人"), "revenue": _("营业收入（万元）"),
    "output_value": _("工业总产值（万元）"), "employees": _("从业人员"), "tax": _("纳税额（万元）"),
    "category": _("类别/级别"), "kind": _("分类"), "valid_from": _("起始日期"), "valid_to": _("终止日期"),
    "certificate_no": _("证书编号"), "exchange": _("交易所"), "stock_code": _("股票代码"), "year": _("年度"),
    "clusters": _("产业集群"),
    # The product catalogue (matchmaking.importing): a product's fields and the needs it records.
    "product": _("产品"), "product_industry": _("产品行业代码"), "product_chain": _("产业链环节"),
    "product_description": _("产品描述"), "product_capacity": _("产能"), "product_customers": _("主要客户行业"),
    "product_certifications": _("资质认证"), "need_purchasing": _("采购需求"), "need_financing": _("融资需求"),
    "need_talent": _("招聘需求"), "need_title": _("需求概述"), "need_industry_prefix": _("所需行业代码"),
    "need_volume": _("采购量"), "need_amount": _("融资金额（万元）"), "need_positions": _("岗位"),
    "need_headcount": _("招聘人数"),
}


def field_label(name: str) -> str:
    """A changed field as the office reads it; never the internal column name."""
    return str(FIELD_LABELS.get(name, name))


def target_label(target: str) -> str:
    """"enterprise" → 企业, "figure:2025" → 2025年度数据, "classification:sishang" → 分类：四上企业名录."""
    kind, _sep, arg = target.partition(":")
    if kind == "enterprise":
        return str(_("企业"))
    if kind == "figure":
        return str(_("%(year)s年度数据") % {"year": arg})
    if kind == "classification":
        return str(_("分类：%(kind)s") % {"kind": dict(ListKind.choices).get(arg, arg)})
    if kind == "park":
        return str(_("园区楼宇"))
    if kind == "fai":
        return str(_("%(month)s 固投完成") % {"month": arg})
    if kind == "policy":
        return str(_("政策兑现"))
    if kind == "product":
        return str(_("产品：%(name)s") % {"name": arg})
    if kind == "need":
        return str(_("需求"))
    return target


class ImportChangeQuerySet(ScopedQuerySet):
    """A change belongs to its firm's street; a move between streets also to the street the firm left."""

    street_field = "enterprise__street"

    def visible_to(self, user):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if (user.role == Role.DEPARTMENT and not user.is_superuser) or sees_all_streets(user):
            return super().visible_to(user)
        return self.filter(Q(enterprise__street=user.street_id) | Q(former_street=user.street_id))


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
    # Empty for a list whose rows are not firms (园区楼宇, 固投项目): `subject` then names what changed.
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="import_changes", verbose_name=_("企业"),
        db_index=False, db_constraint=False, null=True, blank=True,
    )
    subject = models.CharField(_("对象名称"), max_length=200, blank=True)
    action = models.CharField(_("动作"), max_length=10, choices=Action.choices)
    # "enterprise", "figure:<year>" or "classification:<kind>"
    target = models.CharField(_("对象"), max_length=40)
    field = models.CharField(_("字段"), max_length=40, blank=True)
    before = models.CharField(_("原值"), max_length=300, blank=True)
    after = models.CharField(_("新值"), max_length=300, blank=True)
    row = models.PositiveIntegerField(_("行号"), null=True, blank=True)

    # A district-level import that moved the firm out of a street: that street keeps seeing the move in its history.
    former_street = models.ForeignKey(
        "crm.Street", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("迁出街道"),
        db_index=False, db_constraint=False,
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    objects = ImportChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("导入变更")
        verbose_name_plural = _("导入变更")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["enterprise", "-id"], name="namelist_change_ent_idx"),
            # Moves between streets are few: a partial index serves each street's list of them.
            models.Index(fields=["former_street", "-id"], name="namelist_change_moved_idx",
                         condition=models.Q(former_street__isnull=False)),
        ]

    @property
    def target_label(self) -> str:
        return target_label(self.target)

    @property
    def field_label(self) -> str:
        return field_label(self.field)
