from celery import shared_task

from enterprises.services.reminders import notify_due_visits as run


@shared_task(name="enterprises.notify_due_visits")
def notify_due_visits() -> int:
    return run()
