from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PoliciesConfig(AppConfig):
    name = "policies"
    verbose_name = _("惠企政策")

    def ready(self) -> None:
        from crm.registry import NavGroup, NavItem, registry

        from .permissions import VIEW_ROLES

        from .demo import load as load_demo
        from .views import enterprise_section, tasks_card

        registry.add_nav_group(NavGroup("policies", pgettext_lazy("导航分组", "政策"), order=60))
        registry.add_nav(NavItem(_("惠企政策"), "policies:list", roles=VIEW_ROLES, order=300, group="policies"))
        registry.add_enterprise_section(60, "policies", enterprise_section)
        registry.add_demo(50, "policies", load_demo)
        registry.add_home_card(50, tasks_card)

        from .importing import register_kind

        register_kind()  # approvals/payments lists as list kind "policy_outcomes" of the import pipeline
