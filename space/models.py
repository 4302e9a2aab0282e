"""产业空间与固投 (issue 20): the 低效 rule for parks, and the fixed-asset-investment (固投) project library.

Parks and buildings themselves stay in `enterprises.Park` (the registry's firms point at them, vacancies in
pipelines belong to them); this app adds what is computed from them and the 固投 projects.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.scoping import ScopedQuerySet, scoped_manager


class EfficiencyRuleQuerySet(ScopedQuerySet):
    street_field = "street"
    district_rows_shared = True  # a district-wide row (no street) is every street's too


class EfficiencyRule(models.Model):
    """When a park counts as 低效: tax per 10,000 ㎡ of floor area below a floor, or occupancy below a floor.

    A street's own rule overrides the district default (street empty). A rule with both limits empty flags nothing.
    """

    street = models.OneToOneField("crm.Street", on_delete=models.CASCADE, null=True, blank=True,
                                  related_name="park_efficiency_rule", verbose_name=_("街道"),
                                  help_text=_("留空为全区默认规则"))
    min_tax_per_10k = models.DecimalField(_("每万㎡税收下限（万元）"), max_digits=12, decimal_places=2, null=True,
                                          blank=True, validators=[MinValueValidator(Decimal("0"))])
    min_occupancy = models.DecimalField(_("出租率下限（%）"), max_digits=5, decimal_places=2, null=True, blank=True,
                                        validators=[MinValueValidator(Decimal("0"))])
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = EfficiencyRuleQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("低效园区规则")
        verbose_name_plural = _("低效园区规则")
        constraints = [
            models.UniqueConstraint(fields=["street"], condition=Q(street__isnull=True),
                                    name="efficiency_rule_one_default"),
            models.CheckConstraint(condition=Q(min_occupancy__isnull=True) | Q(min_occupancy__lte=100),
                                   name="efficiency_rule_occupancy_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.street or _('全区')} 低效园区规则"


# ---------------------------------------------------------------------------------------------------------------
# 固投项目库


class InvestmentKind(models.TextChoices):
    GOVERNMENT = "government", _("政府投资")
    PRIVATE = "private", _("社会投资")
    UPGRADE = "upgrade", _("技改")
    RENEWAL = "renewal", _("城市更新")
    CROSS = "cross", _("跨街道")


class InvestmentProject(models.Model):
    """A project in the district's 固投 library, keyed by its project code (项目代码) within the street."""

    street = models.ForeignKey("crm.Street", on_delete=models.PROTECT, related_name="investment_projects",
                               verbose_name=_("街道"))
    code = models.CharField(_("项目代码"), max_length=40)
    name = models.CharField(_("项目名称"), max_length=150)
    kind = models.CharField(_("投资类别"), max_length=12, choices=InvestmentKind.choices)
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="investment_projects", verbose_name=_("业主企业"))
    owner_body = models.CharField(_("业主单位（政府部门）"), max_length=100, blank=True)
    pipeline_project = models.ForeignKey("pipelines.Project", on_delete=models.SET_NULL, null=True, blank=True,
                                         related_name="investment_projects", verbose_name=_("关联招商项目"))
    planned_total = models.DecimalField(_("计划总投资（万元）"), max_digits=14, decimal_places=2,
                                        validators=[MinValueValidator(Decimal("0"))])
    year = models.PositiveSmallIntegerField(_("计划年度"))
    year_plan = models.DecimalField(_("年度计划投资（万元）"), max_digits=14, decimal_places=2,
                                    validators=[MinValueValidator(Decimal("0"))])
    registered = models.BooleanField(_("已入库"), default=False)
    registered_on = models.DateField(_("入库日期"), null=True, blank=True)
    start_on = models.DateField(_("开工日期"), null=True, blank=True)
    completion_on = models.DateField(_("竣工日期"), null=True, blank=True)
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="investment_projects", verbose_name=_("责任人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("固投项目")
        verbose_name_plural = _("固投项目")
        ordering = ["street", "code"]
        constraints = [
            models.UniqueConstraint(fields=["street", "code"], name="investment_project_unique_code"),
            models.CheckConstraint(condition=Q(planned_total__gte=0) & Q(year_plan__gte=0),
                                   name="investment_project_amounts_not_negative"),
            models.CheckConstraint(
                condition=Q(completion_on__isnull=True) | Q(start_on__isnull=True) | Q(completion_on__gte=models.F("start_on")),
                name="investment_project_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class InvestmentMonth(models.Model):
    """Investment completed in one month (not cumulative), from the district's monthly 固投 report.

    A corrected report for the same month replaces the figure (one row per project and month).
    """

    project = models.ForeignKey(InvestmentProject, on_delete=models.CASCADE, related_name="months",
                                verbose_name=_("固投项目"))
    month = models.DateField(_("月份"), help_text=_("该月1日"))
    amount = models.DecimalField(_("当月完成投资（万元）"), max_digits=14, decimal_places=2)
    source = models.CharField(_("来源"), max_length=40, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = scoped_manager("project__street")

    class Meta:
        verbose_name = _("月度完成投资")
        verbose_name_plural = _("月度完成投资")
        ordering = ["project", "month"]
        constraints = [
            models.UniqueConstraint(fields=["project", "month"], name="investment_month_unique"),
            models.CheckConstraint(condition=Q(month__day=1), name="investment_month_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} {self.month:%Y-%m} {self.amount}"


class InvestmentImport(models.Model):
    """One import of a monthly 固投 report: who, which month, how many rows, and the errors (history)."""

    street = models.ForeignKey("crm.Street", on_delete=models.PROTECT, related_name="+", verbose_name=_("街道"))
    month = models.DateField(_("月份"))
    filename = models.CharField(_("文件名"), max_length=200)
    rows = models.PositiveIntegerField(_("导入行数"), default=0)
    replaced = models.PositiveIntegerField(_("替换行数"), default=0)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
                           verbose_name=_("操作人"))
    at = models.DateTimeField(_("导入时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("固投月报导入")
        verbose_name_plural = _("固投月报导入")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.filename}"


# ---------------------------------------------------------------------------------------------------------------
# 产业地图


class MapOutline(models.Model):
    """A GeoJSON FeatureCollection of outlines (street / community boundaries) uploaded by an administrator.

    Drawn with the locally served ECharts (`echarts.registerMap`); validated on upload by
    space.services.outlines.validate_geojson. The newest outline of a street (or the district one) is used.
    """

    name = models.CharField(_("名称"), max_length=100)
    street = models.ForeignKey("crm.Street", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="map_outlines", verbose_name=_("街道"), help_text=_("留空为全区"))
    geojson = models.JSONField(_("GeoJSON"))
    features = models.PositiveIntegerField(_("要素数"), default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
                                    verbose_name=_("上传人"))
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("地图边界")
        verbose_name_plural = _("地图边界")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.name


# ---------------------------------------------------------------------------------------------------------------
# 空间更新项目 (城市更新、工改工、容积率提升、旧工业区综合提升、土地整备)


class RenewalProject(models.Model):
    class Kind(models.TextChoices):
        URBAN_RENEWAL = "urban_renewal", _("城市更新")
        INDUSTRIAL = "industrial", _("工改工")
        FAR = "far", _("容积率提升")
        OLD_ZONE = "old_zone", _("旧工业区综合提升")
        LAND = "land", _("土地整备")

    class Status(models.TextChoices):
        PLANNED = "planned", _("谋划")
        ACTIVE = "active", _("推进中")
        DELIVERED = "delivered", _("已交付")
        SUSPENDED = "suspended", _("暂停")

    street = models.ForeignKey("crm.Street", on_delete=models.PROTECT, related_name="renewal_projects",
                               verbose_name=_("街道"))
    name = models.CharField(_("项目名称"), max_length=150)
    kind = models.CharField(_("类别"), max_length=14, choices=Kind.choices)
    parks = models.ManyToManyField("enterprises.Park", blank=True, related_name="renewal_projects",
                                   verbose_name=_("涉及园区/楼宇"))
    area = models.DecimalField(_("整备/改造面积（㎡）"), max_digits=12, decimal_places=2,
                               validators=[MinValueValidator(Decimal("0"))])
    year_area_target = models.DecimalField(_("本年面积目标（㎡）"), max_digits=12, decimal_places=2, null=True,
                                           blank=True, validators=[MinValueValidator(Decimal("0"))])
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="renewal_projects", verbose_name=_("责任人"))
    team = models.ForeignKey("crm.Team", on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="renewal_projects", verbose_name=_("责任专班"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("空间更新项目")
        verbose_name_plural = _("空间更新项目")
        ordering = ["street", "name"]
        constraints = [models.CheckConstraint(condition=Q(area__gte=0), name="renewal_area_not_negative")]

    def __str__(self) -> str:
        return self.name


class RenewalMilestone(models.Model):
    """A dated step of a renewal project. `delivered_area` is the area handed over when the step is done: it is
    what counts toward the area targets (dated by `actual_on`)."""

    project = models.ForeignKey(RenewalProject, on_delete=models.CASCADE, related_name="milestones",
                                verbose_name=_("项目"))
    name = models.CharField(_("节点"), max_length=100)
    planned_on = models.DateField(_("计划完成日期"))
    actual_on = models.DateField(_("实际完成日期"), null=True, blank=True)
    delivered_area = models.DecimalField(_("交付面积（㎡）"), max_digits=12, decimal_places=2, null=True, blank=True,
                                         validators=[MinValueValidator(Decimal("0"))])

    objects = scoped_manager("project__street")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("项目节点")
        verbose_name_plural = _("项目节点")
        ordering = ["project", "planned_on", "pk"]
        indexes = [models.Index(fields=["planned_on"], condition=Q(actual_on__isnull=True),
                                name="renewal_milestone_open_idx")]
        constraints = [models.CheckConstraint(condition=Q(delivered_area__isnull=True) | Q(delivered_area__gte=0),
                                              name="renewal_delivered_not_negative")]

    def __str__(self) -> str:
        return f"{self.project} · {self.name}"


# ---------------------------------------------------------------------------------------------------------------
# Per-park rollups the park list, park page and map read (kept current by space.services.rollup)


class ParkRollup(models.Model):
    """A park's figures that do not depend on the year: current tenants and open vacant area.

    Refreshed set-based by space.services.rollup.refresh: on a firm's or vacancy's save or delete (space.signals),
    after a committed name-list import or vacancy import, and nightly. Ratios (occupancy, densities) are computed
    when read, from the park's floor area, so editing or importing the ledger needs no refresh.
    """

    park = models.OneToOneField("enterprises.Park", on_delete=models.CASCADE, primary_key=True,
                                related_name="rollup", verbose_name=_("园区/楼宇"))
    tenants = models.PositiveIntegerField(_("在园企业数"), default=0)
    vacant_area = models.DecimalField(_("空置面积（㎡）"), max_digits=14, decimal_places=2, default=0)
    refreshed_at = models.DateTimeField(_("刷新时间"))

    class Meta:
        verbose_name = _("园区汇总")
        verbose_name_plural = _("园区汇总")

    def __str__(self) -> str:
        return f"{self.park_id} 汇总"


class ParkYearRollup(models.Model):
    """A park's tenants' figures in one year: sums of their annual figures, counts of their classifications.

    No row for a park and year means zeros. See ParkRollup for when it is refreshed.
    """

    # Served by the (park, year) unique index: no index of its own.
    park = models.ForeignKey("enterprises.Park", on_delete=models.CASCADE, related_name="year_rollups",
                             db_index=False, verbose_name=_("园区/楼宇"))
    year = models.PositiveSmallIntegerField(_("年度"))
    revenue = models.DecimalField(_("营业收入（万元）"), max_digits=18, decimal_places=2, default=0)
    output = models.DecimalField(_("工业总产值（万元）"), max_digits=18, decimal_places=2, default=0)
    tax = models.DecimalField(_("纳税额（万元）"), max_digits=18, decimal_places=2, default=0)
    sishang = models.PositiveIntegerField(_("四上企业数"), default=0)
    zjtx = models.PositiveIntegerField(_("专精特新企业数"), default=0)
    gaoxin = models.PositiveIntegerField(_("高新技术企业数"), default=0)
    refreshed_at = models.DateTimeField(_("刷新时间"))

    class Meta:
        verbose_name = _("园区年度汇总")
        verbose_name_plural = _("园区年度汇总")
        constraints = [models.UniqueConstraint(fields=["park", "year"], name="park_year_rollup_unique")]

    def __str__(self) -> str:
        return f"{self.park_id} {self.year}"
