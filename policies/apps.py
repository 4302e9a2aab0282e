from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    name = "policies"
    verbose_name = _("惠企政策")

    def ready(self) -> None:
        from crm.registry import NavItem, registry

        from .permissions import VIEW_ROLES

        registry.add_nav(NavItem(_("惠企政策"), "policies:list", roles=VIEW_ROLES, order=300))
