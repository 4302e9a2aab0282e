"""企业诉求: appeals, their event log, department handling, extensions, SLA policies and clocks.

The rules live in the appeals/services/ package; these tables keep the invariants (one clock per appeal, metric and
round; one open handling row per department) and the denormalised first-round outcomes the dashboard counts.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.models.bilingual import BilingualName
from crm.scoping import ScopedQuerySet, scoped_manager


class AppealCategory(BilingualName):
    code = models.SlugField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=30, unique=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=100)
    is_active = models.BooleanField(_("启用"), default=True)
    # 回访 policy: every appeal of these categories is followed up, whatever the sampling rate.
    always_follow_up = models.BooleanField(_("必回访"), default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("诉求类别")
        verbose_name_plural = _("诉求类别")
        ordering = ["order", "name"]


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")
    COMPLEX = "complex", _("复杂")


class SlaPolicy(models.Model):
    """Targets for one category × urgency (either may be empty = any). Every save bumps `version`; clocks record
    the version they were computed with."""

    category = models.ForeignKey(
        AppealCategory, on_delete=models.CASCADE, null=True, blank=True, related_name="policies",
        verbose_name=_("类别"), help_text=_("留空表示所有类别"),
    )
    urgency = models.CharField(_("紧急程度"), max_length=10, choices=Urgency.choices, blank=True,
                               help_text=_("留空表示所有紧急程度"))
    sign = models.CharField(_("签收时限"), max_length=20, default="2wh")
    response = models.CharField(_("首次响应时限"), max_length=20, default="same_day")
    resolution = models.CharField(_("办结时限"), max_length=20, default="3wd")
    followup = models.CharField(_("回访时限"), max_length=20, default="2wd")
    department = models.CharField(_("部门内部时限"), max_length=20, default="2wd")
    warning_share = models.PositiveSmallIntegerField(_("预警比例（%）"), default=75)
    escalate_after = models.CharField(_("超时后升级督办"), max_length=20, default="1wd")
    version = models.PositiveIntegerField(_("版本"), default=1)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("时限策略")
        verbose_name_plural = _("时限策略")
        ordering = ["category__order", "urgency"]
        constraints = [
            models.UniqueConstraint(fields=["category", "urgency"], name="sla_policy_unique_scope",
                                    nulls_distinct=False),
        ]

    def __str__(self) -> str:
        return f"{self.category or _('所有类别')} · {self.get_urgency_display() or _('所有紧急程度')}"


class FollowupSettings(models.Model):
    """回访 sampling: every appeal, or a random share plus the categories marked 必回访. One row."""

    class Mode(models.TextChoices):
        ALL = "all", _("全部回访")
        SAMPLE = "sample", _("抽样回访")

    mode = models.CharField(_("回访方式"), max_length=10, choices=Mode.choices, default=Mode.ALL)
    sample_percent = models.PositiveSmallIntegerField(_("抽样比例（%）"), default=10)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("回访设置")
        verbose_name_plural = _("回访设置")


class AppealQuerySet(ScopedQuerySet):
    street_field = "street"

    def for_department(self, user):
        """A department handler sees only the appeals that were sent to their department."""
        if not user.department_id:
            return self.none()
        return self.filter(pk__in=DepartmentTask.objects.filter(department_id=user.department_id).values("appeal_id"))

    def open(self):
        return self.exclude(status__in=Appeal.CLOSED_STATUSES)


class Appeal(models.Model):
    class Source(models.TextChoices):
        VISIT = "visit", _("走访")
        PHONE = "phone", _("电话")
        ONLINE = "online", _("网络平台")
        WALK_IN = "walk_in", _("来访")
        EVENT = "event", _("服务周活动")

    class Status(models.TextChoices):
        NEW = "new", _("新建")
        SIGNED = "signed", _("已签收")
        IN_PROGRESS = "in_progress", _("办理中")
        TRANSFERRED = "transferred", _("已转办")
        RESOLVED = "resolved", _("已办结")
        CLOSED = "closed", _("已关闭")
        MERGED = "merged", _("已合并")

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", _("满意")
        BASICALLY = "basically", _("基本满意")
        UNSATISFIED = "unsatisfied", _("不满意")

    CLOSED_STATUSES = (Status.CLOSED, Status.MERGED)

    # street, enterprise and officer need no index of their own: the composite indexes in Meta lead with them.
    # Fewer indexes keep the sweep's flag updates cheap (each non-HOT update writes every index).
    street = models.ForeignKey("crm.Street", on_delete=models.PROTECT, related_name="appeals", verbose_name=_("街道"),
                               db_index=False)
    community = models.ForeignKey("crm.Community", on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="appeals", verbose_name=_("社区"))
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.PROTECT, related_name="appeals",
                                   verbose_name=_("企业"), db_index=False)
    category = models.ForeignKey(AppealCategory, on_delete=models.PROTECT, related_name="appeals",
                                 verbose_name=_("类别"))
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.VISIT)
    urgency = models.CharField(_("紧急程度"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    title = models.CharField(_("标题"), max_length=120)
    description = models.TextField(_("诉求内容"))
    contact_name = models.CharField(_("企业联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appeals",
                                verbose_name=_("责任专员"), db_index=False)
    # Open appeals are found through the partial appeal_open_live_idx; a status index over every row is not kept.
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.NEW)
    received_at = models.DateTimeField(_("受理时间"))
    lead_department = models.ForeignKey("crm.Department", on_delete=models.SET_NULL, null=True, blank=True,
                                        related_name="lead_appeals", verbose_name=_("主办部门"))
    answer = models.TextField(_("答复内容"), blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    round = models.PositiveSmallIntegerField(_("办理轮次"), default=1)
    visit_problem = models.OneToOneField("enterprises.VisitProblem", on_delete=models.SET_NULL, null=True,
                                         blank=True, related_name="appeal", verbose_name=_("走访发现问题"))
    merged_into = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="duplicates", verbose_name=_("合并至"))
    # 挂单督办: set by the escalation sweep, cleared when the appeal closes.
    escalated = models.BooleanField(_("挂单督办"), default=False)
    # Some clock of this appeal breached (final): lets the dashboard count "overdue now" without a join.
    has_breach = models.BooleanField(_("曾超时"), default=False)
    followup_required = models.BooleanField(_("需回访"), default=True)
    # First-round outcomes, denormalised when their clock turns final: what the KPIs count.
    response_outcome = models.CharField(_("响应结果"), max_length=14, blank=True)
    resolution_outcome = models.CharField(_("办结结果"), max_length=14, blank=True)
    followed_up = models.BooleanField(_("已回访"), default=False)
    satisfaction = models.CharField(_("满意度"), max_length=12, choices=Satisfaction.choices, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("登记人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = AppealQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["response_outcome", "resolution_outcome"])

    class Meta:
        verbose_name = _("企业诉求")
        verbose_name_plural = _("企业诉求")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["street", "received_at"], name="appeal_street_received_idx"),
            models.Index(fields=["received_at", "id"], name="appeal_received_idx"),
            models.Index(fields=["enterprise", "received_at"], name="appeal_enterprise_idx"),
            models.Index(fields=["officer", "status"], name="appeal_officer_status_idx"),
            # The dashboard's live counts (overdue, escalated) over open appeals only (a few % of the table):
            # counted from this small index, not from the whole street.
            models.Index(fields=["street", "has_breach", "escalated"], name="appeal_open_live_idx",
                         condition=Q(status__in=["new", "signed", "in_progress", "transferred", "resolved"])),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("appeals:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status not in self.CLOSED_STATUSES


def appeal_upload_to(instance, filename: str) -> str:
    return f"appeals/{instance.appeal_id}/{filename}"


class AppealAttachment(models.Model):
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=appeal_upload_to)
    name = models.CharField(_("文件名"), max_length=200)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")


ACTION_LABELS = {
    "create": _("登记"), "sign": _("签收"), "respond": _("首次响应"), "transfer": _("转办"),
    "department_sign": _("部门签收"), "department_reply": _("部门答复"), "return": _("退单"),
    "extension_request": _("申请延期"), "extension_approved": _("批准延期"), "extension_rejected": _("驳回延期"),
    "resolve": _("办结答复"), "followup": _("回访"), "reopen": _("回访不满意，重新办理"), "merge": _("合并"),
    "merged_from": _("并入重复诉求"), "attach": _("上传附件"),
}


class AppealEvent(models.Model):
    """The log of every step: who, when, what, comment and the status change."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
                              verbose_name=_("操作人"))
    at = models.DateTimeField(_("时间"))
    action = models.CharField(_("动作"), max_length=30)
    comment = models.TextField(_("说明"), blank=True)
    from_status = models.CharField(_("原状态"), max_length=12, blank=True)
    to_status = models.CharField(_("新状态"), max_length=12, blank=True)
    department = models.ForeignKey("crm.Department", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        verbose_name = _("诉求日志")
        verbose_name_plural = _("诉求日志")
        ordering = ["at", "id"]

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))

    @property
    def status_change(self) -> str:
        labels = dict(Appeal.Status.choices)
        if not self.from_status or self.from_status == self.to_status:
            return ""
        return f"{labels.get(self.from_status, self.from_status)} → {labels.get(self.to_status, self.to_status)}"


