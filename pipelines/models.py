"""招商引资: projects and their stage history, the space inventory and demands, events, annual targets and snapshots.

Rules that the targets depend on live here once:
- the size tier of a project is derived from its planned investment by `tier_for()`;
- the milestone dates (signed_on, registered_on, …) are derived from the StageChange history by
  `pipelines.services.projects.recompute_milestones()` and stored on the project so metrics are plain range queries.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.scoping import ScopedQuerySet, scoped_manager
from pipelines.permissions import CONFIDENTIAL_LABEL, confidential_visibility, may_see_project

# ---------------------------------------------------------------------------------------------------------------
# Stages and tiers


class Stage(models.TextChoices):
    LEAD = "lead", _("线索")
    CONTACT = "contact", _("接洽")
    NEGOTIATION = "negotiation", _("洽谈")
    SIGNED = "signed", _("签约")
    REGISTERED = "registered", _("注册落地")
    SPACE_SECURED = "space", _("用地/用房落实")
    CONSTRUCTION = "construction", _("建设/装修")
    PRODUCTION = "production", _("投产")
    COUNTED = "counted", _("纳统")
    PAUSED = "paused", _("暂缓")
    LOST = "lost", _("流失")


#: The pipeline in order. PAUSED/LOST are off the line and may be reached from any point.
PIPELINE = [
    Stage.LEAD, Stage.CONTACT, Stage.NEGOTIATION, Stage.SIGNED, Stage.REGISTERED, Stage.SPACE_SECURED,
    Stage.CONSTRUCTION, Stage.PRODUCTION, Stage.COUNTED,
]
STAGE_ORDER = {stage.value: i for i, stage in enumerate(PIPELINE)}
CLOSED_STAGES = (Stage.COUNTED, Stage.LOST)
#: Stages that need a next action: everything still being worked on.
OPEN_STAGES = tuple(s.value for s in PIPELINE if s != Stage.COUNTED)
#: Milestone field on Project → the pipeline stage whose first reaching sets it.
MILESTONES = {
    "signed_on": Stage.SIGNED,
    "registered_on": Stage.REGISTERED,
    "production_on": Stage.PRODUCTION,
    "counted_on": Stage.COUNTED,
}


class Tier(models.TextChoices):
    HUNDRED = "100", _("百亿级")
    TEN = "10", _("十亿级")
    ONE = "1", _("亿元级")
    BELOW = "0", _("亿元以下")


#: (lower bound in 亿元, tier), highest first. The one table that defines the tiers.
TIER_BOUNDS: list[tuple[Decimal, Tier]] = [
    (Decimal("100"), Tier.HUNDRED),
    (Decimal("10"), Tier.TEN),
    (Decimal("1"), Tier.ONE),
]


def tier_for(planned_investment: Decimal | int | float | None) -> str:
    """百亿级 ≥ 100亿元, 十亿级 ≥ 10亿, 亿元级 ≥ 1亿, else below."""
    if planned_investment is None:
        return Tier.BELOW.value
    amount = Decimal(str(planned_investment))
    for bound, tier in TIER_BOUNDS:
        if amount >= bound:
            return tier.value
    return Tier.BELOW.value


class Source(models.TextChoices):
    CHAIN = "chain", _("产业链招商")
    BUSINESS = "business", _("以商招商")
    REFERRAL = "referral", _("中介/协会引荐")
    EVENT = "event", _("招商活动")
    SUPERIOR = "superior", _("上级推送")
    TEAM = "team", _("专班招商")


# ---------------------------------------------------------------------------------------------------------------
# Projects


class ProjectQuerySet(ScopedQuerySet):
    street_field = "street"

    def visible_to(self, user):
        """The projects `user` may open: the street scope, less confidential ones (pipelines.permissions)."""
        qs = super().visible_to(user)
        if user is None or not user.is_authenticated:
            return qs
        return qs.filter(confidential_visibility(user))

    def in_street_scope_of(self, user):
        """Every project of the user's street(s), confidential ones included: only for pages that count or
        list them under `Project.visible_name_for(user)` (保密项目), never to open or name one."""
        return super().visible_to(user)

    def open(self):
        return self.filter(stage__in=OPEN_STAGES)


class Project(models.Model):
    street = models.ForeignKey("crm.Street", on_delete=models.PROTECT, related_name="projects", verbose_name=_("街道"))
    name = models.CharField(_("项目名称"), max_length=150)
    investor_name = models.CharField(_("投资方"), max_length=150)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.SET_NULL, null=True, blank=True, related_name="projects",
        verbose_name=_("落地企业"), help_text=_("投资方在本地注册后关联"),
    )
    industry = models.ForeignKey(
        "enterprises.IndustryCategory", on_delete=models.PROTECT, null=True, blank=True, related_name="projects",
        verbose_name=_("国民经济行业"),
    )
    clusters = models.ManyToManyField("enterprises.Cluster", blank=True, related_name="projects",
                                      verbose_name=_("产业集群"))
    planned_investment = models.DecimalField(_("计划投资额（亿元）"), max_digits=10, decimal_places=4)
    tier = models.CharField(_("项目量级"), max_length=3, choices=Tier.choices, editable=False, db_index=True)
    expected_output = models.DecimalField(_("预计年产值（亿元）"), max_digits=10, decimal_places=4, null=True,
                                          blank=True)
    expected_tax = models.DecimalField(_("预计年税收（万元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    actual_output = models.DecimalField(_("纳统产值（亿元）"), max_digits=10, decimal_places=4, null=True, blank=True,
                                        help_text=_("纳统后按统计数填报"))
    source = models.CharField(_("项目来源"), max_length=10, choices=Source.choices, default=Source.CHAIN)
    source_event = models.ForeignKey(
        "pipelines.Event", on_delete=models.SET_NULL, null=True, blank=True, related_name="leads",
        verbose_name=_("来源活动"),
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="projects",
        verbose_name=_("责任人"),
    )
    team = models.ForeignKey("crm.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="projects",
                             verbose_name=_("专班"))
    confidential = models.BooleanField(_("保密项目"), default=False,
                                       help_text=_("仅责任人、专班成员和街道领导可见"))
    description = models.TextField(_("项目概况"), blank=True)
    stage = models.CharField(_("阶段"), max_length=12, choices=Stage.choices, default=Stage.LEAD)
    stage_reason = models.CharField(_("暂缓/流失原因"), max_length=200, blank=True)
    next_action = models.CharField(_("下一步工作"), max_length=200, blank=True)
    next_action_due = models.DateField(_("计划完成日期"), null=True, blank=True)
    # Milestones, derived from the stage history (see module docstring).
    signed_on = models.DateField(_("签约日期"), null=True, blank=True, editable=False)
    registered_on = models.DateField(_("注册落地日期"), null=True, blank=True, editable=False)
    production_on = models.DateField(_("投产日期"), null=True, blank=True, editable=False)
    counted_on = models.DateField(_("纳统日期"), null=True, blank=True, editable=False)
    # Last time someone worked the project (stage move, edit, next action): drives the 30-day "untouched" reminder.
    touched_at = models.DateTimeField(_("最近跟进"), editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False)

    objects = ProjectQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["touched_at"])

    class Meta:
        verbose_name = _("招商项目")
        verbose_name_plural = _("招商项目")
        ordering = ["-touched_at", "-pk"]
        indexes = [
            models.Index(fields=["street", "stage", "-touched_at"], name="project_board_idx"),
            models.Index(fields=["street", "signed_on"], name="project_signed_idx"),
            models.Index(fields=["street", "counted_on"], name="project_counted_idx"),
            models.Index(fields=["street", "registered_on"], name="project_registered_idx"),
            models.Index(fields=["stage", "next_action_due"], name="project_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(planned_investment__gte=0), name="project_investment_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("pipelines:project_detail", args=[self.pk])

    def is_visible_to(self, user) -> bool:
        """May `user` (already within the project's street scope) see this project by name?"""
        return may_see_project(user, self)

    def visible_name_for(self, user) -> str:
        """The project's name, or 保密项目 for a user who may not see this confidential project."""
        return self.name if may_see_project(user, self) else str(CONFIDENTIAL_LABEL)

    def save(self, *args, **kwargs):
        self.tier = tier_for(self.planned_investment)
        if self.touched_at is None:
            self.touched_at = timezone.now()
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES

    @property
    def next_action_overdue(self) -> bool:
        return bool(self.is_open and self.next_action_due and self.next_action_due < timezone.localdate())


class StageChange(models.Model):
    """One dated move of a project. Kept forever: it is what the targets are computed from."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(_("原阶段"), max_length=12, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("新阶段"), max_length=12, choices=Stage.choices)
    on = models.DateField(_("日期"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+", verbose_name=_("操作人"))
    note = models.CharField(_("说明"), max_length=300, blank=True)
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("阶段变更")
        verbose_name_plural = _("阶段变更")
        ordering = ["project", "on", "pk"]

    def __str__(self) -> str:
        return f"{self.on} {self.get_from_stage_display()} → {self.get_to_stage_display()}"


# ---------------------------------------------------------------------------------------------------------------
# Space inventory and demands


class SpaceType(models.TextChoices):
    FACTORY = "factory", _("厂房")
    RND = "rnd", _("研发")
    OFFICE = "office", _("办公")


class Vacancy(models.Model):
    """A vacant unit in a park or building (产业空间供给资源库)."""

    class Owner(models.TextChoices):
        STATE = "state", _("国有")
        COLLECTIVE = "collective", _("集体")
        PRIVATE = "private", _("社会")

    class Status(models.TextChoices):
        AVAILABLE = "available", _("可租售")
        RESERVED = "reserved", _("意向锁定")
        TAKEN = "taken", _("已入驻")
        WITHDRAWN = "withdrawn", _("已下架")

    park = models.ForeignKey("enterprises.Park", on_delete=models.PROTECT, related_name="vacancies",
                             verbose_name=_("园区/楼宇"))
    building = models.CharField(_("栋/座"), max_length=50, blank=True)
    unit_name = models.CharField(_("单元"), max_length=80)
    space_type = models.CharField(_("类型"), max_length=10, choices=SpaceType.choices)
    area = models.DecimalField(_("面积（㎡）"), max_digits=10, decimal_places=2)
    rent = models.DecimalField(_("租金（元/㎡·月）"), max_digits=8, decimal_places=2, null=True, blank=True)
    floor_load = models.DecimalField(_("楼面荷载（kN/㎡）"), max_digits=6, decimal_places=2, null=True, blank=True)
    power_kva = models.PositiveIntegerField(_("配电容量（kVA）"), null=True, blank=True)
    owner_type = models.CharField(_("产权性质"), max_length=12, choices=Owner.choices, default=Owner.PRIVATE)
    available_from = models.DateField(_("可入驻日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.AVAILABLE)
    taken_by_project = models.ForeignKey(Project, on_delete=models.SET_NULL, null=True, blank=True,
                                         related_name="vacancies", verbose_name=_("入驻项目"))
    taken_by_enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.SET_NULL, null=True,
                                            blank=True, related_name="+", verbose_name=_("入驻企业"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = scoped_manager("park__street")
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("空置物业")
        verbose_name_plural = _("空置物业")
        ordering = ["park", "building", "unit_name"]
        constraints = [
            models.UniqueConstraint(fields=["park", "building", "unit_name"], name="vacancy_unique_unit"),
            models.CheckConstraint(condition=Q(area__gt=0), name="vacancy_area_positive"),
        ]
        indexes = [models.Index(fields=["status", "space_type", "area"], name="vacancy_match_idx")]

    def __str__(self) -> str:
        return f"{self.park} {self.building}{self.unit_name}"

    @property
    def is_large(self) -> bool:
        return self.area >= 1000


class SpaceDemand(models.Model):
    """What a prospect (project) or an existing firm needs. Exactly one of project / enterprise."""

    street = models.ForeignKey("crm.Street", on_delete=models.PROTECT, related_name="space_demands",
                               verbose_name=_("街道"))
    project = models.ForeignKey(Project, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="space_demands", verbose_name=_("招商项目"))
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, null=True, blank=True,
                                   related_name="+", verbose_name=_("企业"))
    space_type = models.CharField(_("类型"), max_length=10, choices=SpaceType.choices)
    area = models.DecimalField(_("需求面积（㎡）"), max_digits=10, decimal_places=2)
    floor_load = models.DecimalField(_("荷载要求（kN/㎡）"), max_digits=6, decimal_places=2, null=True, blank=True)
    power_kva = models.PositiveIntegerField(_("用电需求（kVA）"), null=True, blank=True)
    budget = models.DecimalField(_("租金预算（元/㎡·月）"), max_digits=8, decimal_places=2, null=True, blank=True)
    needed_by = models.DateField(_("需求日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    is_open = models.BooleanField(_("待解决"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("空间需求")
        verbose_name_plural = _("空间需求")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(project__isnull=False, enterprise__isnull=True)
                           | Q(project__isnull=True, enterprise__isnull=False)),
                name="space_demand_one_owner",
            ),
            models.CheckConstraint(condition=Q(area__gt=0), name="space_demand_area_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.project or self.enterprise} {self.get_space_type_display()} {self.area}㎡"


# ---------------------------------------------------------------------------------------------------------------
# Events


class Event(models.Model):
    class Kind(models.TextChoices):
        PROMOTION = "promotion", _("招商活动")
        MATCHMAKING = "matchmaking", _("对接会")
        SERVICE_WEEK = "service_week", _("服务周")

    street = models.ForeignKey("crm.Street", on_delete=models.PROTECT, related_name="pipeline_events",
                               verbose_name=_("街道"))
    title = models.CharField(_("活动名称"), max_length=150)
    kind = models.CharField(_("类型"), max_length=14, choices=Kind.choices, default=Kind.PROMOTION)
    held_on = models.DateField(_("举办日期"))
    location = models.CharField(_("地点"), max_length=150, blank=True)
    organiser = models.CharField(_("主办/承办"), max_length=150, blank=True)
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="pipeline_events", verbose_name=_("负责人"))
    team = models.ForeignKey("crm.Team", on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="pipeline_events", verbose_name=_("专班"))
    enterprises = models.ManyToManyField("enterprises.Enterprise", blank=True, related_name="+",
                                         verbose_name=_("参会企业"))
    projects = models.ManyToManyField(Project, blank=True, related_name="events", verbose_name=_("对接项目"))
    summary = models.TextField(_("活动成效"), blank=True)

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("招商活动")
        verbose_name_plural = _("招商活动")
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["street", "held_on"], name="event_street_date_idx")]

    def __str__(self) -> str:
        return f"{self.held_on} {self.title}"


# ---------------------------------------------------------------------------------------------------------------
# Targets and snapshots


class ScopeKind(models.TextChoices):
    STREET = "street", _("街道")
    TEAM = "team", _("专班")
    OFFICER = "officer", _("个人")


class Target(models.Model):
    """A yearly target for one metric and one scope (the street, a team or an officer).

    The actual figure is computed by pipelines.metrics from the data; `manual_actual` is used only for metrics the
    system has no data for (the metric says so), and is shown as 手工填报.
    """

    street = models.ForeignKey("crm.Street", on_delete=models.PROTECT, related_name="targets", verbose_name=_("街道"))
    year = models.PositiveSmallIntegerField(_("年度"))
    metric = models.CharField(_("指标"), max_length=40)
    scope_kind = models.CharField(_("对象"), max_length=10, choices=ScopeKind.choices, default=ScopeKind.STREET)
    team = models.ForeignKey("crm.Team", on_delete=models.CASCADE, null=True, blank=True, related_name="targets",
                             verbose_name=_("专班"))
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="targets", verbose_name=_("责任人"))
    target_value = models.DecimalField(_("目标值"), max_digits=14, decimal_places=2)
    manual_actual = models.DecimalField(_("手工填报完成值"), max_digits=14, decimal_places=2, null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("年度目标")
        verbose_name_plural = _("年度目标")
        ordering = ["year", "street", "scope_kind", "metric"]
        constraints = [
            models.UniqueConstraint(fields=["street", "year", "metric"], condition=Q(scope_kind="street"),
                                    name="target_unique_street"),
            models.UniqueConstraint(fields=["street", "year", "metric", "team"], condition=Q(scope_kind="team"),
                                    name="target_unique_team"),
            models.UniqueConstraint(fields=["street", "year", "metric", "officer"],
                                    condition=Q(scope_kind="officer"), name="target_unique_officer"),
            models.CheckConstraint(
                condition=(Q(scope_kind="street", team__isnull=True, officer__isnull=True)
                           | Q(scope_kind="team", team__isnull=False, officer__isnull=True)
                           | Q(scope_kind="officer", team__isnull=True, officer__isnull=False)),
                name="target_scope_consistent",
            ),
            models.CheckConstraint(condition=Q(target_value__gte=0), name="target_value_not_negative"),
        ]

    def __str__(self) -> str:
        from pipelines.metrics import metric_label  # metrics imports this module: the one import kept local

        return f"{self.year} {self.scope_label} {metric_label(self.metric)}"

    @property
    def scope_label(self) -> str:
        if self.scope_kind == ScopeKind.TEAM:
            return str(self.team)
        if self.scope_kind == ScopeKind.OFFICER:
            return str(self.officer)
        return str(self.street)


class TargetSnapshot(models.Model):
    """The figure of a target for one month or quarter (the amount reached within that period).

    A period's figure is final once the period has ended and been computed: later recomputations never change
    `value`; a different result is kept in `corrected_value` and shown as 修正后.
    """

    class PeriodKind(models.TextChoices):
        MONTH = "month", _("月度")
        QUARTER = "quarter", _("季度")

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="snapshots")
    period_kind = models.CharField(_("周期"), max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField(_("周期开始"))
    period_end = models.DateField(_("周期结束"))
    value = models.DecimalField(_("数值"), max_digits=16, decimal_places=4)
    computed_at = models.DateTimeField(_("计算时间"))
    is_final = models.BooleanField(_("已关账"), default=False)
    corrected_value = models.DecimalField(_("修正值"), max_digits=16, decimal_places=4, null=True, blank=True)
    corrected_at = models.DateTimeField(_("修正时间"), null=True, blank=True)

    objects = scoped_manager("target__street")

    class Meta:
        verbose_name = _("目标进度快照")
        verbose_name_plural = _("目标进度快照")
        ordering = ["target", "period_kind", "period_start"]
        constraints = [
            models.UniqueConstraint(fields=["target", "period_kind", "period_start"], name="snapshot_unique_period"),
        ]

    def __str__(self) -> str:
        return f"{self.target} {self.period_start:%Y-%m} {self.value}"

    @property
    def effective_value(self) -> Decimal:
        return self.corrected_value if self.corrected_value is not None else self.value

    @property
    def period_label(self) -> str:
        return period_label(self.period_kind, self.period_start)


def period_label(kind: str, start: dt.date) -> str:
    """"2026-03" for a month, "2026-Q1" for a quarter: the one spelling of a period (snapshots, rollup, exports)."""
    if kind == TargetSnapshot.PeriodKind.QUARTER:
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start:%Y-%m}"
