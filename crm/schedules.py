BEAT_SCHEDULE = {
    "crm-deliver-notifications": {"task": "crm.deliver_notifications", "schedule": 60.0},
}
