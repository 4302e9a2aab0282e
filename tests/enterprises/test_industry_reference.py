"""GB/T 4754-2017 is a reference table: loaded by migration, looked up in the admin, never edited there."""

import pytest
from django.urls import reverse

from enterprises.models import IndustryCategory

pytestmark = pytest.mark.django_db


def test_the_industry_table_can_be_looked_up_but_not_edited_or_deleted_in_the_admin(client_for, admin_user):
    client = client_for(admin_user)
    industry = IndustryCategory.objects.get(code="3982")
    assert client.get(reverse("admin:enterprises_industrycategory_changelist"), {"q": "3982"}).status_code == 200
    page = client.get(reverse("admin:enterprises_industrycategory_change", args=[industry.pk]))
    assert page.status_code == 200 and b'name="_save"' not in page.content  # shown read-only
    assert client.post(reverse("admin:enterprises_industrycategory_delete", args=[industry.pk]),
                       {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:enterprises_industrycategory_add")).status_code == 403
    assert IndustryCategory.objects.filter(pk=industry.pk).exists()
