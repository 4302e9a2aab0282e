from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class EnterprisesConfig(AppConfig):
    name = "enterprises"
    verbose_name = _("企业服务")

    def ready(self) -> None:
        from crm.models import Role
        from crm.permissions import MANAGEMENT_ROLES, OFFICE_ROLES, VISIT_ROLES
        from crm.registry import NavGroup, NavItem, registry

        from . import demo, home, signals

        signals.connect()

        registry.add_nav_group(NavGroup("enterprises", pgettext_lazy("导航分组", "企业"), order=20))
        registry.add_nav(
            NavItem(_("企业"), "enterprises:list", roles=OFFICE_ROLES, order=20, group="enterprises"),
            NavItem(_("走访"), "enterprises:visit_create", roles=VISIT_ROLES, order=21, group="enterprises"),
            NavItem(_("待走访"), "enterprises:due_visits", roles=VISIT_ROLES, order=22, group="enterprises"),
            NavItem(_("挂点覆盖"), "enterprises:coverage", roles=MANAGEMENT_ROLES, order=23, group="enterprises"),
            NavItem(_("走访活动"), "enterprises:campaign_list", roles=OFFICE_ROLES, order=24, group="enterprises"),
            NavItem(_("培育库"), "enterprises:pool_report", roles=(*OFFICE_ROLES, Role.DISTRICT), order=25,
                    group="enterprises"),
        )
        registry.add_home_card(20, home.due_card)
        registry.add_home_card(21, home.sishang_card)
        registry.add_home_list(22, home.due_list)
        registry.add_home_list(25, home.coverage_list)
        registry.add_demo(10, "enterprises", demo.load)
