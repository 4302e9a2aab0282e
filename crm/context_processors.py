from django.utils import timezone

from crm.models import Role
from crm.registry import registry


def shell(request) -> dict:
    """What the base template needs on every page: the navigation for the user's role, the unread count and,
    for administrators, the next-year calendar warning."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from crm.services.calendar_admin import next_year_warning
    from crm.services.notifications import unread_count

    context = {"nav_items": registry.nav_for(user), "unread_notifications": unread_count(user)}
    if user.is_superuser or user.role == Role.ADMIN:
        context["calendar_warning"] = next_year_warning(timezone.localdate())
    return context
