from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PipelinesConfig(AppConfig):
    name = "pipelines"
    verbose_name = _("招商引资")

    def ready(self) -> None:
        from crm.registry import NavGroup, NavItem, registry

        from .demo import load as load_demo
        from .enterprise_section import projects_section
        from .home import pipeline_card, target_list
        from .permissions import READ_ROLES as office

        registry.add_nav_group(NavGroup("investment", pgettext_lazy("导航分组", "招商"), order=40),
                               NavGroup("space", pgettext_lazy("导航分组", "空间"), order=70))
        registry.add_nav(
            NavItem(_("招商项目"), "pipelines:board", roles=office, order=400, group="investment"),
            NavItem(_("挂图作战"), "pipelines:dashboard", roles=office, order=410, group="investment"),
            NavItem(_("产业空间"), "pipelines:vacancy_list", roles=office, order=420, group="space"),
            NavItem(_("招商活动"), "pipelines:event_list", roles=office, order=430, group="investment"),
        )
        registry.add_home_card(40, pipeline_card)
        registry.add_home_list(35, target_list)
        registry.add_enterprise_section(40, "pipelines", projects_section)
        registry.add_demo(40, "pipelines", load_demo)
