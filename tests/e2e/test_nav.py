"""The grouped menu in a real browser: at 1366 px the administrator's menu (every page, 26 of them) is one row of
group dropdowns, opened by mouse or keyboard, the open page's group marked; at 390 px the phone menu still opens
and leads to a page. Screenshots go to test-artifacts/e2e/nav-*.png."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ARTIFACTS, SIZES

pytestmark = [pytest.mark.django_db(transaction=True)]

PHONE = SIZES["phone"]
DESKTOP = SIZES["desktop"]


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"nav-{name}.png"))


def test_the_desktop_menu_is_one_row_of_groups(open_as, admin_user):
    page = open_as(admin_user, DESKTOP)
    page.goto("/appeals/dashboard/")
    page.wait_for_load_state("networkidle")
    bar = page.locator(".app-nav ul.nav-bar")
    tops = bar.evaluate("ul => Array.from(ul.children).map(li => Math.round(li.getBoundingClientRect().top))")
    assert len(set(tops)) == 1, f"the menu wraps onto {len(set(tops))} rows: {tops}"
    assert bar.evaluate("ul => ul.scrollWidth <= ul.clientWidth")
    assert page.locator(".app-nav").bounding_box()["height"] < 60
    assert page.locator(".app-nav .nav-group.current details").get_attribute("data-group") == "appeals"
    shot(page, "desktop-closed")

    # Mouse: a group opens below the bar with its pages; opening another closes the first.
    page.click(".app-nav details[data-group=space] > summary")
    space = page.locator(".app-nav details[data-group=space] ul")
    assert space.is_visible() and space.locator("a").count() >= 4
    shot(page, "desktop-space-open")
    page.click(".app-nav details[data-group=investment] > summary")
    assert page.locator(".app-nav details[data-group=investment] ul").is_visible()
    assert not space.is_visible()
    page.click("main")  # a click elsewhere closes it
    assert not page.locator(".app-nav details[open]").count()

    # Keyboard: Enter opens, Down walks the pages, Escape closes and gives the focus back to the title.
    page.focus(".app-nav details[data-group=enterprises] > summary")
    page.keyboard.press("Enter")
    assert page.locator(".app-nav details[data-group=enterprises]").get_attribute("open") is not None
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.closest('details') && "
                         "document.activeElement.closest('details').dataset.group") == "enterprises"
    assert page.evaluate("document.activeElement.tagName") == "A"
    page.keyboard.press("Escape")
    assert page.locator(".app-nav details[data-group=enterprises]").get_attribute("open") is None
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"

    # A page reached through a group marks that group.
    page.click(".app-nav details[data-group=enterprises] > summary")
    with page.expect_navigation():
        page.click(".app-nav details[data-group=enterprises] a[href='/enterprises/coverage/']")
    assert page.locator(".app-nav .nav-group.current details").get_attribute("data-group") == "enterprises"
    assert page.locator(".app-nav a[aria-current=page]").get_attribute("href") == "/enterprises/coverage/"
    assert page.evaluate("document.scrollingElement.scrollWidth") <= DESKTOP["width"]
    shot(page, "desktop-coverage")


def test_the_phone_menu_still_works(open_as, admin_user):
    page = open_as(admin_user, PHONE)
    page.goto("/")
    page.wait_for_load_state("networkidle")
    assert not page.locator(".app-nav").is_visible()
    page.click(".phone-only details > summary")
    menu = page.locator(".phone-menu")
    assert menu.is_visible()
    shot(page, "phone-menu-open")
    with page.expect_navigation():
        menu.locator("a[href='/space/parks/']").click()
    assert page.url.endswith("/space/parks/")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    shot(page, "phone-after-menu")


def test_the_desktop_menu_is_one_row_in_english_too(open_as, admin_user, live_server):
    """English titles are longer than Chinese ones: the bar still fits 1366 px."""
    page = open_as(admin_user, DESKTOP)
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto("/")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    bar = page.locator(".app-nav ul.nav-bar")
    tops = bar.evaluate("ul => Array.from(ul.children).map(li => Math.round(li.getBoundingClientRect().top))")
    assert len(set(tops)) == 1, f"the English menu wraps onto {len(set(tops))} rows: {tops}"
    assert "Enterprises" in bar.inner_text() and "企业" not in bar.inner_text()
    shot(page, "desktop-english")
