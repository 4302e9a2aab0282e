"""Main journeys in a real browser, at phone and desktop sizes, with a screenshot of each step."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("who, marker", [
    ("officer", "走访企业"), ("statistician", "导入统计局名录"), ("manager", "诉求办理时效"),
    ("department_user", "本部门收到的转办诉求"),
])
def test_each_role_signs_in_and_sees_its_home_page(request, page, login, who, marker):
    user = request.getfixturevalue(who)
    login(user)
    assert "/login/" not in page.url
    assert marker in page.content()
    page.shot(f"home-{who}")
    # CSP must not have blocked anything the page needs.
    assert not [e for e in page.js_errors if "Content Security Policy" in e or "Refused" in e], page.js_errors


def test_a_wrong_password_is_refused_in_chinese(page, officer):
    page.goto("/login/")
    page.fill("input[name=username]", officer.username)
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/login/" in page.url
    page.shot("refused")
