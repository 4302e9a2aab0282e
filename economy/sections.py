"""The firm's monthly series on its 360° page (crm.registry enterprise section)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from crm.permissions import user_has_role

from .permissions import STREET_ROLES
from .selectors import firm_series


def monthly_section(enterprise, user):
    if not user_has_role(user, STREET_ROLES):
        return None
    rows = firm_series(enterprise.pk)
    if not rows:
        return None
    chart = {}
    for r in reversed(rows):
        chart.setdefault(str(r["indicator_label"]), []).append([f"{r['month']:%Y-%m}", str(r["ytd"])])
    html = render_to_string("economy/_enterprise_section.html", {"rows": rows, "chart": chart, "e": enterprise})
    return {"title": _("月度经济数据"), "template": "crm/_html_section.html", "html": html}
