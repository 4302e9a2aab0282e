from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class EconomyConfig(AppConfig):
    name = "economy"
    verbose_name = _("经济运行监测")

    def ready(self) -> None:
        from crm.models import Role
        from crm.registry import NavGroup, NavItem, registry
        from namelists.models import ListKind
        from namelists.services import LIST_KIND_HANDLERS

        from .importing import MonthlyHandler
        from .sections import monthly_section

        LIST_KIND_HANDLERS[ListKind.MONTHLY] = MonthlyHandler

        registry.add_nav_group(NavGroup("economy", pgettext_lazy("导航分组", "经济"), order=50))
        registry.add_nav(
            NavItem(_("经济运行"), "economy:street",
                    roles=(Role.OFFICER, Role.STATISTICIAN, Role.MANAGER, Role.ADMIN, Role.DISTRICT), order=300,
                    group="economy"),
        )
        registry.add_enterprise_section(50, "economy", monthly_section)

        from .targets import register_metrics

        register_metrics()
