"""Phone-width (390 px) checks for the space pages this branch changed: the industry map with its cluster select, and
a 招商 project page with the "创建其固投项目" section. Screenshots go to test-artifacts/e2e/."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.e2e.test_phone_screens import PHONE, fits_the_screen  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_the_map_with_its_cluster_measure_fits_a_phone(open_as, officer):  # noqa: F811
    from enterprises.models import Cluster
    from tests.space.factories import EnterpriseFactory, ParkFactory

    cluster, _ = Cluster.objects.get_or_create(code="e2e-chips", defaults={"name": "半导体与集成电路"})
    park = ParkFactory(street=officer.street, name="合水口科技园", longitude=Decimal("113.93"),
                       latitude=Decimal("22.77"))
    EnterpriseFactory(street=officer.street, park=park).clusters.add(cluster)
    page = open_as(officer)
    page.goto(f"/space/map/?measure=cluster&cluster={cluster.pk}")
    page.wait_for_load_state("networkidle")
    assert page.locator("select[name=cluster]").is_visible()
    assert page.locator("#sp-map canvas").count() >= 1  # ECharts drew
    fits_the_screen(page, "space-map-cluster")


def test_a_project_in_construction_offers_its_fai_project_on_a_phone(open_as, officer):  # noqa: F811
    from pipelines.models import Stage
    from tests.pipelines.factories import ProjectFactory

    project = ProjectFactory(street=officer.street, stage=Stage.CONSTRUCTION, officer=officer)
    page = open_as(officer)
    page.goto(f"/pipelines/projects/{project.pk}/")
    button = page.get_by_role("button", name="创建其固投项目")
    assert button.is_visible()
    fits_the_screen(page, "pipeline-project-fai-section")
    button.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("form").count() >= 1 and "/space/investment/new/" in page.url
