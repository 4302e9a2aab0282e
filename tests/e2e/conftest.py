"""Real-browser tests: Playwright driving Debian's Chromium (never a downloaded browser) against
pytest-django's live server. Select them with `-m e2e`; skipped with a reason when /usr/bin/chromium is absent
(.ci/run installs it). Screenshots of every step go to test-artifacts/e2e/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}
PHONE = SIZES["phone"]



def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: real-browser test (Playwright + Debian Chromium)")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="module")  # torn down with the module, and the env variable with it
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (.ci/run installs Debian's chromium); e2e tests skipped")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed")
    # Playwright's sync API runs an event loop in this thread, from which the tests also write their data.
    # Only while the browser runs: other tests' subprocesses must not inherit it.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    # A plain launch gives Chromium a fresh temporary profile (user-data dir) that Playwright deletes after.
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(params=list(SIZES), ids=list(SIZES))
def page(request, browser, live_server):
    size = request.param
    context = browser.new_context(viewport=SIZES[size], locale="zh-CN", base_url=live_server.url)
    context.set_default_timeout(15_000)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.size_name = size
    pg.js_errors = errors
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.shot = lambda step: pg.screenshot(path=str(ARTIFACTS / f"{request.node.originalname}-{size}-{step}.png"),
                                         full_page=True)
    yield pg
    context.close()


@pytest.fixture
def login(page):
    def do(user, password="Pass-word-123"):
        page.goto("/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", password)
        page.shot(f"login-{user.role}")
        page.click("button[type=submit], input[type=submit]")
        page.wait_for_load_state("networkidle")
        return page

    return do


@pytest.fixture
def open_as(browser, live_server):
    """open_as(user, size=PHONE) → a page signed in as that user in a fresh browser context (closed afterwards)."""
    contexts = []

    def do(user, size=PHONE):
        context = browser.new_context(viewport=size, locale="zh-CN", base_url=live_server.url)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.goto("/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", "Pass-word-123")
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        return page

    yield do
    for context in contexts:
        context.close()
