"""Organisation: 区 → 街道 → 社区, departments (职能部门), teams (专班) and users with one role each."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .bilingual import BilingualName, pick_name


class District(models.Model):
    code = models.CharField(_("区划代码"), max_length=6, unique=True)
    name = models.CharField(_("名称"), max_length=50)

    class Meta:
        verbose_name = _("区")
        verbose_name_plural = _("区")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Street(models.Model):
    """A sub-district (街道). Data is scoped by street."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="streets", verbose_name=_("区"))
    code = models.CharField(_("区划代码"), max_length=9, unique=True)
    name = models.CharField(_("名称"), max_length=50)

    class Meta:
        verbose_name = _("街道")
        verbose_name_plural = _("街道")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Community(models.Model):
    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="communities", verbose_name=_("街道"))
    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=50)

    class Meta:
        verbose_name = _("社区")
        verbose_name_plural = _("社区")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Department(BilingualName):
    """A functional department (职能部门) that receives transferred appeals. District-wide when street is empty."""

    name = models.CharField(_("名称"), max_length=80, unique=True)
    short_name = models.CharField(_("简称"), max_length=20, blank=True)
    street = models.ForeignKey(
        Street, on_delete=models.PROTECT, null=True, blank=True, related_name="departments", verbose_name=_("所属街道")
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("职能部门")
        verbose_name_plural = _("职能部门")
        ordering = ["name"]

    @property
    def display_short_name(self) -> str:
        """The short name for narrow columns: in English the English name (there is no short English form)."""
        return pick_name(self.short_name or self.name, self.name_en)


class Role(models.TextChoices):
    OFFICER = "officer", _("经济专员")
    STATISTICIAN = "statistician", _("统计员")
    MANAGER = "manager", _("街道领导")
    DEPARTMENT = "department", _("部门经办人")
    ADMIN = "admin", _("系统管理员")
    # 区级领导/区职能部门: sees every street read-only (economy, targets, dashboards); changes nothing.
    DISTRICT = "district", _("区级领导")


class User(AbstractUser):
    """A user has exactly one role and belongs to a street, or to the whole district when street is empty."""

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.OFFICER)
    street = models.ForeignKey(
        Street, on_delete=models.PROTECT, null=True, blank=True, related_name="users", verbose_name=_("所属街道"),
        help_text=_("为空表示全区"),
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="users", verbose_name=_("所属部门")
    )
    phone = models.CharField(_("手机"), max_length=20, blank=True)
    title = models.CharField(_("职务"), max_length=50, blank=True)

    history = HistoricalRecords(excluded_fields=["last_login", "password"])

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        full = f"{self.last_name}{self.first_name}".strip()
        return full or self.username

    def get_full_name(self) -> str:
        # Chinese order: family name first, no space (王芳, not "芳 王").
        return f"{self.last_name}{self.first_name}".strip()

    def get_short_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def display_name(self) -> str:
        return str(self)

    @property
    def is_district_wide(self) -> bool:
        return self.street_id is None


class Team(BilingualName):
    """A task force (专班), e.g. a 招商 team or a big firm's service team."""

    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="teams", verbose_name=_("街道"))
    name = models.CharField(_("名称"), max_length=80)
    leader = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="led_teams", verbose_name=_("负责人")
    )
    members = models.ManyToManyField(User, blank=True, related_name="teams", verbose_name=_("成员"))

    class Meta:
        verbose_name = _("专班")
        verbose_name_plural = _("专班")
        ordering = ["street", "name"]
        constraints = [models.UniqueConstraint(fields=["street", "name"], name="team_unique_name_per_street")]
