"""The district role (区级领导) reads every street's pipeline and changes nothing; confidential names stay masked."""

import pytest
from django.urls import reverse

from crm.models import Role
from tests.crm.factories import UserFactory
from tests.pipelines.factories import ParkFactory, ProjectFactory, VacancyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def district_user(db):
    return UserFactory(role=Role.DISTRICT, street=None, username="district_leader")


def test_the_district_role_reads_every_streets_pipeline(client_for, district_user, street, other_street):
    theirs = ProjectFactory(street=other_street, name="玉塘公开项目")
    client = client_for(district_user)
    for name in ("pipelines:board", "pipelines:project_list", "pipelines:dashboard", "pipelines:vacancy_list",
                 "pipelines:event_list"):
        assert client.get(reverse(name), {"street": other_street.pk}).status_code == 200, name
    assert theirs.name in client.get(reverse("pipelines:project_list"), {"street": other_street.pk}).content.decode()
    assert client.get(reverse("pipelines:project_detail", args=[theirs.pk])).status_code == 200


def test_the_district_role_writes_nothing_and_reads_保密项目(client_for, district_user, street):
    secret = ProjectFactory(street=street, confidential=True, name="区级不可见保密项目")
    VacancyFactory(park=ParkFactory(street=street), status="reserved", taken_by_project=secret)
    client = client_for(district_user)
    assert client.get(reverse("pipelines:project_create")).status_code == 403
    assert client.post(reverse("pipelines:project_edit", args=[secret.pk]), {"name": "x"}).status_code == 403
    assert client.get(reverse("pipelines:project_detail", args=[secret.pk])).status_code == 404
    body = client.get(reverse("pipelines:vacancy_list"), {"status": "reserved", "street": street.pk}).content.decode()
    assert secret.name not in body and "保密项目" in body
