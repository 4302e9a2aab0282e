from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AppealsConfig(AppConfig):
    name = "appeals"
    verbose_name = _("企业诉求")

    def ready(self) -> None:
        from appeals import demo, home
        from appeals.enterprise_section import appeals_section, raise_from_visit_problem
        from crm.models import Role
        from crm.permissions import APPEAL_OVERSIGHT_ROLES, APPEAL_READ_ROLES, MANAGEMENT_ROLES
        from crm.registry import NavGroup, NavItem, registry

        registry.add_nav_group(NavGroup("appeals", pgettext_lazy("导航分组", "诉求"), order=30))
        registry.add_nav(
            NavItem(_("企业诉求"), "appeals:list", roles=APPEAL_READ_ROLES, order=30, group="appeals"),
            NavItem(_("部门待办"), "appeals:queue", roles=(Role.DEPARTMENT,), order=31, group="appeals"),
            NavItem(_("SLA看板"), "appeals:dashboard", roles=APPEAL_OVERSIGHT_ROLES, order=32, group="appeals"),
            NavItem(_("延期审批"), "appeals:extensions", roles=MANAGEMENT_ROLES, order=33, group="appeals"),
            NavItem(_("时限策略"), "appeals:policies", roles=(Role.ADMIN,), order=34, group="appeals"),
        )
        registry.add_demo(30, "appeals", demo.load)
        registry.add_calendar_follow_up("appeals:recompute", _("预览节假日调整对在办诉求时限的影响"))
        registry.add_home_card(30, home.overdue_card)
        registry.add_home_list(10, home.department_tasks)
        registry.add_home_list(20, home.officer_appeals)
        registry.add_home_list(30, home.escalated_appeals)
        registry.add_enterprise_section(30, "appeals", appeals_section)
        registry.set_visit_problem_handler(raise_from_visit_problem)
