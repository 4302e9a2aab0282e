"""Renewal projects: delivered area counts toward its target; an overdue milestone reminds its officer once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from crm.models import Notification, Role
from pipelines.metrics import METRICS, Scope, compute
from space.models import RenewalMilestone, RenewalProject
from space.services.renewal import send_overdue_reminders
from tests.crm.factories import UserFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 15)


@pytest.fixture
def project(street, officer):
    return RenewalProject.objects.create(street=street, name="某旧工业区工改工", kind=RenewalProject.Kind.INDUSTRIAL,
                                         area=Decimal("80000"), year_area_target=Decimal("50000"), officer=officer,
                                         status=RenewalProject.Status.ACTIVE)


def test_delivered_area_counts_toward_the_target_in_its_period(project, street):
    RenewalMilestone.objects.create(project=project, name="一期交付", planned_on=dt.date(2026, 3, 1),
                                    actual_on=dt.date(2026, 3, 20), delivered_area=Decimal("30000"))
    RenewalMilestone.objects.create(project=project, name="二期交付", planned_on=dt.date(2026, 9, 1))  # not done
    RenewalMilestone.objects.create(project=project, name="前期", planned_on=dt.date(2025, 9, 1),
                                    actual_on=dt.date(2025, 12, 1), delivered_area=Decimal("999"))  # last year
    assert not METRICS["renewal_delivered_area"].manual
    result = compute("renewal_delivered_area", Scope(street_id=street.pk), dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert result.value == Decimal("30000")
    assert list(result.rows) == [project]
    q2 = compute("renewal_delivered_area", Scope(street_id=street.pk), dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    assert q2.value == 0


def test_overdue_milestone_reminds_once(project, officer):
    late = RenewalMilestone.objects.create(project=project, name="拆除完成", planned_on=dt.date(2026, 6, 1))
    RenewalMilestone.objects.create(project=project, name="未到期", planned_on=dt.date(2026, 7, 1))
    RenewalMilestone.objects.create(project=project, name="已完成", planned_on=dt.date(2026, 5, 1),
                                    actual_on=dt.date(2026, 5, 2))
    assert send_overdue_reminders(TODAY) == 1
    assert send_overdue_reminders(TODAY) == 0
    note = Notification.objects.get(recipient=officer)
    assert "拆除完成" in note.title and str(late.pk) in note.key


def test_suspended_project_does_not_remind(project):
    project.status = RenewalProject.Status.SUSPENDED
    project.save()
    RenewalMilestone.objects.create(project=project, name="拆除完成", planned_on=dt.date(2026, 6, 1))
    assert send_overdue_reminders(TODAY) == 0


def test_renewal_page_right_and_wrong_role(project, street, other_officer, department_user, client_for):
    district = UserFactory(role=Role.DISTRICT, street=None)
    response = client_for(district).get(reverse("space:renewal_list"))
    assert response.status_code == 200 and list(response.context["projects"]) == [project]
    assert list(client_for(other_officer).get(reverse("space:renewal_list")).context["projects"]) == []
    assert client_for(department_user).get(reverse("space:renewal_list")).status_code == 403
