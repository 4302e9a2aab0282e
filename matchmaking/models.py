"""Products and needs of firms, bank products, and the introductions the office makes between them (issue 21)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.scoping import ScopedQuerySet, scoped_manager


class Product(models.Model):
    """What a firm makes or can do (产品信息名录)."""

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="products",
                                   verbose_name=_("企业"))
    name = models.CharField(_("产品/能力名称"), max_length=150)
    # GB/T 4754 code (digits, e.g. 3912); matched by prefix against a need's industry.
    industry_code = models.CharField(_("行业代码"), max_length=5, blank=True)
    # The industry chain link (产业链环节) is a cluster of the registry.
    cluster = models.ForeignKey("enterprises.Cluster", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+", verbose_name=_("产业链环节"))
    description = models.TextField(_("说明"), blank=True)
    capacity = models.CharField(_("产能"), max_length=100, blank=True)
    # Code prefixes of the industries of its key customers ("36", "3670"): who may buy it.
    customer_industries = models.JSONField(_("主要客户行业"), default=list, blank=True)
    certifications = models.CharField(_("资质认证"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = scoped_manager("enterprise__street")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("产品")
        verbose_name_plural = _("产品")
        ordering = ["enterprise", "name"]
        indexes = [
            # Prefix search (LIKE '39%') on PostgreSQL needs the pattern opclass.
            models.Index(fields=["industry_code"], opclasses=["varchar_pattern_ops"], name="mm_product_code_idx"),
            models.Index(fields=["cluster"], condition=Q(cluster__isnull=False), name="mm_product_cluster_idx"),
        ]
        constraints = [
            # The catalogue import upserts by (firm, product name); a firm lists a product once.
            models.UniqueConstraint(fields=["enterprise", "name"], name="mm_product_firm_name_uniq",
                                    violation_error_message=_("该企业已登记同名产品。")),
        ]

    def __str__(self) -> str:
        return self.name


class Need(models.Model):
    class Kind(models.TextChoices):
        PURCHASING = "purchasing", _("采购需求")
        FINANCING = "financing", _("融资需求")
        TALENT = "talent", _("人才招聘")

    class Status(models.TextChoices):
        OPEN = "open", _("待对接")
        MATCHING = "matching", _("对接中")
        MET = "met", _("已满足")
        WITHDRAWN = "withdrawn", _("已撤回")

    class Urgency(models.TextChoices):
        NORMAL = "normal", _("一般")
        URGENT = "urgent", _("紧急")

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="needs",
                                   verbose_name=_("企业"))
    kind = models.CharField(_("需求类型"), max_length=12, choices=Kind.choices)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="matchmaking_needs", verbose_name=_("负责人"))
    title = models.CharField(_("需求概述"), max_length=150)
    details = models.TextField(_("详细说明"), blank=True)
    # Purchasing: what it buys, from which industry (code prefix) or chain link, how much.
    industry_prefix = models.CharField(_("所需行业代码"), max_length=5, blank=True)
    cluster = models.ForeignKey("enterprises.Cluster", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+", verbose_name=_("所需产业链环节"))
    volume = models.CharField(_("采购量"), max_length=100, blank=True)
    # Financing.
    amount = models.DecimalField(_("融资金额（万元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    term_months = models.PositiveSmallIntegerField(_("期限（月）"), null=True, blank=True)
    purpose = models.CharField(_("用途"), max_length=150, blank=True)
    collateral = models.CharField(_("担保/抵押"), max_length=150, blank=True)
    urgency = models.CharField(_("紧迫程度"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    # Talent.
    headcount = models.PositiveIntegerField(_("招聘人数"), null=True, blank=True)
    positions = models.CharField(_("岗位"), max_length=150, blank=True)
    visit = models.ForeignKey("enterprises.Visit", on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("来源走访"))
    created_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)

    objects = scoped_manager("enterprise__street")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("企业需求")
        verbose_name_plural = _("企业需求")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="mm_need_status_idx"),
            models.Index(fields=["-created_at", "-id"], name="mm_need_created_idx"),
            models.Index(fields=["industry_prefix"], name="mm_need_prefix_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gt=0), name="mm_need_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.title}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("matchmaking:need_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.MATCHING)


class FinancialProduct(models.Model):
    """A partner bank's product. District-wide: every street's officers may offer it."""

    bank = models.CharField(_("银行/机构"), max_length=100)
    name = models.CharField(_("产品名称"), max_length=100)
    min_amount = models.DecimalField(_("最低额度（万元）"), max_digits=12, decimal_places=2, default=0)
    max_amount = models.DecimalField(_("最高额度（万元）"), max_digits=12, decimal_places=2)
    max_term_months = models.PositiveSmallIntegerField(_("最长期限（月）"), default=12)
    # Same rule format as the policies app: {"all": [{"classification": {...}}, {"industry": {"prefix": [...]}}]}.
    eligibility = models.JSONField(_("准入条件"), default=dict, blank=True)
    description = models.TextField(_("说明"), blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    is_active = models.BooleanField(_("在售"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("金融产品")
        verbose_name_plural = _("金融产品")
        ordering = ["bank", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(max_amount__gte=models.F("min_amount")), name="mm_fp_amount_range"),
        ]

    def __str__(self) -> str:
        return f"{self.bank} · {self.name}"

    def clean(self) -> None:
        """The eligibility rule is checked (and stored normalised) by the policies engine that evaluates it."""
        from matchmaking.eligibility import RuleError, validate

        errors = {}
        if self.max_amount is not None and self.min_amount is not None and self.max_amount < self.min_amount:
            errors["max_amount"] = _("最高额度不能低于最低额度。")
        try:
            self.eligibility = validate(self.eligibility)
        except RuleError as exc:
            errors["eligibility"] = str(exc)
        if errors:
            raise ValidationError(errors)


class IntroductionQuerySet(ScopedQuerySet):
    street_field = "street"


class Introduction(models.Model):
    """The office introduces a firm to another firm or to a bank product (对接), and records what came of it."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("跟进中")
        INTENT = "intent", _("意向")
        SIGNED = "signed", _("签约")
        FAILED = "failed", _("未成")

    # The street of the firm whose need (or product) started it: that street's office owns the introduction.
    street = models.ForeignKey("crm.Street", on_delete=models.PROTECT, related_name="+", verbose_name=_("街道"))
    need = models.ForeignKey(Need, on_delete=models.SET_NULL, null=True, blank=True, related_name="introductions",
                             verbose_name=_("需求"))
    product = models.ForeignKey(Product, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="introductions", verbose_name=_("产品"))
    # The buyer / the firm seeking finance.
    party_a = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+",
                                verbose_name=_("需求方"))
    # The supplier, or None when the other party is a bank product.
    party_b = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, null=True, blank=True,
                                related_name="+", verbose_name=_("供给方"))
    financial_product = models.ForeignKey(FinancialProduct, on_delete=models.PROTECT, null=True, blank=True,
                                          related_name="introductions", verbose_name=_("金融产品"))
    event = models.ForeignKey("pipelines.Event", on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("对接活动"))
    introduced_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                      verbose_name=_("对接人"))
    introduced_on = models.DateField(_("对接日期"))
    outcome = models.CharField(_("结果"), max_length=8, choices=Outcome.choices, default=Outcome.PENDING)
    amount = models.DecimalField(_("签约金额（万元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    outcome_on = models.DateField(_("结果日期"), null=True, blank=True)
    # Both parties registered in the district (本地配套), fixed when introduced.
    is_local = models.BooleanField(_("本地配套"), default=False)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = IntroductionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("对接记录")
        verbose_name_plural = _("对接记录")
        ordering = ["-introduced_on", "-pk"]
        indexes = [models.Index(fields=["street", "introduced_on"], name="mm_intro_street_date_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(party_b__isnull=False, financial_product__isnull=True)
                           | Q(party_b__isnull=True, financial_product__isnull=False)),
                name="mm_intro_one_counterpart",
            ),
            models.CheckConstraint(
                condition=~Q(outcome="signed") | Q(amount__gt=0), name="mm_intro_signed_has_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.party_a} ↔ {self.party_b or self.financial_product}"


class FollowUp(models.Model):
    introduction = models.ForeignKey(Introduction, on_delete=models.CASCADE, related_name="follow_ups",
                                     verbose_name=_("对接记录"))
    date = models.DateField(_("日期"))
    note = models.CharField(_("跟进情况"), max_length=300)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                           verbose_name=_("记录人"))

    objects = scoped_manager("introduction__street")

    class Meta:
        verbose_name = _("跟进记录")
        verbose_name_plural = _("跟进记录")
        ordering = ["-date", "-pk"]


class Invitation(models.Model):
    """A firm invited to a matchmaking event (产销对接会) from a match, as supplier or buyer. Attendance is not
    kept here: it is the event's participants (参会企业) in pipelines, which the officer confirms after the event."""

    class Role(models.TextChoices):
        SUPPLIER = "supplier", _("供应方")
        BUYER = "buyer", _("采购方")

    event = models.ForeignKey("pipelines.Event", on_delete=models.CASCADE, related_name="+",
                              verbose_name=_("对接活动"))
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+",
                                   verbose_name=_("企业"))
    role = models.CharField(_("角色"), max_length=8, choices=Role.choices)
    need = models.ForeignKey(Need, on_delete=models.SET_NULL, null=True, blank=True, related_name="invitations",
                             verbose_name=_("需求"))
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("邀请人"))
    invited_on = models.DateField(_("邀请日期"))

    # The event's street owns the invitation list (a supplier may be of another street).
    objects = scoped_manager("event__street")

    class Meta:
        verbose_name = _("对接会邀请")
        verbose_name_plural = _("对接会邀请")
        ordering = ["role", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "enterprise", "role"], name="mm_invitation_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.event} · {self.enterprise} ({self.get_role_display()})"
