"""Demo data a real officer believes: office hours, one name per credit code, an inbox that reads line by line,
and the 区级领导 login of the demo working."""

from collections import Counter

import pytest
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    from appeals import demo as appeals_demo
    from crm import demo as crm_demo
    from enterprises import demo as enterprises_demo
    from namelists import demo as namelists_demo

    org = crm_demo.load()
    enterprises_demo.load()
    namelists_demo.load()
    appeals_demo.load()
    return org


def test_demo_appeals_arrive_in_office_hours_on_weekdays(demo):
    from appeals.models import Appeal

    received = [timezone.localtime(a) for a in Appeal.objects.values_list("received_at", flat=True)]
    assert len(received) == 120
    assert [r for r in received if not (9 <= r.hour < 17) or r.weekday() >= 5] == []


def test_one_firm_name_has_one_credit_code(demo):
    from enterprises.models import Enterprise

    assert Enterprise.objects.count() >= 180
    repeated = (Enterprise.objects.values("name").annotate(codes=Count("uscc", distinct=True))
                .filter(codes__gt=1).values_list("name", flat=True))
    assert list(repeated) == []


def test_the_inbox_names_the_firm_and_does_not_repeat_one_line(demo):
    from crm.models import Notification

    titles = Counter(Notification.objects.values_list("recipient__username", "title"))
    assert sum(titles.values()) > 50
    assert [t for t, n in titles.items() if n > 2] == []
    assert not Notification.objects.filter(title__contains="【演示】").exists()


def test_the_demo_district_login_is_a_read_only_district_leader_whose_pages_open(demo, client):
    from crm.models import Role
    from crm.registry import registry

    user = demo["users"]["district"]
    assert user.role == Role.DISTRICT and user.street is None
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 200
    for item in registry.nav_for(user):
        assert client.get(reverse(item.url_name)).status_code in (200, 302), item.url_name
