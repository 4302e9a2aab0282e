from .calendar import CalendarYear, SpecialDay
from .notifications import Notification, NotificationPreference
from .organisation import Community, Department, District, Role, Street, Team, User

__all__ = [
    "CalendarYear",
    "Community",
    "Department",
    "District",
    "Notification",
    "NotificationPreference",
    "Role",
    "SpecialDay",
    "Street",
    "Team",
    "User",
]
