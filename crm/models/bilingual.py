"""Data rows with a name in two languages (appeal categories, departments, teams, industry clusters and the
national industry classification): the interface follows the user's language, so these names must too.

One rule everywhere they are shown, `pick_name(name, name_en)`: the English name when the active language is
English and the row has one, the Chinese name otherwise. A model with `BilingualName` shows its rule through
`__str__` / `display_name`; rows read with `.values()` (dashboards) use `pick_name` on the two columns, and
templates holding the two strings use the `in_language` filter (crm_ui).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def english_active() -> bool:
    return (get_language() or "").lower().startswith("en")


def pick_name(name: str | None, name_en: str | None) -> str:
    if name_en and english_active():
        return name_en
    return name or ""


class BilingualName(models.Model):
    """Adds `name_en` next to a model's own `name`. Built-in rows get theirs from the data migration or demo that
    creates them; administrators edit it in the admin; an empty one shows the Chinese name."""

    name_en = models.CharField(_("英文名称"), max_length=120, blank=True,
                               help_text=_("界面语言为 English 时显示；留空则显示中文名称"))

    class Meta:
        abstract = True

    @property
    def display_name(self) -> str:
        return pick_name(self.name, self.name_en)

    def __str__(self) -> str:
        return self.display_name
