from celery import shared_task

from enterprises.services.reminders import notify_due_visits as run


@shared_task(name="enterprises.notify_due_visits")
def notify_due_visits() -> int:
    return run()


@shared_task(name="enterprises.reconcile_park_liaisons")
def reconcile_park_liaisons() -> dict:
    """Nightly backstop for 园区包干: fixes any drift (admin edits, bulk writes) between parks' officers, their
    tenants and the park-derived liaison rows, set-based."""
    from enterprises.services.liaison import sync_park_liaisons

    result = sync_park_liaisons()
    return {"created": result.created, "ended": result.ended}


@shared_task(name="enterprises.refresh_standing")
def refresh_standing() -> int:
    """Nightly: re-derive every firm's coverage flags for the new day (assignments and facts that start or end,
    the new statistical year), set-based, writing only the rows that change."""
    from enterprises.services.standing import refresh_standing as refresh

    return refresh()
