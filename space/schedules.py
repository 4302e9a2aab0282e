from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Morning, before the office opens: overdue renewal milestones remind their officer once.
    "space-renewal-reminders": {"task": "space.renewal_reminders", "schedule": crontab(hour=7, minute=50)},
}
