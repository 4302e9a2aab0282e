from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class MatchmakingConfig(AppConfig):
    name = "matchmaking"
    verbose_name = _("产销金融对接")

    def ready(self) -> None:
        from crm.registry import NavGroup, NavItem, registry
        from namelists.models import ListKind
        from crm.models import Role
        from namelists import kinds

        from .importing import ProductsHandler

        from .demo import load as load_demo
        from .permissions import ACTION_ROLES, PRODUCT_IMPORT_ROLES, READ_ROLES, REPORT_ROLES
        from .selectors import enterprise_section, event_link

        registry.add_nav_group(NavGroup("matchmaking", pgettext_lazy("导航分组", "对接"), order=80))
        registry.add_nav(
            NavItem(_("供需对接"), "matchmaking:need_list", roles=READ_ROLES, order=440, group="matchmaking"),
            NavItem(_("对接成效"), "matchmaking:report", roles=REPORT_ROLES, order=445, group="matchmaking"),
            NavItem(_("金融产品"), "matchmaking:fp_list", roles=ACTION_ROLES["manage_financial_products"], order=446,
                    group="matchmaking"),
        )
        registry.add_enterprise_section(45, "matchmaking", enterprise_section)
        registry.add_event_link(event_link)
        registry.add_demo(50, "matchmaking", load_demo)
        # The 产品信息名录 is imported through the name-list pipeline (upload, preview, history, the command).
        kinds.register(ListKind.PRODUCTS, kinds.KindSpec(
            import_roles=PRODUCT_IMPORT_ROLES, view_roles=(*PRODUCT_IMPORT_ROLES, Role.DISTRICT), options=(),
            unit="产品",
            columns=_("必需：统一社会信用代码（或企业名称）、产品名称。可选：行业代码（GB/T 4754）、产业链环节、产品描述、产能、"
                    "主要客户行业、资质认证；采购、融资、招聘需求列"),
        ), ProductsHandler())
        # A visit's 采购/融资/用工 topic records a need (inside the visit's transaction).
        from .services import VisitNeeds

        registry.set_visit_topic_handler(VisitNeeds)
