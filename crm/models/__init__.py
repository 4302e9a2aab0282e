from .audit import ExportLog
from .calendar import CalendarYear, SpecialDay
from .notifications import Notification, NotificationPreference
from .organisation import Community, Department, District, Role, Street, Team, User

__all__ = [
    "CalendarYear",
    "Community",
    "Department",
    "District",
    "ExportLog",
    "Notification",
    "NotificationPreference",
    "Role",
    "SpecialDay",
    "Street",
    "Team",
    "User",
]
