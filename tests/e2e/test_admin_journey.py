"""The administrator's journey in a real browser, at phone and desktop sizes: a real district is set up from its
division code (no demo), an officer account is created in the admin, and that officer signs in to a home page
that names their own street."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_administrator_sets_up_a_district_and_its_first_officer_signs_in(page, login, admin_user):
    from crm.models import Role, Street, User

    assert not Street.objects.exists()
    call_command("load_divisions", "440311", stdout=io.StringIO())  # the README's first step for a real office
    matian = Street.objects.get(name="马田街道")
    assert len(matian.code) >= 9 and matian.communities.exists()

    login(admin_user)
    page.goto("/admin/crm/user/add/")
    page.shot("1-add-user")
    page.fill("input[name=username]", "new_officer")
    usable = page.locator("input[name=usable_password][value=true]")
    if usable.count():  # Django 5.1+ asks whether the account may sign in with a password
        usable.check()
    page.fill("input[name=password1]", "Pass-word-123")
    page.fill("input[name=password2]", "Pass-word-123")
    page.select_option("select[name=role]", Role.OFFICER)
    page.select_option("select[name=street]", str(matian.pk))
    with page.expect_navigation():
        page.click("input[name=_save]")
    page.shot("2-user-created")
    created = User.objects.get(username="new_officer")
    assert created.role == Role.OFFICER and created.street_id == matian.pk

    page.context.clear_cookies()
    login(created)
    assert "/login/" not in page.url
    assert page.locator("header, nav, main").first.is_visible()
    assert "马田街道" in page.locator("body").inner_text()
    page.shot("3-officer-home")
    assert not [e for e in page.js_errors if "Content Security Policy" in e or "Refused" in e], page.js_errors
