from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Morning, before the office opens.
    "matchmaking-stale-needs": {"task": "matchmaking.remind_stale_needs", "schedule": crontab(hour=7, minute=50)},
}
