"""Audit of what leaves the system: every export is logged (who, when, what, how many rows, whether it carried
personal data, with which filters). Changes to records are audited by django-simple-history; logins by
django-axes (AccessLog / AccessFailureLog)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportLog(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="export_logs",
        verbose_name=_("导出人"),
    )
    # Kept as text too, so the log still names the person if the account is later renamed.
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("导出时间"), auto_now_add=True, db_index=True)
    what = models.CharField(_("导出内容"), max_length=200)
    rows = models.PositiveIntegerField(_("行数"), default=0)
    personal_data = models.BooleanField(_("含个人信息"), default=False)
    filters = models.JSONField(_("筛选条件"), default=dict, blank=True)

    class Meta:
        verbose_name = _("导出日志")
        verbose_name_plural = _("导出日志")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "created_at"], name="exportlog_user_idx")]

    def __str__(self) -> str:
        return f"{self.username} {self.what} ({self.rows})"
