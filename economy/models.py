"""Monthly figures (月度数据) by firm × indicator × month, as the statistics bureau reports them, and growth targets.

Figures are 万元, kept exact (Decimal). A row belongs to the street the file filed it under (the bureau's street
for that month), so a month's sums never move when a firm is re-registered elsewhere later.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.scoping import ScopedQuerySet, scoped_manager


class Indicator(models.TextChoices):
    INDUSTRIAL_OUTPUT = "industrial_output", _("规上工业总产值")
    REVENUE = "revenue", _("规上服务业营业收入")
    RETAIL_SALES = "retail_sales", _("限上零售额")
    CONSTRUCTION_OUTPUT = "construction_output", _("建筑业总产值")


# The 四上 category whose list reports each indicator (退库 risk compares a firm's annualised figure with the
# threshold of its category).
INDICATOR_CATEGORIES = {
    Indicator.INDUSTRIAL_OUTPUT: ("industry",),
    Indicator.REVENUE: ("services", "real_estate"),
    Indicator.RETAIL_SALES: ("wholesale", "retail", "accommodation", "catering"),
    Indicator.CONSTRUCTION_OUTPUT: ("construction",),
}


class MonthlyFigure(models.Model):
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="monthly_figures", verbose_name=_("企业"),
        db_index=False,  # served by monthly_figure_unique (enterprise, indicator, month)
    )
    indicator = models.CharField(_("指标"), max_length=20, choices=Indicator.choices)
    month = models.DateField(_("月份"), help_text=_("该月 1 日"))
    # Indexed by monthly_street_ind_month_idx (street, indicator, month).
    street = models.ForeignKey("crm.Street", on_delete=models.PROTECT, related_name="+", verbose_name=_("街道"),
                               db_index=False)
    value = models.DecimalField(_("本月（万元）"), max_digits=16, decimal_places=2, null=True, blank=True)
    ytd = models.DecimalField(_("本年累计（万元）"), max_digits=16, decimal_places=2, default=0)
    ytd_last_year = models.DecimalField(_("上年同期累计（万元）"), max_digits=16, decimal_places=2, null=True,
                                        blank=True)
    reported_growth = models.DecimalField(_("文件中的增速（%）"), max_digits=9, decimal_places=2, null=True,
                                          blank=True)
    batch = models.ForeignKey("namelists.ImportBatch", on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", db_constraint=False, db_index=False,  # a log key, paid per row
                              verbose_name=_("导入批次"))
    row = models.PositiveIntegerField(_("行号"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("月度数据")
        verbose_name_plural = _("月度数据")
        ordering = ["-month", "indicator", "enterprise"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "indicator", "month"], name="monthly_figure_unique"),
        ]
        # Covering indexes: a month's sums by street (street page, district view, report) and a street's trend are
        # index-only scans (PostgreSQL), never a visit to the heap rows of 100,000 firms.
        indexes = [
            models.Index(fields=["indicator", "month", "street"], name="monthly_ind_month_street_idx",
                         include=["enterprise", "ytd", "ytd_last_year", "value"]),
            models.Index(fields=["street", "indicator", "month"], name="monthly_street_ind_month_idx",
                         include=["enterprise", "ytd", "ytd_last_year", "value"]),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.indicator} {self.month:%Y-%m}"

    @property
    def increment(self):
        return self.ytd - (self.ytd_last_year or 0)


class MonthlyImport(models.Model):
    """What a monthly name-list batch (namelists.ImportBatch, list kind 'monthly') is about: the month, the
    indicator if forced, and what it replaced (kept in the batch's ImportChange rows)."""

    batch = models.OneToOneField("namelists.ImportBatch", on_delete=models.CASCADE, related_name="monthly",
                                 verbose_name=_("导入批次"))
    month = models.DateField(_("月份"))
    indicator = models.CharField(_("指定指标"), max_length=20, choices=Indicator.choices, blank=True)
    # {indicator: [street ids replaced]} after the commit.
    replaced = models.JSONField(_("替换范围"), default=dict, blank=True)
    watch_notified = models.BooleanField(_("已发送预警通知"), default=False)

    objects = scoped_manager("batch__street")

    class Meta:
        verbose_name = _("月度数据导入")
        verbose_name_plural = _("月度数据导入")
        ordering = ["-month", "-id"]


class StreetMonthTotal(models.Model):
    """Rollup of MonthlyFigure by street, indicator and month, refreshed by every monthly import (economy.rollup),
    so the street page, the district view and the report read a few rows instead of summing 100,000 firms."""

    street = models.ForeignKey("crm.Street", on_delete=models.CASCADE, related_name="+", db_index=False)
    indicator = models.CharField(max_length=20, choices=Indicator.choices)
    month = models.DateField()
    firms = models.PositiveIntegerField(default=0)
    ytd = models.DecimalField(max_digits=20, decimal_places=2, default=0)
    ytd_last_year = models.DecimalField(max_digits=20, decimal_places=2, default=0)  # empty counted as 0
    value = models.DecimalField(max_digits=20, decimal_places=2, default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("街道月度汇总")
        verbose_name_plural = _("街道月度汇总")
        constraints = [models.UniqueConstraint(fields=["indicator", "month", "street"], name="street_month_total_unique")]
        indexes = [models.Index(fields=["street", "indicator", "month"], name="street_month_total_trend_idx")]
