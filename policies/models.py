"""惠企政策: policies with eligibility as data, their delivery to the matched firms, and uptake to payment.

- `Policy.rules` holds the rule tree (format in policies/rules.py and policies/README.md);
- `Delivery` is one policy × one firm: the delivery task of an officer and the firm's journey, with the dates of
  each step denormalised so the funnel is plain aggregation; `DeliveryStep` is the journey's log;
- `PaymentImport` is one imported approvals/payments list (preview, errors, history).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.scoping import ScopedQuerySet, scoped_manager


class PolicyQuerySet(ScopedQuerySet):
    street_field = "street"
    district_rows_shared = True  # a district-wide row (no street) is every street's too


class Policy(models.Model):
    class Level(models.TextChoices):
        NATIONAL = "national", _("国家")
        PROVINCIAL = "provincial", _("省")
        MUNICIPAL = "municipal", _("市")
        DISTRICT = "district", _("区")
        STREET = "street", _("街道")

    class BenefitKind(models.TextChoices):
        SUBSIDY = "subsidy", _("资金补贴")
        REWARD = "reward", _("奖励")
        RENT = "rent", _("减租")
        INTEREST = "interest", _("贷款贴息")
        TALENT = "talent", _("人才")
        QUALIFICATION = "qualification", _("资质")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        OPEN = "open", _("申报中")
        CLOSED = "closed", _("已截止")

    title = models.CharField(_("政策名称"), max_length=200)
    issuer = models.CharField(_("发文单位"), max_length=100)
    level = models.CharField(_("政策层级"), max_length=12, choices=Level.choices, default=Level.DISTRICT)
    document_no = models.CharField(_("文号"), max_length=80, blank=True)
    summary = models.TextField(_("政策摘要"), blank=True)
    window_opens = models.DateField(_("申报开始"), null=True, blank=True)
    window_closes = models.DateField(_("申报截止"), null=True, blank=True)
    benefit_kind = models.CharField(_("扶持方式"), max_length=14, choices=BenefitKind.choices,
                                    default=BenefitKind.SUBSIDY)
    benefit_min = models.DecimalField(_("扶持金额下限（万元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    benefit_max = models.DecimalField(_("扶持金额上限（万元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    benefit_note = models.CharField(_("扶持说明"), max_length=200, blank=True)
    department = models.ForeignKey(
        "crm.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="policies",
        verbose_name=_("受理部门"),
    )
    # A street's own measures ("营商环境七条") belong to it; district and higher policies have no street.
    street = models.ForeignKey(
        "crm.Street", on_delete=models.PROTECT, null=True, blank=True, related_name="policies",
        verbose_name=_("所属街道"), help_text=_("留空表示全区适用"),
    )
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    rules = models.JSONField(_("适用条件"), default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("创建人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = PolicyQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("惠企政策")
        verbose_name_plural = _("惠企政策")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "window_closes"], name="policy_status_closes_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(window_closes__isnull=True) | Q(window_opens__isnull=True)
                | Q(window_closes__gte=models.F("window_opens")),
                name="policy_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(benefit_max__isnull=True) | Q(benefit_min__isnull=True)
                | Q(benefit_max__gte=models.F("benefit_min")),
                name="policy_benefit_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("policies:detail", args=[self.pk])

    @property
    def benefit_text(self) -> str:
        if self.benefit_min is not None and self.benefit_max is not None and self.benefit_min != self.benefit_max:
            amount = _("%(low)s–%(high)s 万元") % {"low": f"{self.benefit_min:g}", "high": f"{self.benefit_max:g}"}
        elif self.benefit_max is not None or self.benefit_min is not None:
            amount = _("%(amount)s 万元") % {
                "amount": f"{(self.benefit_max if self.benefit_max is not None else self.benefit_min):g}"}
        else:
            amount = ""
        return " ".join(x for x in (str(self.get_benefit_kind_display()), amount, self.benefit_note) if x)


def attachment_path(instance: PolicyAttachment, filename: str) -> str:
    return f"policies/{instance.policy_id}/{filename}"


class PolicyAttachment(models.Model):
    """The policy's text (PDF, Word …). Served only through the scoped download view."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=300)
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    size = models.PositiveIntegerField(_("大小"), default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("政策附件")
        verbose_name_plural = _("政策附件")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name or self.file.name


class Stage(models.TextChoices):
    MATCHED = "matched", _("已匹配")
    INFORMED = "informed", _("已告知")
    INTENDS = "intends", _("有意申报")
    APPLIED = "applied", _("已申报")
    APPROVED = "approved", _("获批")
    REJECTED = "rejected", _("未获批")
    PAID = "paid", _("已兑现")


#: The journey in order: a step may only move forward (REJECTED ends it).
STAGE_ORDER = {s: i for i, s in enumerate(
    [Stage.MATCHED, Stage.INFORMED, Stage.INTENDS, Stage.APPLIED, Stage.APPROVED, Stage.PAID])}
STAGE_ORDER[Stage.REJECTED] = STAGE_ORDER[Stage.APPROVED]


class InformMethod(models.TextChoices):
    VISIT = "visit", _("上门走访")
    PHONE = "phone", _("电话")
    WECHAT = "wechat", _("微信")
    EVENT = "event", _("政策宣讲活动")


class Delivery(models.Model):
    """One policy × one firm: the officer's task and the firm's journey. Unique per policy and firm, which makes a
    push idempotent; the dates of the steps are kept here so the funnel is one aggregation."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("政策"))
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="policy_deliveries",
                                   verbose_name=_("企业"), db_index=False)
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="policy_deliveries", verbose_name=_("负责人"))
    # False for a firm that reached the policy without being matched (an imported approval, a manual record).
    matched = models.BooleanField(_("系统匹配"), default=True)
    stage = models.CharField(_("进度"), max_length=10, choices=Stage.choices, default=Stage.MATCHED)
    pushed_at = models.DateTimeField(_("推送时间"), null=True, blank=True)
    informed_on = models.DateField(_("告知日期"), null=True, blank=True)
    inform_method = models.CharField(_("告知方式"), max_length=8, choices=InformMethod.choices, blank=True)
    intends_on = models.DateField(_("有意申报日期"), null=True, blank=True)
    applied_on = models.DateField(_("申报日期"), null=True, blank=True)
    decided_on = models.DateField(_("审批日期"), null=True, blank=True)
    approved = models.BooleanField(_("获批"), null=True, blank=True)
    reject_reason = models.CharField(_("未获批原因"), max_length=200, blank=True)
    approved_amount = models.DecimalField(_("核定金额（万元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    paid_amount = models.DecimalField(_("兑现金额（万元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    paid_on = models.DateField(_("兑现日期"), null=True, blank=True)
    visit = models.ForeignKey("enterprises.Visit", on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="policy_deliveries", verbose_name=_("告知时的走访"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = scoped_manager("enterprise__street")
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("政策送达")
        verbose_name_plural = _("政策送达")
        ordering = ["policy", "enterprise"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "enterprise"], name="delivery_one_per_policy_firm"),
            models.CheckConstraint(condition=Q(paid_amount__isnull=True) | Q(paid_amount__gte=0),
                                   name="delivery_paid_not_negative"),
        ]
        indexes = [
            models.Index(fields=["enterprise", "policy"], name="delivery_enterprise_idx"),
            models.Index(fields=["officer", "stage"], name="delivery_officer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.policy} · {self.enterprise}"


class DeliveryStep(models.Model):
    """One recorded step of a firm's journey (who, when, how)."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="steps")
    stage = models.CharField(_("步骤"), max_length=10, choices=Stage.choices)
    on = models.DateField(_("日期"))
    method = models.CharField(_("告知方式"), max_length=8, choices=InformMethod.choices, blank=True)
    amount = models.DecimalField(_("金额（万元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    visit = models.ForeignKey("enterprises.Visit", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    source = models.CharField(_("来源"), max_length=40, blank=True)  # "manual" or "import:<id>"
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("记录人"))
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = scoped_manager("delivery__enterprise__street")

    class Meta:
        verbose_name = _("送达步骤")
        verbose_name_plural = _("送达步骤")
        ordering = ["delivery", "on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} {self.on}"


def import_path(instance: PaymentImport, filename: str) -> str:
    return f"policies/imports/{instance.policy_id}/{filename}"


class PaymentImport(models.Model):
    """A department's approvals or payments list, read through the name-list reader, previewed, then applied."""

    class Kind(models.TextChoices):
        APPROVALS = "approvals", _("获批名单")
        PAYMENTS = "payments", _("兑现名单")

    class Status(models.TextChoices):
        PREVIEW = "preview", _("待确认")
        COMMITTED = "committed", _("已导入")
        REJECTED = "rejected", _("文件无法使用")

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="imports", verbose_name=_("政策"))
    kind = models.CharField(_("名单类型"), max_length=10, choices=Kind.choices)
    file = models.FileField(_("文件"), upload_to=import_path, max_length=300)
    file_name = models.CharField(_("文件名"), max_length=200)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PREVIEW)
    # [{"row": 3, "uscc": "...", "name": "...", "action": "...", "error": "...", "amount": "12.5", "on": "..."}]
    rows = models.JSONField(_("预览"), default=list, blank=True)
    error = models.CharField(_("错误"), max_length=300, blank=True)
    ok_rows = models.PositiveIntegerField(_("可导入行数"), default=0)
    error_rows = models.PositiveIntegerField(_("错误行数"), default=0)
    # Rows are about firms of one street for a street user; district-wide users import for every street.
    street = models.ForeignKey("crm.Street", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("街道"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
                                   verbose_name=_("导入人"))
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    committed_at = models.DateTimeField(_("导入时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("获批/兑现名单导入")
        verbose_name_plural = _("获批/兑现名单导入")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.file_name
