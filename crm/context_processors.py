from django.urls import reverse
from django.utils import timezone

from crm.permissions import ADMIN_ROLES, user_has_role
from crm.registry import registry


def _nav(request, user) -> list[dict]:
    """The role's navigation with the current section marked (the longest URL prefix of the path wins)."""
    items = [{"label": item.label, "url": reverse(item.url_name)} for item in registry.nav_for(user)]
    matches = [i for i in items if i["url"] != "/" and request.path.startswith(i["url"])]
    current = max(matches, key=lambda i: len(i["url"]), default=None)
    if current is None and request.path == "/":
        current = next((i for i in items if i["url"] == "/"), None)
    for item in items:
        item["active"] = item is current
    return items


def shell(request) -> dict:
    """What the base template needs on every page: the navigation for the user's role, the unread count and,
    for administrators, the next-year calendar warning."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from crm.services.calendar_admin import next_year_warning
    from crm.services.notifications import unread_count

    context = {"nav_items": _nav(request, user), "unread_notifications": unread_count(user)}
    if user_has_role(user, ADMIN_ROLES):
        context["calendar_warning"] = next_year_warning(timezone.localdate())
    return context
