from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EconomyConfig(AppConfig):
    name = "economy"
    verbose_name = _("经济运行监测")

    def ready(self) -> None:
        from crm.models import Role
        from crm.registry import NavItem, registry
        from namelists.models import ListKind
        from namelists.services import LIST_KIND_HANDLERS

        from .importing import MonthlyHandler
        from .sections import monthly_section

        LIST_KIND_HANDLERS[ListKind.MONTHLY] = MonthlyHandler

        registry.add_nav(
            NavItem(_("经济运行"), "economy:street",
                    roles=(Role.OFFICER, Role.STATISTICIAN, Role.MANAGER, Role.ADMIN, Role.DISTRICT), order=300),
        )
        registry.add_enterprise_section(50, "economy", monthly_section)

        from .targets import register_metrics

        register_metrics()
