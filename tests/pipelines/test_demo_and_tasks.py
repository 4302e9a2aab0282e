import pytest

from pipelines.models import Event, Project, StageChange, Target, TargetSnapshot, Vacancy

pytestmark = pytest.mark.django_db


def test_demo_loads_and_is_idempotent():
    from crm.demo import load as load_org
    from pipelines.demo import load

    load_org()
    first = load()
    counts = (Project.objects.count(), StageChange.objects.count(), Vacancy.objects.count(), Event.objects.count(),
              Target.objects.count(), TargetSnapshot.objects.count())
    assert first["projects"] >= 40 and counts[2] == 30 and counts[3] == 20
    assert Project.objects.filter(tier="100").exists() and Project.objects.filter(confidential=True).exists()
    assert TargetSnapshot.objects.exists()
    load()
    assert (Project.objects.count(), StageChange.objects.count(), Vacancy.objects.count(), Event.objects.count(),
            Target.objects.count(), TargetSnapshot.objects.count()) == counts


def test_beat_schedule_has_the_nightly_rollup_and_reminders():
    from crm.celery import collect_beat_schedule

    tasks = {entry["task"] for entry in collect_beat_schedule().values()}
    assert {"pipelines.rollup_targets", "pipelines.send_reminders"} <= tasks


def test_rollup_task_runs(street):
    from django.utils import timezone

    from pipelines.tasks import rollup_targets
    from tests.pipelines.factories import TargetFactory

    TargetFactory(street=street, year=timezone.localdate().year)
    assert rollup_targets() >= 1


def test_home_card_for_officer_and_manager(officer, manager, department_user):
    from pipelines.home import pipeline_card

    assert pipeline_card(officer)["title"] == "逾期招商待办"
    assert "签约项目" in pipeline_card(manager)["title"]
    assert pipeline_card(department_user) is None
