from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "enterprises"
    verbose_name = _("企业服务")

    def ready(self) -> None:
        from crm.models import Role
        from crm.registry import NavItem, registry

        from . import demo, signals, views

        signals.connect()

        office = (Role.OFFICER, Role.STATISTICIAN, Role.MANAGER, Role.ADMIN)
        registry.add_nav(
            NavItem(_("企业"), "enterprises:list", roles=office, order=20),
            NavItem(_("走访"), "enterprises:visit_create", roles=(Role.OFFICER, Role.MANAGER, Role.ADMIN), order=21),
            NavItem(_("待走访"), "enterprises:due_visits", roles=(Role.OFFICER, Role.MANAGER, Role.ADMIN), order=22),
            NavItem(_("挂点覆盖"), "enterprises:coverage", roles=(Role.MANAGER, Role.ADMIN), order=23),
            NavItem(_("走访活动"), "enterprises:campaign_list", roles=office, order=24),
            NavItem(_("培育库"), "enterprises:pool_report", roles=(*office, Role.DISTRICT), order=25),
        )
        registry.add_home_card(20, views.due_card)
        registry.add_home_card(21, views.sishang_card)
        registry.add_demo(10, "enterprises", demo.load)
