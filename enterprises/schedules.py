from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Just after midnight (Asia/Shanghai): coverage flags for the new day, before anyone opens a page.
    "enterprises-refresh-standing": {"task": "enterprises.refresh_standing", "schedule": crontab(hour=0, minute=1)},
    # Monday morning, before the week's visits are planned.
    "enterprises-notify-due-visits": {"task": "enterprises.notify_due_visits", "schedule": crontab(hour=8, minute=30, day_of_week="mon")},
    # Night: park-derived liaison rows follow parks' officers and tenants (backstop for admin and bulk edits).
    "enterprises-reconcile-park-liaisons": {"task": "enterprises.reconcile_park_liaisons",
                                            "schedule": crontab(hour=1, minute=40)},
}
