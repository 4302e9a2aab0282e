from celery import shared_task

from space.services import renewal


@shared_task(name="space.renewal_reminders")
def renewal_reminders() -> int:
    return renewal.send_overdue_reminders()
