from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Monday morning, before the week's visits are planned.
    "enterprises-notify-due-visits": {"task": "enterprises.notify_due_visits", "schedule": crontab(hour=8, minute=30, day_of_week="mon")},
}
