"""Issue 21 on a 390 px phone: the officer ticks 采购 on the visit form, the need's inputs appear under it, the visit
records the need and opens its ranked local suppliers; a 对接会's outcome page fits the screen. Screenshots go to
test-artifacts/e2e/."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ARGS, ARTIFACTS, CHROMIUM  # noqa: F401
from tests.e2e.test_phone_screens import PHONE, fits_the_screen  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_officer_records_a_purchasing_need_during_a_visit_on_a_phone(open_as, officer):
    from matchmaking.models import Need
    from tests.matchmaking.factories import EnterpriseFactory, ProductFactory

    from enterprises.models import IndustryCategory

    # Reference rows the migrations load, which an earlier transactional test's flush may have removed.
    IndustryCategory.objects.get_or_create(code="3311", defaults={
        "name": "金属结构制造", "level": IndustryCategory.Level.CLASS, "section": "C"})
    firm = EnterpriseFactory(street=officer.street, name="深圳市马田精密电子元器件制造有限公司")
    ProductFactory(enterprise=EnterpriseFactory(street=officer.street, name="马田模具钢供应商"), industry_code="3311")
    page = open_as(officer)
    page.goto(f"/enterprises/visits/new/?enterprise={firm.pk}")
    what = page.locator("input[name=topic_purchasing_what]")
    assert not what.is_visible()  # hidden until the topic is ticked
    page.check("input[name=topics][value=purchasing]")
    assert what.is_visible()
    fits_the_screen(page, "visit-need-form")
    what.fill("模具钢")
    page.fill("input[name=topic_purchasing_industry]", "3311")
    with page.expect_navigation():  # the visit's POST, then the landing on the need's suppliers
        page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    need = Need.objects.get()
    assert page.url.endswith(f"/matchmaking/needs/{need.pk}/")
    assert page.locator("text=马田模具钢供应商").is_visible()
    fits_the_screen(page, "visit-need-suppliers")


def test_the_event_outcome_page_fits_a_phone(open_as, officer):
    from matchmaking import services
    from pipelines.models import Event
    from tests.matchmaking.factories import EnterpriseFactory, NeedFactory
    from tests.pipelines.factories import EventFactory

    event = EventFactory(street=officer.street, kind=Event.Kind.MATCHMAKING, title="马田街道2026年产销对接会")
    need = NeedFactory(enterprise=EnterpriseFactory(street=officer.street, name="深圳市马田采购方电子科技有限公司"))
    supplier = EnterpriseFactory(street=officer.street, name="深圳市马田精密电子元器件制造有限公司")
    services.invite_to_event(officer, event, need, supplier)
    intro = services.introduce(officer, need=need, party_a=need.enterprise, party_b=supplier, event=event)
    services.record_outcome(officer, intro, "signed", "1200")
    page = open_as(officer)
    page.goto(f"/matchmaking/events/{event.pk}/")
    page.click("text=登记到会 >> nth=0")
    page.wait_for_load_state("networkidle")
    assert page.locator("text=已到会").first.is_visible()
    fits_the_screen(page, "event-outcomes")
