"""Periodic jobs of the appeals app, merged into the beat schedule by crm/celery.py."""

BEAT_SCHEDULE = {
    # Short sweeps instead of long ETA tasks: nothing is lost when Redis or a worker restarts.
    "appeals-sweep-clocks": {"task": "appeals.sweep_clocks", "schedule": 300.0},
}
