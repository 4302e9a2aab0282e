"""The enterprise list searches as you type: the search box asks for the rows only (htmx), and gets only the
matching firms of the user's street."""

import pytest
from django.urls import reverse

from tests.enterprises.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


def test_typing_in_the_search_box_returns_the_matching_rows_only(client_for, officer, other_street):
    hit = EnterpriseFactory(street=officer.street, name="深圳市即搜即得科技有限公司")
    miss = EnterpriseFactory(street=officer.street, name="深圳市毫不相干五金有限公司")
    elsewhere = EnterpriseFactory(street=other_street, name="深圳市即搜即得玉塘分公司")
    response = client_for(officer).get(reverse("enterprises:list"), {"q": "即搜即得"},
                                       HTTP_HX_REQUEST="true", HTTP_HX_TARGET="ent-rows")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html  # rows for #ent-rows, not a whole page inside the table
    assert hit.name in html and miss.name not in html and elsewhere.name not in html


def test_the_search_box_is_wired_for_search_as_you_type(client_for, officer):
    html = client_for(officer).get(reverse("enterprises:list")).content.decode()
    assert 'hx-target="#ent-rows"' in html and "delay:300ms" in html


def test_a_plain_request_still_gets_the_whole_page(client_for, officer):
    html = client_for(officer).get(reverse("enterprises:list"), {"q": "x"}).content.decode()
    assert "<html" in html


def test_wrong_role_cannot_search(client_for, department_user):
    assert client_for(department_user).get(reverse("enterprises:list"), {"q": "x"}, HTTP_HX_REQUEST="true",
                                           HTTP_HX_TARGET="ent-rows").status_code == 403
