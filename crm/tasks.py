from celery import shared_task

from crm.services import notifications


@shared_task(name="crm.deliver_notifications")
def deliver_notifications() -> int:
    return notifications.deliver_pending()

