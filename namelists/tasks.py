"""Thin Celery wrappers: preview and commit run in the worker so a large list does not block the page."""

from celery import shared_task


@shared_task(name="namelists.preview")
def preview_task(batch_id: int) -> None:
    from .services import preview_batch

    preview_batch(batch_id)


@shared_task(name="namelists.commit")
def commit_task(batch_id: int) -> None:
    from .services import ImportRefused, commit_batch

    try:
        commit_batch(batch_id, claimed=True)
    except ImportRefused:
        pass  # the batch already says why


@shared_task(name="namelists.fail_interrupted")
def fail_interrupted_task() -> int:
    from .services import fail_interrupted_batches

    return fail_interrupted_batches()
