"""Phone numbers are tap-to-call links and a firm's address opens the phone's map app; a masked number is not
dialable and stays plain text."""

import pytest
from django.urls import reverse

from crm.templatetags.crm_ui import map_link, tel_link
from tests.enterprises.factories import ContactFactory, EnterpriseFactory

pytestmark = pytest.mark.django_db


def test_tel_link_dials_the_digits_and_leaves_masked_numbers_alone():
    assert tel_link("0755-2345 6789") == '<a href="tel:075523456789" class="tel-link">0755-2345 6789</a>'
    assert tel_link("138****5678") == "138****5678"
    assert tel_link("") == ""


def test_map_link_is_a_geo_query_and_escapes_the_address():
    assert map_link("光明区马田街道 1号<b>") == (
        '<a href="geo:0,0?q=%E5%85%89%E6%98%8E%E5%8C%BA%E9%A9%AC%E7%94%B0%E8%A1%97%E9%81%93%201%E5%8F%B7%3Cb%3E" '
        'class="map-link">光明区马田街道 1号&lt;b&gt;</a>')


def test_enterprise_page_has_tap_to_call_and_map_links_for_an_officer(client_for, officer):
    firm = EnterpriseFactory(street=officer.street, address="光明区马田街道合水口社区")
    ContactFactory(enterprise=firm, phone="13812345678")
    html = client_for(officer).get(reverse("enterprises:detail", args=[firm.pk])).content.decode()
    assert 'href="tel:13812345678"' in html
    assert 'href="geo:0,0?q=' in html


def test_a_role_that_sees_masked_numbers_gets_no_tel_link(client_for, statistician):
    firm = EnterpriseFactory(street=statistician.street)
    ContactFactory(enterprise=firm, phone="13812345678")
    html = client_for(statistician).get(reverse("enterprises:detail", args=[firm.pk])).content.decode()
    assert "tel:" not in html and "13812345678" not in html
