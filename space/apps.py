from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SpaceConfig(AppConfig):
    name = "space"
    verbose_name = _("产业空间与固投")

    def ready(self) -> None:
        from crm.registry import NavGroup, NavItem, registry

        from . import metrics  # noqa: F401  (registers the space metrics into pipelines.metrics)
        from . import signals
        from .demo import load as load_demo
        from .permissions import READ_ROLES
        from .pipeline_section import investment_section

        registry.add_nav_group(NavGroup("space", pgettext_lazy("导航分组", "空间"), order=70))
        registry.add_nav(
            NavItem(_("园区楼宇"), "space:park_list", roles=READ_ROLES, order=425, group="space"),
            NavItem(_("固投项目库"), "space:investment_list", roles=READ_ROLES, order=426, group="space"),
            NavItem(_("产业地图"), "space:park_map", roles=READ_ROLES, order=427, group="space"),
            NavItem(_("空间更新项目"), "space:renewal_list", roles=READ_ROLES, order=428, group="space"),
        )
        registry.add_demo(45, "space", load_demo)

        from .importing import register_kinds

        register_kinds()  # 园区楼宇台账 and 固投月报 as list kinds of the name-list import pipeline
        registry.add_project_section(50, "space-investment", investment_section)
        signals.connect()
