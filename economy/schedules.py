BEAT_SCHEDULE = {
    # Watch-list notices are sent right after each monthly import; this sweep catches an import whose task was lost.
    "economy-notify-pending-watch": {"task": "economy.notify_pending_watch", "schedule": 600.0},
}
