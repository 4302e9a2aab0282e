"""What the appeals app adds to the enterprise 360° page and to visits, registered in AppConfig.ready() through
crm.registry: the firm's appeals (each linked, with its status) and the handler that turns a visit's problem
into an appeal. The enterprises app never imports appeals."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from appeals import selectors, services


def appeals_section(enterprise, user) -> dict | None:
    return {
        "title": _("企业诉求"),
        "template": "appeals/_enterprise_section.html",
        "rows": list(selectors.appeals_for_enterprise(enterprise, user)),
    }


def raise_from_visit_problem(problem, actor):
    """The visit-problem handler: one appeal per problem (idempotent), raised by `actor`."""
    return services.create_appeal_from_visit_problem(problem=problem, actor=actor)
