"""产业地图: parks placed by coordinates with the chosen measure, outlines validated, click target shows matches."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from space.models import MapOutline
from space.services.outlines import upload, validate_geojson
from tests.pipelines.factories import ProjectFactory
from tests.space.factories import EnterpriseFactory, ParkFactory, SpaceDemandFactory, VacancyFactory

pytestmark = pytest.mark.django_db

SQUARE = [[[113.9, 22.7], [114.0, 22.7], [114.0, 22.8], [113.9, 22.7]]]


def geojson(features=None) -> bytes:
    features = features if features is not None else [
        {"type": "Feature", "properties": {"name": "马田街道"}, "geometry": {"type": "Polygon", "coordinates": SQUARE}}]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def test_map_places_parks_with_coordinates_and_the_chosen_measure(street, officer, client_for):
    placed = ParkFactory(street=street, name="有坐标园", longitude=Decimal("113.93"), latitude=Decimal("22.77"))
    ParkFactory(street=street, name="无坐标园")
    VacancyFactory(park=placed, area=Decimal("1500"))
    EnterpriseFactory(street=street, park=placed)
    client = client_for(officer)
    data = client.get(reverse("space:park_map"), {"measure": "vacant_area"}).context["map_data"]
    assert [p["name"] for p in data["points"]] == ["有坐标园"]
    assert data["points"][0]["value"] == [113.93, 22.77, 1500.0]
    assert data["points"][0]["url"].startswith(reverse("space:park_detail", args=[placed.pk]))
    data = client.get(reverse("space:park_map"), {"measure": "tenants"}).context["map_data"]
    assert data["points"][0]["value"][2] == 1.0
    assert data["outline"] is None


def test_map_refused_to_department_and_hides_other_streets(street, other_officer, department_user, client_for):
    ParkFactory(street=street, longitude=Decimal("113.93"), latitude=Decimal("22.77"))
    assert client_for(department_user).get(reverse("space:park_map")).status_code == 403
    assert client_for(other_officer).get(reverse("space:park_map")).context["map_data"]["points"] == []


def test_admin_uploads_an_outline_and_the_map_draws_it(admin_user, officer, client_for):
    response = client_for(admin_user).post(reverse("space:outline_upload"), {
        "name": "光明区街道边界", "file": SimpleUploadedFile("b.geojson", geojson())})
    assert response.status_code == 302
    outline = MapOutline.objects.get()
    assert outline.features == 1
    data = client_for(officer).get(reverse("space:park_map")).context["map_data"]
    assert data["outline"]["features"][0]["properties"]["name"] == "马田街道"


@pytest.mark.parametrize("content, message", [
    (b"not json", "JSON"),
    (json.dumps({"type": "Feature"}).encode(), "FeatureCollection"),
    (geojson([{"type": "Feature", "properties": {"name": "x"}, "geometry": {"type": "Point", "coordinates": [1, 2]}}]),
     "Polygon"),
    (geojson([{"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": SQUARE}}]), "name"),
    (geojson([{"type": "Feature", "properties": {"name": "x"},
               "geometry": {"type": "Polygon", "coordinates": [[[500, 22], [1, 2], [1, 3]]]}}]), "范围"),
])
def test_bad_geojson_is_refused_with_a_reason(content, message):
    with pytest.raises(ValidationError) as exc:
        validate_geojson(content)
    assert message in " ".join(exc.value.messages)


def test_bad_upload_changes_nothing_and_only_admin_uploads(admin_user, manager, client_for):
    response = client_for(admin_user).post(reverse("space:outline_upload"), {
        "name": "坏文件", "file": SimpleUploadedFile("b.geojson", b"{}")})
    assert response.status_code == 200 and "FeatureCollection" in response.content.decode()
    assert not MapOutline.objects.exists()
    assert client_for(manager).get(reverse("space:outline_upload")).status_code == 403
    with pytest.raises(PermissionDenied):
        upload(actor=manager, name="x", street_id=None, content=geojson())


def test_park_page_lists_the_demands_its_vacancies_match(street, officer, client_for):
    park = ParkFactory(street=street, longitude=Decimal("113.93"), latitude=Decimal("22.77"))
    VacancyFactory(park=park, area=Decimal("2000"))
    fits = SpaceDemandFactory(project=ProjectFactory(street=street), area=Decimal("1800"))
    SpaceDemandFactory(project=ProjectFactory(street=street), area=Decimal("50000"))  # far too big for any unit here
    response = client_for(officer).get(reverse("space:park_detail", args=[park.pk]))
    assert [d["demand"].pk for d in response.context["demands"]] == [fits.pk]


def test_map_sizes_parks_by_their_tenants_in_a_chosen_cluster(street, officer, client_for):
    from enterprises.models import Cluster, Enterprise

    chips = Cluster.objects.create(code="test-chips", name="测试半导体集群")
    other = Cluster.objects.create(code="test-bio", name="测试生物医药集群")
    a = ParkFactory(street=street, name="甲园", longitude=Decimal("113.93"), latitude=Decimal("22.77"))
    b = ParkFactory(street=street, name="乙园", longitude=Decimal("113.95"), latitude=Decimal("22.78"))
    for firm in [EnterpriseFactory(street=street, park=a) for _ in range(3)]:
        firm.clusters.add(chips)
    EnterpriseFactory(street=street, park=a, status=Enterprise.Status.MOVED_OUT).clusters.add(chips)  # not a tenant
    EnterpriseFactory(street=street, park=b).clusters.add(other)
    EnterpriseFactory(street=street).clusters.add(chips)  # in no park
    response = client_for(officer).get(reverse("space:park_map"), {"measure": "cluster", "cluster": chips.pk})
    assert response.status_code == 200
    data = response.context["map_data"]
    assert {p["name"]: p["value"][2] for p in data["points"]} == {"甲园": 3.0, "乙园": 0.0}
    assert data["label"] == "测试半导体集群企业数"
    assert f'<option value="{chips.pk}" selected>' in response.content.decode()
    data = client_for(officer).get(reverse("space:park_map"), {"measure": "cluster", "cluster": other.pk}).context[
        "map_data"]
    assert {p["name"]: p["value"][2] for p in data["points"]} == {"甲园": 0.0, "乙园": 1.0}
