from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Just after midnight (Asia/Shanghai): coverage flags for the new day, before anyone opens a page.
    "enterprises-refresh-standing": {"task": "enterprises.refresh_standing", "schedule": crontab(hour=0, minute=1)},
    # Monday morning, before the week's visits are planned.
    "enterprises-notify-due-visits": {"task": "enterprises.notify_due_visits", "schedule": crontab(hour=8, minute=30, day_of_week="mon")},
}
