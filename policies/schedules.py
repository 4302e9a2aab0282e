from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Morning, before the office opens: officers see which matched firms to inform or help apply before a window closes.
    "policies-reminders": {"task": "policies.send_reminders", "schedule": crontab(hour=7, minute=50)},
}
