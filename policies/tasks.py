from celery import shared_task

from policies import services


@shared_task(name="policies.send_reminders")
def send_reminders() -> int:
    return services.send_reminders()
