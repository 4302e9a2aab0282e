from celery import shared_task

from space.services import renewal


@shared_task(name="space.renewal_reminders")
def renewal_reminders() -> int:
    return renewal.send_overdue_reminders()


@shared_task(name="space.refresh_park_rollups")
def refresh_park_rollups() -> None:
    """Nightly backstop: every park's rollups recomputed set-based (writes that bypassed the signals and hooks)."""
    from space.services.rollup import refresh

    refresh()
