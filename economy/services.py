"""Economy services: watch-list notifications (and growth targets)."""


def notify_watch_entries(batch_id: int) -> int:
    return 0


def notify_pending_watch() -> int:
    return 0
