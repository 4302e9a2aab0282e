from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Morning, before the office opens: overdue renewal milestones remind their officer once.
    "space-renewal-reminders": {"task": "space.renewal_reminders", "schedule": crontab(hour=7, minute=50)},
    # Night, after the registry's own jobs: the park rollups recomputed whole (backstop).
    "space-refresh-park-rollups": {"task": "space.refresh_park_rollups", "schedule": crontab(hour=2, minute=10)},
}
