"""Pages with personal data, exports and attachments are never kept by a browser or proxy cache (issue 15 §7)."""

from django.urls import reverse

from tests.enterprises.factories import ContactFactory, EnterpriseFactory


def test_a_page_with_contacts_is_not_stored_by_the_browser(client_for, officer, street):
    firm = EnterpriseFactory(street=street)
    ContactFactory(enterprise=firm, phone="13812345678")
    response = client_for(officer).get(reverse("enterprises:detail", args=[firm.pk]))
    assert response.status_code == 200 and "13812345678" in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_an_export_is_not_stored_by_the_browser(client_for, manager, street):
    EnterpriseFactory(street=street)
    response = client_for(manager).get(reverse("enterprises:export"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_htmx_fragments_and_the_inbox_are_not_stored_either(client_for, officer):
    response = client_for(officer).get(reverse("notifications:inbox"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]


def test_anonymous_responses_are_left_to_the_view(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and "Cache-Control" not in response
