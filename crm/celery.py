"""The Celery application.

Each app declares its periodic jobs in `<app>/schedules.py` as a dict `BEAT_SCHEDULE`; they are merged here
so that no app has to edit the project settings to add one.
"""

import importlib
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")

app = Celery("crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

SCHEDULE_APPS = ("crm", "enterprises", "namelists", "appeals", "pipelines")


def collect_beat_schedule() -> dict:
    schedule: dict = {}
    for label in SCHEDULE_APPS:
        try:
            module = importlib.import_module(f"{label}.schedules")
        except ModuleNotFoundError as exc:
            if exc.name != f"{label}.schedules":
                raise
            continue
        schedule.update(getattr(module, "BEAT_SCHEDULE", {}))
    return schedule


@app.on_after_finalize.connect
def _install_beat_schedule(sender: Celery, **kwargs) -> None:
    sender.conf.beat_schedule = {**collect_beat_schedule(), **(sender.conf.beat_schedule or {})}
