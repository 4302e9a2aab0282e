from .audit import ExportLog
from .bilingual import BilingualName, pick_name
from .calendar import CalendarYear, SpecialDay
from .notifications import Notification, NotificationPreference
from .organisation import Community, Department, District, Role, Street, Team, User

__all__ = [
    "BilingualName",
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
    "pick_name",
]
