"""Pipeline writes go through services that check the actor's role themselves: a refused call changes nothing."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from pipelines.models import SpaceDemand, Target, Vacancy
from pipelines.services import events as event_services
from pipelines.services import space as space_services
from pipelines.services import targets as target_services
from tests.pipelines.factories import (
    EventFactory,
    ParkFactory,
    ProjectFactory,
    SpaceDemandFactory,
    TargetFactory,
    VacancyFactory,
)

pytestmark = pytest.mark.django_db


def test_reserving_a_unit_needs_a_writing_role_and_a_free_unit(street, officer, statistician):
    project = ProjectFactory(street=street, officer=officer)
    demand = SpaceDemandFactory(project=project)
    vacancy = VacancyFactory(park=ParkFactory(street=street))
    visible = Vacancy.objects.visible_to(statistician)
    with pytest.raises(PermissionDenied):
        space_services.reserve_vacancy(demand, vacancy.pk, actor=statistician, vacancies=visible)
    vacancy.refresh_from_db()
    demand.refresh_from_db()
    assert vacancy.status == Vacancy.Status.AVAILABLE and vacancy.taken_by_project is None and demand.is_open

    space_services.reserve_vacancy(demand, vacancy.pk, actor=officer, vacancies=Vacancy.objects.visible_to(officer))
    vacancy.refresh_from_db()
    assert vacancy.status == Vacancy.Status.RESERVED and vacancy.taken_by_project == project
    other = SpaceDemandFactory(project=project)
    with pytest.raises(ValidationError):
        space_services.reserve_vacancy(other, vacancy.pk, actor=officer,
                                       vacancies=Vacancy.objects.visible_to(officer))
    assert SpaceDemand.objects.get(pk=other.pk).is_open


def test_a_statistician_cannot_change_a_units_status_or_register_a_demand(street, officer, statistician):
    vacancy = VacancyFactory(park=ParkFactory(street=street))
    with pytest.raises(PermissionDenied):
        space_services.set_vacancy_status(vacancy, Vacancy.Status.TAKEN, actor=statistician)
    assert Vacancy.objects.get(pk=vacancy.pk).status == Vacancy.Status.AVAILABLE
    project = ProjectFactory(street=street, officer=officer)
    with pytest.raises(PermissionDenied):
        space_services.register_demand(actor=statistician, street_id=street.pk, project=project,
                                       space_type="factory", area=Decimal("1200"))
    assert not SpaceDemand.objects.filter(project=project).exists()


def test_event_participants_and_targets_check_the_actor(street, officer, statistician, manager):
    event = EventFactory(street=street)
    project = ProjectFactory(street=street, officer=officer)
    with pytest.raises(PermissionDenied):
        event_services.add_project(event, project.pk, actor=statistician)
    assert not event.projects.exists()
    event_services.add_project(event, project.pk, actor=officer)
    assert list(event.projects.all()) == [project]

    target = TargetFactory(street=street, year=2026, metric="signed_10")
    with pytest.raises(PermissionDenied):
        target_services.delete_target(target, actor=officer)
    assert Target.objects.filter(pk=target.pk).exists()
    target_services.delete_target(target, actor=manager)
    assert not Target.objects.filter(pk=target.pk).exists()
