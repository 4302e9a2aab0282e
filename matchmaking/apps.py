from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchmakingConfig(AppConfig):
    name = "matchmaking"
    verbose_name = _("产销金融对接")

    def ready(self) -> None:
        from crm.registry import NavItem, registry
        from namelists.models import ListKind
        from namelists.services import LIST_KIND_HANDLERS

        from .importing import ProductsHandler

        from .demo import load as load_demo
        from .permissions import ACTION_ROLES, READ_ROLES, REPORT_ROLES
        from .selectors import enterprise_section, event_link

        registry.add_nav(
            NavItem(_("供需对接"), "matchmaking:need_list", roles=READ_ROLES, order=440),
            NavItem(_("对接成效"), "matchmaking:report", roles=REPORT_ROLES, order=445),
            NavItem(_("金融产品"), "matchmaking:fp_list", roles=ACTION_ROLES["manage_financial_products"], order=446),
        )
        registry.add_enterprise_section(45, "matchmaking", enterprise_section)
        registry.add_event_link(event_link)
        registry.add_demo(50, "matchmaking", load_demo)
        # The 产品信息名录 is imported through the name-list pipeline (upload, preview, history, the command).
        LIST_KIND_HANDLERS[ListKind.PRODUCTS] = ProductsHandler
        # A visit's 采购/融资/用工 topic records a need (inside the visit's transaction).
        from .services import VisitNeeds

        registry.set_visit_topic_handler(VisitNeeds)
