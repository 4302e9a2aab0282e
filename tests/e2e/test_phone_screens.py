"""Phone-width (390 px) checks that would have caught each phone point of issue 17: no page wider than the
screen, list rows read as cards whose firm name is not wrapped one character per line and whose one action is a
button (not "记录走访" running vertically), the enterprise list's 挂点 on screen, search as you type, tel: links;
and the same lists still a table on a desktop. Screenshots go to test-artifacts/e2e/."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ARGS, ARTIFACTS, CHROMIUM, SIZES  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True)]

PHONE = SIZES["phone"]
DESKTOP = SIZES["desktop"]
LONG_NAME = "深圳市光明区马田街道合水口社区精密电子元器件制造有限公司"


@pytest.fixture
def street_data(db, officer, department_user):
    """A firm with a long name liaised by the officer and due a visit, with a contact phone, and an appeal of
    it transferred to the department handler."""
    from appeals import services
    from tests.appeals.factories import at
    from tests.enterprises.factories import ContactFactory, EnterpriseFactory, LiaisonFactory

    from enterprises.models import VisitRule
    from tests.enterprises.factories import VisitRuleFactory

    services.ensure_categories()
    services.ensure_default_policy()
    VisitRuleFactory(kind=VisitRule.ASSIGNED)  # reference rows a transactional test's flush removes
    firm = EnterpriseFactory(street=officer.street, name=LONG_NAME, address="光明区马田街道合水口社区工业路1号")
    LiaisonFactory(enterprise=firm, officer=officer)
    ContactFactory(enterprise=firm, phone="13812345678")
    # Long badges that do not wrap: what pushed the 挂点 column off-screen.
    from django.utils import timezone

    from enterprises.models import Classification
    from tests.enterprises.factories import ClassificationFactory

    ClassificationFactory(enterprise=firm, year=timezone.localdate().year)
    ClassificationFactory(enterprise=firm, kind=Classification.Kind.POOL, year=None,
                          category="sishang_candidate")
    for i in range(3):
        EnterpriseFactory(street=officer.street, name=f"深圳市手机测试{i}号贸易有限公司")
    from appeals.models import AppealCategory

    appeal = services.create_appeal(enterprise=firm, category=AppealCategory.objects.get(code="other"),
                                    description="厂房屋顶漏水，需协调业主尽快维修，影响生产", officer=officer,
                                    actor=officer, at=at(2026, 2, 13, 10))
    services.transfer(appeal, actor=officer, department=department_user.department, at=at(2026, 2, 13, 11))
    return {"firm": firm, "appeal": appeal}


def fits_the_screen(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"phone-{name}.png"), full_page=True)
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: page is {width}px wide on a {PHONE['width']}px screen"


def card_title_is_readable(page, name: str) -> None:
    """The first row's name is laid out on the card's width: far wider than a couple of characters."""
    box = page.locator("table.cardlist tbody tr td.card-title").first.bounding_box()
    assert box is not None, f"{name}: no card title"
    assert box["width"] > 200, f"{name}: the name column is {box['width']:.0f}px wide (one character per line)"


def action_is_a_button(page, name: str) -> None:
    box = page.locator("table.cardlist tbody tr td.card-action a, table.cardlist tbody tr td.card-action button"
                       ).first.bounding_box()
    assert box is not None, f"{name}: no action"
    assert box["width"] > box["height"] * 2 and box["height"] < 60, f"{name}: the action runs vertically ({box})"


def test_officer_lists_read_as_cards_on_a_phone(open_as, officer, street_data):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = open_as(officer)
    for path, name, has_action in (("/", "home", True), ("/appeals/", "appeals", False),
                                   ("/enterprises/due/", "due", True), ("/enterprises/", "enterprises", False),
                                   ("/notifications/", "inbox", False), ("/enterprises/visits/", "visits", False)):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        fits_the_screen(page, f"officer-{name}")
        if page.locator("table.cardlist tbody tr td.card-title").count():
            card_title_is_readable(page, name)
        if has_action:
            action_is_a_button(page, name)
    # The one action of a due firm reads as a button on the due list and on the home page.
    page.goto("/enterprises/due/")
    assert LONG_NAME in page.locator("table.cardlist").inner_text()


def test_the_enterprise_lists_liaison_is_on_screen(open_as, manager, street_data):
    """The manager's list has the most columns (a checkbox to assign liaisons first)."""
    page = open_as(manager)
    page.goto("/enterprises/")
    page.wait_for_load_state("networkidle")
    cell = page.locator("table.cardlist tbody tr").first.locator("td[data-label='挂点']")
    assert cell.count() == 1
    box = cell.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    fits_the_screen(page, "manager-enterprises")


def test_the_enterprise_list_searches_as_you_type(open_as, officer, street_data):
    page = open_as(officer)
    page.goto("/enterprises/")
    page.locator("input[name=q]").first.press_sequentially("手机测试1", delay=30)
    page.wait_for_function("() => !document.querySelector('#ent-rows').innerText.includes('精密电子元器件')")
    rows = page.locator("#ent-rows").inner_text()
    assert "深圳市手机测试1号贸易有限公司" in rows and "深圳市手机测试2号" not in rows
    assert page.locator("#ent-rows .shell-header, #ent-rows h2").count() == 0  # rows only, not a page in a page
    # Swapped rows are labelled for the cards too (lists.js labels them on htmx:load, just after the swap settles).
    page.wait_for_selector("#ent-rows td[data-label]", timeout=5_000)
    assert page.locator("#ent-rows td[data-label]").count() > 0
    assert page.url.endswith("q=%E6%89%8B%E6%9C%BA%E6%B5%8B%E8%AF%951") or "q=" in page.url
    fits_the_screen(page, "officer-enterprise-search")


def test_department_queue_and_home_read_as_cards_on_a_phone(open_as, department_user, street_data):
    page = open_as(department_user)
    for path, name in (("/", "department-home"), ("/appeals/queue/", "department-queue"),
                       ("/appeals/", "department-appeals")):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        fits_the_screen(page, name)
        card_title_is_readable(page, name)
    page.goto("/")
    action_is_a_button(page, "department-home")


def test_a_firms_phone_is_tap_to_call_and_its_address_opens_the_map(open_as, officer, street_data):
    page = open_as(officer)
    page.goto(f"/enterprises/{street_data['firm'].pk}/")
    assert page.locator("a[href='tel:13812345678']").count() == 1
    assert page.locator("a.map-link[href^='geo:']").count() == 1
    fits_the_screen(page, "officer-enterprise-360")


def test_lists_stay_tables_on_a_desktop(open_as, officer, street_data):
    page = open_as(officer, DESKTOP)
    page.goto("/appeals/")
    page.wait_for_load_state("networkidle")
    assert page.locator("table.cardlist thead").is_visible()
    assert page.evaluate("getComputedStyle(document.querySelector('table.cardlist')).display") == "table"
    page.screenshot(path=str(ARTIFACTS / "desktop-officer-appeals.png"), full_page=True)
