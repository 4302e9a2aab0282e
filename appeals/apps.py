from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    name = "appeals"
    verbose_name = _("企业诉求")

    def ready(self) -> None:
        from appeals import demo
        from appeals.enterprise_section import appeals_section, raise_from_visit_problem
        from appeals.home import overdue_card
        from crm.registry import NavItem, registry

        office = ("officer", "statistician", "manager", "admin")
        registry.add_nav(
            NavItem(_("企业诉求"), "appeals:list", roles=office + ("department",), order=30),
            NavItem(_("部门待办"), "appeals:queue", roles=("department",), order=31),
            NavItem(_("SLA看板"), "appeals:dashboard", roles=("manager", "admin"), order=32),
            NavItem(_("延期审批"), "appeals:extensions", roles=("manager", "admin"), order=33),
            NavItem(_("时限策略"), "appeals:policies", roles=("admin",), order=34),
        )
        registry.add_demo(30, "appeals", demo.load)
        registry.add_calendar_follow_up("appeals:recompute", _("预览节假日调整对在办诉求时限的影响"))
        registry.add_home_card(30, overdue_card)
        registry.add_enterprise_section(30, "appeals", appeals_section)
        registry.set_visit_problem_handler(raise_from_visit_problem)

