from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class NamelistsConfig(AppConfig):
    name = "namelists"
    verbose_name = _("名录导入")

    def ready(self) -> None:
        from crm.models import Role
        from crm.registry import NavGroup, NavItem, registry

        from .demo import load
        from .selectors import enterprise_history, home_card

        registry.add_nav_group(NavGroup("enterprises", pgettext_lazy("导航分组", "企业"), order=20))
        registry.add_nav(NavItem(_("名录导入"), "namelists:index",
                                 roles=(Role.STATISTICIAN, Role.ADMIN, Role.MANAGER), order=40, group="enterprises"))
        registry.add_demo(20, "namelists", load)
        registry.add_home_card(40, home_card)
        registry.add_enterprise_history(enterprise_history)