class DepartmentTask(models.Model):
    """One department's handling of an appeal (主办 or 协办), with its own internal clock."""

    class Role(models.TextChoices):
        LEAD = "lead", _("主办")
        CO = "co", _("协办")

    class State(models.TextChoices):
        PENDING = "pending", _("待签收")
        SIGNED = "signed", _("办理中")
        REPLIED = "replied", _("已答复")
        RETURNED = "returned", _("已退单")
        WITHDRAWN = "withdrawn", _("已撤回")

    OPEN_STATES = (State.PENDING, State.SIGNED)

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="department_tasks")
    department = models.ForeignKey("crm.Department", on_delete=models.PROTECT, related_name="appeal_tasks",
                                   verbose_name=_("部门"))
    role = models.CharField(_("角色"), max_length=5, choices=Role.choices, default=Role.LEAD)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    assigned_at = models.DateTimeField(_("派单时间"))
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    due_at = models.DateTimeField(_("部门内部时限"))
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    reply = models.TextField(_("答复"), blank=True)
    returned_at = models.DateTimeField(_("退单时间"), null=True, blank=True)
    return_reason = models.TextField(_("退单理由"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("部门办理")
        verbose_name_plural = _("部门办理")
        ordering = ["assigned_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["appeal", "department"], condition=Q(state__in=["pending", "signed"]),
                                    name="dept_task_one_open_per_department"),
        ]
        indexes = [models.Index(fields=["department", "state"], name="dept_task_queue_idx")]

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES


class SlaClock(models.Model):
    class Metric(models.TextChoices):
        SIGN = "sign", _("签收")
        RESPONSE = "response", _("首次响应")
        RESOLUTION = "resolution", _("办结")
        FOLLOWUP = "followup", _("回访")

    class State(models.TextChoices):
        RUNNING = "running", _("计时中")
        MET = "met", _("按时")
        BREACHED = "breached", _("超时")
        CANCELLED = "cancelled", _("已撤销")

    # No separate index on appeal: the unique (appeal, metric, round) index leads with it. Every index on this
    # table is written again when the sweep changes a clock's state, so none is kept without a reader.
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="clocks", db_index=False)
    metric = models.CharField(_("指标"), max_length=10, choices=Metric.choices)
    round = models.PositiveSmallIntegerField(_("轮次"), default=1)
    target = models.CharField(_("时限"), max_length=20)
    started_at = models.DateTimeField(_("开始"))
    due_at = models.DateTimeField(_("到期"))
    original_due_at = models.DateTimeField(_("原到期"), null=True, blank=True)
    warn_at = models.DateTimeField(_("预警时间"))
    # When a breach of this clock escalates to 督办 (due + the policy's escalate_after), precomputed so the
    # sweep is plain SQL.
    escalate_at = models.DateTimeField(_("督办时间点"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.RUNNING)
    met_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    breached_at = models.DateTimeField(_("超时时间"), null=True, blank=True)
    # Unindexed on purpose: only a policy's (rare) deletion looks clocks up by policy.
    policy = models.ForeignKey(SlaPolicy, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                               db_index=False)
    policy_version = models.PositiveIntegerField(_("策略版本"), default=0)
    calendar_version = models.CharField(_("日历版本"), max_length=40, blank=True)
    provisional = models.BooleanField(_("暂定"), default=False)
    # Bumped whenever due_at moves; reminder keys carry it, so a moved deadline re-arms its reminders.
    due_version = models.PositiveIntegerField(default=1)
    warned_version = models.PositiveIntegerField(default=0)
    breach_notified = models.BooleanField(default=False)
    escalated_at = models.DateTimeField(_("督办时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("时限计时")
        verbose_name_plural = _("时限计时")
        ordering = ["appeal", "metric", "round"]
        constraints = [
            models.UniqueConstraint(fields=["appeal", "metric", "round"], name="sla_clock_unique"),
        ]
        indexes = [
            # The sweep reads only running clocks; a partial index keeps it small as closed ones accumulate.
            models.Index(fields=["due_at"], condition=Q(state="running"), name="sla_clock_running_due_idx"),
            models.Index(fields=["warn_at"], condition=Q(state="running"), name="sla_clock_running_warn_idx"),
            models.Index(fields=["escalate_at"], condition=Q(state="breached", escalated_at__isnull=True),
                         name="sla_clock_breached_idx"),
            models.Index(fields=["appeal"], condition=Q(state="breached", breach_notified=False),
                         name="sla_clock_breach_notify_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id}:{self.metric}:{self.round}"

    @property
    def is_extended(self) -> bool:
        return self.original_due_at is not None

    def light(self, now: dt.datetime) -> str:
        """The one SLA light of a clock: red breached or running past due · yellow running past its warning
        share · green running or met · grey cancelled. The appeal's light (services.light) is built from these."""
        if self.state == self.State.BREACHED or (self.state == self.State.RUNNING and now > self.due_at):
            return "red"
        if self.state == self.State.RUNNING and now >= self.warn_at:
            return "yellow"
        if self.state in (self.State.RUNNING, self.State.MET):
            return "green"
        return "grey"

    @property
    def outcome(self) -> str:
        """running | met | met_extended | breached | cancelled (on time after an extension is reported apart)."""
        if self.state == self.State.MET and self.original_due_at and self.met_at and self.met_at > self.original_due_at:
            return "met_extended"
        return self.state


class ExtensionRequest(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="extensions")
    clock = models.ForeignKey(SlaClock, on_delete=models.CASCADE, related_name="extensions")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                     related_name="+", verbose_name=_("申请人"))
    requested_at = models.DateTimeField(_("申请时间"))
    reason = models.TextField(_("延期理由"))
    current_due_at = models.DateTimeField(_("原时限"))
    requested_due_at = models.DateTimeField(_("申请延至"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("审批人"))
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_comment = models.TextField(_("审批意见"), blank=True)

    objects = scoped_manager("appeal__street")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["-requested_at"]


class DeadlineMove(models.Model):
    """A due time moved by a policy or calendar change: the list managers review."""

    class Reason(models.TextChoices):
        POLICY = "policy", _("时限策略调整")
        CALENDAR = "calendar", _("工作日历调整")

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="deadline_moves")
    clock = models.ForeignKey(SlaClock, on_delete=models.CASCADE, related_name="moves")
    old_due_at = models.DateTimeField(_("原到期"))
    new_due_at = models.DateTimeField(_("新到期"))
    was_provisional = models.BooleanField(_("原为暂定"), default=False)
    reason = models.CharField(_("原因"), max_length=10, choices=Reason.choices)
    moved_at = models.DateTimeField(_("调整时间"), auto_now_add=True)

    objects = scoped_manager("appeal__street")

    class Meta:
        verbose_name = _("时限调整")
        verbose_name_plural = _("时限调整")
        ordering = ["-moved_at", "-id"]
