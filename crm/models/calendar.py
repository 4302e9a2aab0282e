"""The Chinese working-day calendar: only the days that differ from the Monday–Friday rule are stored."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class CalendarYear(models.Model):
    class Status(models.TextChoices):
        OFFICIAL = "official", _("正式")
        PROVISIONAL = "provisional", _("暂定")

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.PROVISIONAL)
    source = models.CharField(_("来源"), max_length=200, blank=True)
    # Bumped on every change to the year or its days; SLA clocks record the version they were computed with.
    version = models.PositiveIntegerField(_("版本"), default=1)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("日历年度")
        verbose_name_plural = _("日历年度")
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year}（{self.get_status_display()}）"


class SpecialDay(models.Model):
    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("放假")
        WORKDAY = "workday", _("调休上班")

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=50, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("特殊日期")
        verbose_name_plural = _("特殊日期")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"
