import time

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from crm.models import CalendarYear, SpecialDay
from crm.services.workcalendar import invalidate_calendar


@receiver([post_save, post_delete], sender=SpecialDay)
@receiver([post_save, post_delete], sender=CalendarYear)
def _calendar_changed(sender, **kwargs) -> None:
    invalidate_calendar()


@receiver(user_logged_in)
def _start_session_renewal_clock(sender, request, **kwargs) -> None:
    """Signing in saves the session anyway: it starts IdleSessionRenewalMiddleware's interval, so the first page
    after sign-in does not write it again."""
    from crm.middleware import IdleSessionRenewalMiddleware

    session = getattr(request, "session", None)
    if session is not None:
        session[IdleSessionRenewalMiddleware.KEY] = int(time.time())
