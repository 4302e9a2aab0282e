from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class MatchmakingConfig(AppConfig):
    name = "matchmaking"
    verbose_name = _("产销金融对接")

    def ready(self) -> None:
        from crm.registry import NavGroup, NavItem, registry

        from .demo import load as load_demo
        from .permissions import ACTION_ROLES, READ_ROLES, REPORT_ROLES
        from .selectors import enterprise_section

        registry.add_nav_group(NavGroup("matchmaking", pgettext_lazy("导航分组", "对接"), order=80))
        registry.add_nav(
            NavItem(_("供需对接"), "matchmaking:need_list", roles=READ_ROLES, order=440, group="matchmaking"),
            NavItem(_("对接成效"), "matchmaking:report", roles=REPORT_ROLES, order=445, group="matchmaking"),
            NavItem(_("金融产品"), "matchmaking:fp_list", roles=ACTION_ROLES["manage_financial_products"], order=446,
                    group="matchmaking"),
        )
        registry.add_enterprise_section(45, "matchmaking", enterprise_section)
        registry.add_demo(50, "matchmaking", load_demo)
