from celery import shared_task

from crm.services import notifications


@shared_task(name="crm.deliver_notifications")
def deliver_notifications() -> int:
    return notifications.deliver_pending()



@shared_task(name="crm.check_next_year_calendar")
def check_next_year_calendar() -> int:
    from django.utils import timezone

    from crm.services.calendar_admin import warn_admins_if_next_year_provisional

    return warn_admins_if_next_year_provisional(timezone.localdate())
