from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from crm.models import CalendarYear, SpecialDay
from crm.services.workcalendar import invalidate_calendar


@receiver([post_save, post_delete], sender=SpecialDay)
@receiver([post_save, post_delete], sender=CalendarYear)
def _calendar_changed(sender, **kwargs) -> None:
    invalidate_calendar()
