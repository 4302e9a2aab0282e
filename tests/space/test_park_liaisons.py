"""园区包干: a park's responsible officer serves its current and future tenants in liaison coverage.

Park-derived rows (`LiaisonAssignment.via_park`) are created and ended set-based when the park changes officer, when a
firm moves in or out (firm form), after a committed name-list import, and by the nightly reconcile. A firm's own
hand-made assignments are never ended or duplicated.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from crm.models import Role
from enterprises.models import Enterprise, LiaisonAssignment
from enterprises.selectors.coverage import uncovered_firms
from enterprises.services import liaison
from enterprises.services.registry import create_enterprise, update_enterprise
from enterprises.tasks import reconcile_park_liaisons
from space.services.parks import update_park
from tests.crm.factories import UserFactory
from tests.enterprises.factories import make_uscc
from tests.space.factories import ClassificationFactory, EnterpriseFactory, ParkFactory

pytestmark = pytest.mark.django_db


def open_park_rows(**filters):
    return LiaisonAssignment.objects.filter(via_park__isnull=False, end_date__isnull=True, **filters)


@pytest.fixture
def park(street):
    return ParkFactory(street=street, name="包干园区")


@pytest.fixture
def tenants(park, street):
    active = [EnterpriseFactory(street=street, park=park) for _ in range(3)]
    EnterpriseFactory(street=street, park=park, status=Enterprise.Status.MOVED_OUT)
    EnterpriseFactory(street=street)  # not in the park
    return active


@pytest.fixture
def second_officer(street):
    return UserFactory(role=Role.OFFICER, street=street, username="officer_mt2")


def test_assigning_a_park_covers_its_active_tenants(park, tenants, officer):
    update_park(actor=officer, park=park, data={"officer": officer})
    rows = open_park_rows(via_park=park)
    assert sorted(rows.values_list("enterprise_id", flat=True)) == sorted(e.pk for e in tenants)
    assert set(rows.values_list("officer_id", "team_role", "start_date", "created_by_id")) == {
        (officer.pk, LiaisonAssignment.TeamRole.SERVICE_OFFICER, timezone.localdate(), officer.pk)}
    # History is written for the set-based insert too: who served when stays answerable.
    assert LiaisonAssignment.history.filter(via_park=park, history_type="+").count() == 3


def test_park_rows_count_in_liaison_coverage(park, tenants, officer, manager):
    for firm in tenants:
        ClassificationFactory(enterprise=firm, kind="sishang", year=timezone.localdate().year)
    uncovered = {e.pk for e in uncovered_firms(manager, kind="sishang")}
    assert uncovered >= {e.pk for e in tenants}
    update_park(actor=officer, park=park, data={"officer": officer})
    uncovered = {e.pk for e in uncovered_firms(manager, kind="sishang")}
    assert not uncovered & {e.pk for e in tenants}
    # The park's set-based insert refreshed the firms' derived coverage flag, which the coverage pages read.
    assert Enterprise.objects.filter(pk__in=[e.pk for e in tenants], covered=True).count() == 3
    update_park(actor=officer, park=park, data={"officer": None})
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    from enterprises.services.standing import refresh_standing

    refresh_standing(on=tomorrow)  # the rows end today: the nightly refresh uncovers them for the new day
    assert not Enterprise.objects.filter(pk__in=[e.pk for e in tenants], covered=True).exists()


def test_changing_the_officer_hands_over_and_keeps_hand_made_rows(park, tenants, officer, second_officer):
    own = LiaisonAssignment.objects.create(enterprise=tenants[0], officer=officer, start_date=dt.date(2024, 1, 1))
    update_park(actor=officer, park=park, data={"officer": officer})
    # tenants[0] already had the officer by hand: no park row beside it.
    assert sorted(open_park_rows(via_park=park).values_list("enterprise_id", flat=True)) == sorted(
        e.pk for e in tenants[1:])
    update_park(actor=officer, park=park, data={"officer": second_officer})
    assert set(open_park_rows(via_park=park).values_list("officer_id", flat=True)) == {second_officer.pk}
    assert open_park_rows(via_park=park).count() == 3
    ended = LiaisonAssignment.objects.filter(via_park=park, officer=officer)
    assert ended.count() == 2 and all(r.end_date == timezone.localdate() for r in ended)
    own.refresh_from_db()
    assert own.end_date is None and own.via_park_id is None  # the firm's own assignment is untouched


def test_clearing_the_officer_ends_the_park_rows(park, tenants, officer):
    update_park(actor=officer, park=park, data={"officer": officer})
    update_park(actor=officer, park=park, data={"officer": None})
    assert not open_park_rows(via_park=park).exists()
    assert LiaisonAssignment.objects.filter(via_park=park).count() == 3  # ended, not deleted


def test_a_firm_moving_in_or_out_through_the_firm_form_follows(park, tenants, officer, street):
    update_park(actor=officer, park=park, data={"officer": officer})
    newcomer = EnterpriseFactory(street=street)
    update_enterprise(newcomer, actor=officer, park=park)
    assert open_park_rows(enterprise=newcomer, officer=officer).exists()
    update_enterprise(tenants[0], actor=officer, park=None)
    assert not open_park_rows(enterprise=tenants[0]).exists()
    update_enterprise(tenants[1], actor=officer, status=Enterprise.Status.DEREGISTERED)
    assert not open_park_rows(enterprise=tenants[1]).exists()


def test_a_firm_moving_to_another_park_changes_officer(park, tenants, officer, second_officer, street):
    other = ParkFactory(street=street, name="另一园区", officer=second_officer)
    update_park(actor=officer, park=park, data={"officer": officer})
    update_enterprise(tenants[0], actor=officer, park=other)
    assert list(open_park_rows(enterprise=tenants[0]).values_list("officer_id", "via_park_id")) == [
        (second_officer.pk, other.pk)]


def test_a_new_firm_registered_in_a_park_is_covered(park, officer, street):
    update_park(actor=officer, park=park, data={"officer": officer})
    firm = create_enterprise(actor=officer, uscc=make_uscc(987_654), name="新入驻企业", street=street, park=park)
    assert open_park_rows(enterprise=firm, officer=officer, via_park=park).exists()


def test_reconcile_fixes_drift_set_based_and_is_idempotent(park, tenants, officer, street, django_assert_max_num_queries):
    update_park(actor=officer, park=park, data={"officer": officer})
    # Writes that bypass the services (admin, bulk UPDATE): one firm leaves, two arrive.
    Enterprise.objects.filter(pk=tenants[0].pk).update(park=None)
    arrivals = [EnterpriseFactory(street=street) for _ in range(2)]
    Enterprise.objects.filter(pk__in=[e.pk for e in arrivals]).update(park=park)
    with django_assert_max_num_queries(8):  # whatever the number of firms
        result = reconcile_park_liaisons()
    assert result == {"created": 2, "ended": 1}
    assert sorted(open_park_rows(via_park=park).values_list("enterprise_id", flat=True)) == sorted(
        [e.pk for e in tenants[1:]] + [e.pk for e in arrivals])
    assert reconcile_park_liaisons() == {"created": 0, "ended": 0}


def test_an_inactive_officer_covers_nobody(park, tenants, officer):
    update_park(actor=officer, park=park, data={"officer": officer})
    type(officer).objects.filter(pk=officer.pk).update(is_active=False)
    assert liaison.sync_park_liaisons().ended == 3
    assert not open_park_rows().exists()


def test_park_rows_change_with_the_park_not_by_hand(park, tenants, officer, second_officer):
    update_park(actor=officer, park=park, data={"officer": officer})
    row = open_park_rows(enterprise=tenants[0]).get()
    with pytest.raises(ValidationError):
        liaison.end_assignment(row, actor=officer)
    # A hand-over by bulk assignment adds the new person but leaves the park's officer in place.
    liaison.assign([tenants[0]], officer=second_officer, team_role="service_officer", actor=officer, replace=True)
    row.refresh_from_db()
    assert row.end_date is None


def test_deleting_a_park_ends_its_rows(park, tenants, officer):
    update_park(actor=officer, park=park, data={"officer": officer})
    park.delete()
    assert not LiaisonAssignment.objects.filter(end_date__isnull=True, enterprise__in=tenants).exists()


def test_a_committed_import_reconciles_after_commit(park, tenants, officer, django_capture_on_commit_callbacks):
    from enterprises.signals import _reconcile_park_liaisons_after_import

    update_park(actor=officer, park=park, data={"officer": officer})
    Enterprise.objects.filter(pk=tenants[0].pk).update(status=Enterprise.Status.MOVED_OUT)  # as an import writes
    batch = type("Batch", (), {"status": "committed", "list_kind": "sishang"})()
    with django_capture_on_commit_callbacks(execute=True):
        _reconcile_park_liaisons_after_import(sender=None, instance=batch)
    assert not open_park_rows(enterprise=tenants[0]).exists()
    assert open_park_rows(via_park=park).count() == 2


def test_the_park_form_assigns_and_explains_it(park, tenants, officer, client_for):
    from django.urls import reverse

    client = client_for(officer)
    assert "园区包干" in client.get(reverse("space:park_edit", args=[park.pk])).content.decode()
    response = client.post(reverse("space:park_edit", args=[park.pk]), {
        "kind": park.kind, "managed_status": park.managed_status, "officer": officer.pk})
    assert response.status_code == 302
    assert open_park_rows(via_park=park, officer=officer).count() == 3
    assert "挂点服务全部在园企业" in client.get(reverse("space:park_detail", args=[park.pk])).content.decode()


def test_the_new_officer_is_told_once(park, tenants, manager, officer):
    from crm.models import Notification

    update_park(actor=manager, park=park, data={"officer": officer})
    note = Notification.objects.get(recipient=officer, kind="space.park_officer")
    assert "包干园区" in note.title and "3 家在园企业" in note.body
    update_park(actor=manager, park=park, data={"theme": "新材料"})  # no officer change: nothing new
    assert Notification.objects.filter(recipient=officer).count() == 1
    update_park(actor=officer, park=park, data={"officer": None})
    update_park(actor=officer, park=park, data={"officer": officer})  # naming oneself: no message to oneself
    assert Notification.objects.filter(recipient=officer).count() == 1
