"""Thin Celery wrappers around the appeal services."""

from celery import shared_task

from appeals import services


@shared_task(name="appeals.sweep_clocks", acks_late=True)
def sweep_clocks(pause_for_test: float = 0) -> dict:
    return services.sweep(pause_for_test=pause_for_test)


@shared_task(name="appeals.recompute_open_clocks", acks_late=True)
def recompute_open_clocks_task(reason: str = "calendar", street_id: int | None = None) -> dict:
    summary = services.recompute_open_clocks(preview=False, reason=reason, street_id=street_id)
    summary.pop("samples", None)
    return summary
