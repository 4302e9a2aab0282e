import datetime as dt

import pytest
from django.utils import timezone

from crm.models import Notification
from pipelines.models import Stage
from pipelines.services.reminders import send_reminders
from tests.pipelines.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def test_overdue_and_stale_projects_notify_the_officer_once(street, officer):
    today = timezone.localdate()
    overdue = ProjectFactory(street=street, officer=officer, next_action_due=today - dt.timedelta(days=2))
    stale = ProjectFactory(street=street, officer=officer)
    type(stale).objects.filter(pk=stale.pk).update(touched_at=timezone.now() - dt.timedelta(days=31))
    ProjectFactory(street=street, officer=officer, stage=Stage.LOST, next_action_due=today - dt.timedelta(days=9))
    ProjectFactory(street=street, officer=officer)  # fine
    assert send_reminders() == {"overdue": 1, "stale": 1}
    assert send_reminders() == {"overdue": 0, "stale": 0}
    keys = set(Notification.objects.filter(recipient=officer).values_list("key", flat=True))
    assert any(k.startswith(f"pipeline-overdue:{overdue.pk}:") for k in keys)
    assert any(k.startswith(f"pipeline-stale:{stale.pk}:") for k in keys)


def test_rescheduled_then_overdue_again_reminds_again(street, officer):
    today = timezone.localdate()
    project = ProjectFactory(street=street, officer=officer, next_action_due=today - dt.timedelta(days=2))
    send_reminders()
    project.next_action_due = today - dt.timedelta(days=1)
    project.save()
    assert send_reminders()["overdue"] == 1
