from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NamelistsConfig(AppConfig):
    name = "namelists"
    verbose_name = _("名录导入")
