"""In-app notifications. One row per recipient and key: the unique key is what makes sending idempotent."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    class Level(models.TextChoices):
        INFO = "info", _("通知")
        WARNING = "warning", _("预警")
        URGENT = "urgent", _("紧急")

    # No index of its own: the unique (recipient, key) index serves every lookup by recipient, and one index less
    # matters when a sweep writes a hundred thousand reminders at once.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("接收人"),
        db_index=False,
    )
    # Idempotency key chosen by the sender, e.g. "appeal-clock:42:warn:75:v3".
    key = models.CharField(_("幂等键"), max_length=200)
    kind = models.CharField(_("类别"), max_length=50)
    level = models.CharField(_("级别"), max_length=10, choices=Level.choices, default=Level.INFO)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    # Non-urgent messages created outside office hours are delivered (email/webhook) when the office opens.
    deliver_after = models.DateTimeField(_("投递时间"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("已投递"), null=True, blank=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    # Delivery to email/webhook: a failed attempt is retried with backoff (deliver_after moves on) a bounded
    # number of times, then the row is marked failed; the channels already served are never served again.
    # (db_default: notify_query's INSERT … SELECT names only the message columns.)
    attempts = models.PositiveSmallIntegerField(_("投递次数"), default=0, db_default=0)
    last_error = models.TextField(_("最近投递错误"), blank=True, default="", db_default="")
    failed_at = models.DateTimeField(_("投递失败（不再重试）"), null=True, blank=True)
    # Dotted paths of the channels that took the message, one a line.
    channels_done = models.TextField(_("已送达渠道"), blank=True, default="", db_default="")

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="notification_unique_key")]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
            models.Index(fields=["delivered_at", "deliver_after"], name="notification_outbox_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    class DeliveryStatus(models.TextChoices):
        PENDING = "pending", _("待投递")
        RETRYING = "retrying", _("重试中")
        FAILED = "failed", _("投递失败")
        DELIVERED = "delivered", _("已投递")

    @property
    def channels_served(self) -> list[str]:
        return [line for line in self.channels_done.splitlines() if line]

    @property
    def delivery_status(self) -> str:
        if self.delivered_at is not None:
            return self.DeliveryStatus.DELIVERED
        if self.failed_at is not None:
            return self.DeliveryStatus.FAILED
        return self.DeliveryStatus.RETRYING if self.attempts else self.DeliveryStatus.PENDING


class NotificationPreference(models.Model):
    """Which channels a user wants for a kind of notification. No row means: in-app and email."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("类别"), max_length=50)
    in_app = models.BooleanField(_("站内"), default=True)
    email = models.BooleanField(_("邮件"), default=True)
    webhook = models.BooleanField(_("机器人"), default=False)

    class Meta:
        verbose_name = _("通知偏好")
        verbose_name_plural = _("通知偏好")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_pref_unique")]
