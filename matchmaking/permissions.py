"""Who may do what in matchmaking: one table, checked by every service (views read it for buttons and 403s), and
one rule for what a user sees of a firm that matching brings up (FIRM_DETAILS, firm_details).

Privacy decision (issue 21): matching runs across the whole district, so a purchasing need in 马田 lists suppliers
from 玉塘 too. A firm of a street outside the user's scope is shown by **name and street only**: no link to its
page, no contacts, no figures, no product list, because that street's office owns the relationship and its
records (the same scoping as the rest of the registry). The officer brings the two firms together through an
introduction, which the need's street owns. Firms in the user's scope (its own street; every street for
district-wide roles) show in full. Bank products are district-wide: their contact shows to every reader of needs.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from crm.models import Role
from crm.permissions import OFFICE_ROLES, user_has_role

# Pages that read needs, matches and introductions.
READ_ROLES = (*OFFICE_ROLES, Role.DISTRICT)
# The street-year report of 对接成效.
REPORT_ROLES = (Role.STATISTICIAN, Role.MANAGER, Role.ADMIN, Role.DISTRICT)

FIELD_ROLES = (Role.OFFICER, Role.MANAGER, Role.ADMIN)
ACTION_ROLES: dict[str, tuple[str, ...]] = {
    "edit_product": FIELD_ROLES,
    "edit_need": FIELD_ROLES,
    "introduce": FIELD_ROLES,
    "record_outcome": FIELD_ROLES,
    "manage_financial_products": (Role.MANAGER, Role.ADMIN),
    # The street's 产品信息名录 (list kind "products" of the name-list pipeline): compiled by officers and statisticians.
    "import_products": (Role.OFFICER, Role.STATISTICIAN, Role.MANAGER, Role.ADMIN),
}
PRODUCT_IMPORT_ROLES = ACTION_ROLES["import_products"]


# What a user may see of a firm that a match, an invitation or an introduction names.
FULL, NAME_AND_STREET = "full", "name_and_street"
FIRM_DETAILS = {
    "in_scope": FULL,  # the user's street, or any street for district-wide roles: link, page, contacts
    "other_street": NAME_AND_STREET,  # name and street only: no link, no contacts
}


def firm_details(user, street_id: int | None) -> str:
    """FULL or NAME_AND_STREET for a firm of `street_id`, by FIRM_DETAILS."""
    from crm.scoping import sees_all_streets

    in_scope = user.is_authenticated and (sees_all_streets(user) or (street_id is not None
                                                                      and street_id == user.street_id))
    return FIRM_DETAILS["in_scope" if in_scope else "other_street"]


def mark_details(user, firms) -> list:
    """Sets `show_details` on each firm (True: FULL) for the templates; returns the firms as a list."""
    firms = list(firms)
    for firm in firms:
        if firm is not None:
            firm.show_details = firm_details(user, firm.street_id) == FULL
    return firms


def can(user, action: str) -> bool:
    return user_has_role(user, ACTION_ROLES[action])


def require(user, action: str) -> None:
    if not can(user, action):
        raise PermissionDenied(_("您的角色无权执行此操作。"))
