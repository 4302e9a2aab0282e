"""The inbox names the firm and the appeal, and repeated reminders about the same appeal read as one line."""

import re

import pytest
from django.urls import reverse

from crm.models import Notification
from crm.services.notifications import Message, notify
from tests.appeals.factories import at, make_appeal

pytestmark = pytest.mark.django_db


def test_repeated_reminders_about_one_appeal_are_one_line_and_opening_it_reads_them_all(client_for, officer):
    url = "/appeals/42/"
    for step in ("即将到期（签收）", "催办：签收已超时", "督办"):
        notify([officer], Message(key=f"k:{step}", kind="appeal_breach", title=f"{step} · 测试诉求", url=url,
                                  body="深圳市提醒测试有限公司 · 诉求 #42"))
    notify([officer], Message(key="other", kind="x", title="另一件诉求的提醒", url="/appeals/43/"))
    client = client_for(officer)
    html = client.get(reverse("notifications:inbox")).content.decode()
    assert len(re.findall(r'href="/notifications/\d+/"', html)) == 2  # two lines: one per appeal
    assert "共 3 条提醒" in html
    assert "深圳市提醒测试有限公司 · 诉求 #42" in html
    latest = Notification.objects.filter(recipient=officer, url=url).order_by("-created_at", "-id").first()
    client.get(reverse("notifications:open", args=[latest.pk]))
    assert not Notification.objects.filter(recipient=officer, url=url, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=officer, url="/appeals/43/", read_at__isnull=True).exists()


def test_sla_reminders_name_the_firm_and_the_appeal(officer):
    from appeals import services

    appeal = make_appeal(officer=officer)
    services.sweep(now=at(2026, 3, 20, 10))
    reminders = Notification.objects.filter(recipient=officer, url=f"/appeals/{appeal.pk}/")
    assert reminders.exists()
    assert all(appeal.enterprise.name in n.body and f"#{appeal.pk}" in n.body for n in reminders)
