from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Nightly, after the day's data entry and imports.
    "pipelines-rollup-targets": {"task": "pipelines.rollup_targets", "schedule": crontab(hour=1, minute=30)},
    # Morning, before the office opens, so officers see reminders when they arrive.
    "pipelines-reminders": {"task": "pipelines.send_reminders", "schedule": crontab(hour=7, minute=45)},
}
