from celery.schedules import crontab

BEAT_SCHEDULE = {
    "crm-deliver-notifications": {"task": "crm.deliver_notifications", "schedule": 60.0},
    "crm-check-next-year-calendar": {"task": "crm.check_next_year_calendar", "schedule": crontab(hour=8, minute=30)},
}
