"""issue 15 §5: a street manager previewed and applied the district-wide recompute (another street's appeal and
deadlines in the preview, its clocks moved by the POST). Street users recompute their own street; the whole
district belongs to district-wide roles; an unknown reason is refused and nothing moves."""

import pytest
from django.urls import reverse

from appeals import services
from appeals.models import DeadlineMove, SlaClock, SlaPolicy
from crm.models import Role
from tests.appeals.factories import at, make_appeal
from tests.crm.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_streets(officer, other_officer):
    ours, theirs = make_appeal(officer=officer), make_appeal(officer=other_officer)
    # A policy change moves every open resolution clock by two working days.
    SlaPolicy.objects.filter(category=None, urgency="").update(resolution="5wd", version=2)
    return ours, theirs


def resolution_due(appeal):
    return SlaClock.objects.get(appeal=appeal, metric="resolution").due_at


def test_a_street_manager_previews_only_their_street(client_for, manager, two_streets):
    ours, theirs = two_streets
    page = client_for(manager).get(reverse("appeals:recompute")).content.decode()
    assert f"/appeals/{ours.pk}/" in page
    assert f"/appeals/{theirs.pk}/" not in page
    preview = services.preview_recompute(actor=manager)
    assert preview["changed"] == 1 and [s["appeal_id"] for s in preview["samples"]] == [ours.pk]


def test_a_street_manager_applies_only_their_street(client_for, manager, two_streets,
                                                    django_capture_on_commit_callbacks):
    ours, theirs = two_streets
    theirs_before = resolution_due(theirs)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(manager).post(reverse("appeals:recompute"), {"reason": "policy"})
    assert response.status_code == 302
    assert resolution_due(ours) == at(2026, 2, 27, 18)
    assert resolution_due(theirs) == theirs_before
    assert list(DeadlineMove.objects.values_list("appeal_id", flat=True)) == [ours.pk]


@pytest.mark.parametrize("who", ["admin", "district_manager"])
def test_district_wide_roles_recompute_every_street(client_for, admin_user, two_streets, who,
                                                    django_capture_on_commit_callbacks):
    user = admin_user if who == "admin" else UserFactory(role=Role.MANAGER, street=None, username="mgr_district")
    ours, theirs = two_streets
    page = client_for(user).get(reverse("appeals:recompute")).content.decode()
    assert f"/appeals/{ours.pk}/" in page and f"/appeals/{theirs.pk}/" in page
    with django_capture_on_commit_callbacks(execute=True):
        client_for(user).post(reverse("appeals:recompute"), {"reason": "calendar"})
    assert resolution_due(ours) == resolution_due(theirs) == at(2026, 2, 27, 18)


def test_an_unknown_reason_is_refused_and_nothing_moves(client_for, admin_user, two_streets,
                                                        django_capture_on_commit_callbacks):
    ours, theirs = two_streets
    before = (resolution_due(ours), resolution_due(theirs))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_for(admin_user).post(reverse("appeals:recompute"), {"reason": "whatever"}, follow=True)
    assert "重算原因“whatever”无效" in response.content.decode()
    assert not callbacks
    assert (resolution_due(ours), resolution_due(theirs)) == before and not DeadlineMove.objects.exists()
    with pytest.raises(services.WorkflowError, match="无效"):
        services.recompute_open_clocks(preview=False, reason="whatever")
    assert not DeadlineMove.objects.exists()


@pytest.mark.parametrize("role", [Role.OFFICER, Role.STATISTICIAN, Role.DISTRICT])
def test_roles_without_the_recompute_right_are_refused(role, street, two_streets):
    user = UserFactory(role=role, street=None if role == Role.DISTRICT else street, username=f"x_{role}")
    with pytest.raises(services.ActionNotAllowed):
        services.start_recompute(actor=user, reason="calendar")
    with pytest.raises(services.ActionNotAllowed):
        services.preview_recompute(actor=user)
