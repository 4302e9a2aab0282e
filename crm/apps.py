from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("基础平台")

    def ready(self) -> None:
        from . import checks, signals  # noqa: F401
        from .demo import load as load_demo
        from .permissions import CALENDAR_VIEW_ROLES
        from .registry import NavGroup, NavItem, registry

        registry.add_nav_group(NavGroup("system", pgettext_lazy("导航分组", "系统"), order=900))
        registry.add_nav(
            NavItem(_("首页"), "home", order=0),
            NavItem(_("消息"), "notifications:inbox", order=900, group="system"),
            NavItem(_("工作日历"), "calendar:index", roles=CALENDAR_VIEW_ROLES, order=950, group="system"),
        )
        registry.add_demo(0, "organisation", load_demo)
        # django-axes names its admin section "Axes" and ships no Chinese: the admin speaks one language.
        from django.apps import apps

        if apps.is_installed("axes"):
            apps.get_app_config("axes").verbose_name = _("登录安全")
