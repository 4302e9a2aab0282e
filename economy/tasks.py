"""Thin Celery wrappers."""

from celery import shared_task


@shared_task(name="economy.notify_watch")
def notify_watch_task(batch_id: int) -> int:
    from .services import notify_watch_entries

    return notify_watch_entries(batch_id)


@shared_task(name="economy.notify_pending_watch")
def notify_pending_watch_task() -> int:
    from .services import notify_pending_watch

    return notify_pending_watch()
