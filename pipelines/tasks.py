from celery import shared_task
from django.utils import timezone

from pipelines.services import reminders, rollup


@shared_task(name="pipelines.rollup_targets")
def rollup_targets() -> int:
    today = timezone.localdate()
    count = rollup.rollup(today.year)
    # In January, close last year's December and Q4 as well.
    if today.month == 1:
        count += rollup.rollup(today.year - 1)
    return count


@shared_task(name="pipelines.send_reminders")
def send_reminders() -> dict:
    return reminders.send_reminders()
