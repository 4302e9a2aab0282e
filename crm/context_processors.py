from django.urls import reverse
from django.utils import timezone

from crm.permissions import ADMIN_ROLES, user_has_role
from crm.registry import registry


def _nav(request, user) -> list[dict]:
    """The role's navigation as groups, with the current page and its group marked (the longest URL prefix of the
    path wins): [{"key", "label", "items": [{"label", "url", "active"}], "active"}]. A group the role has a single
    page of is shown as that page's link (key "")."""
    groups = []
    for group, entries in registry.nav_groups_for(user):
        items = [{"label": item.label, "url": reverse(item.url_name), "active": False} for item in entries]
        single = group is None or len(items) == 1
        groups.append({"key": "" if single else group.key, "label": items[0]["label"] if single else group.label,
                       "items": items, "active": False})
    every = [i for g in groups for i in g["items"]]
    matches = [i for i in every if i["url"] != "/" and request.path.startswith(i["url"])]
    current = max(matches, key=lambda i: len(i["url"]), default=None)
    if current is None and request.path == "/":
        current = next((i for i in every if i["url"] == "/"), None)
    for group in groups:
        for item in group["items"]:
            item["active"] = item is current
        group["active"] = any(item["active"] for item in group["items"])
    return groups


def shell(request) -> dict:
    """What the base template needs on every page: the navigation for the user's role, the unread count and,
    for administrators, the next-year calendar warning."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from crm.services.calendar_admin import next_year_warning
    from crm.services.notifications import unread_count

    nav_groups = _nav(request, user)
    context = {"nav_groups": nav_groups, "nav_items": [i for g in nav_groups for i in g["items"]],
               "unread_notifications": unread_count(user)}
    if user_has_role(user, ADMIN_ROLES):
        context["calendar_warning"] = next_year_warning(timezone.localdate())
    return context
