"""English mode translates what the daily screens compute in Python: KPI labels, dimension names, statuses and
units, and the home page's work lists, so a page is wholly in one language."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.appeals.factories import make_appeal
from tests.pipelines.factories import TargetFactory

pytestmark = pytest.mark.django_db


def english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return client


def test_sla_dashboard_kpis_and_dimensions_are_english(client_for, manager, officer):
    make_appeal(officer=officer, at_=timezone.now())
    body = english(client_for(manager)).get(reverse("appeals:dashboard")).content.decode()
    for zh, en in (("响应率", "Response rate"), ("按时办结率", "On-time resolution rate"), ("满意率", "Satisfaction rate"),
                   ("回访率", "Follow-up rate")):
        assert en in body and zh not in body
    assert "By Kind" in body and "按类别" not in body  # the dimension name is translated too


def test_a_kpi_drill_down_names_both_sides_in_english(client_for, manager):
    body = english(client_for(manager)).get(reverse("appeals:list"), {
        "kpi": "response_met", "from": "2026-11-01", "to": "2026-11-30"}).content.decode()
    assert "Responded on time" in body and "Not responded on time" in body and "未按时响应" not in body


def test_target_status_and_units_are_english(client_for, manager, street):
    year = timezone.localdate().year
    TargetFactory(street=street, year=year, metric="counted_output", target_value=Decimal("40"))
    body = english(client_for(manager)).get(reverse("pipelines:dashboard")).content.decode()
    assert "100 million yuan" in body and "100m yuan" not in body and "亿元" not in body
    assert not any(zh in body for zh in ("滞后", "基本同步", "超进度", "已完成"))


def test_home_work_lists_are_english(client_for, officer):
    make_appeal(officer=officer)
    body = english(client_for(officer)).get(reverse("home")).content.decode()
    assert "Appeals close to their deadline" in body and "临近超时的诉求" not in body
    assert "Overdue appeals" in body and "超时诉求" not in body
