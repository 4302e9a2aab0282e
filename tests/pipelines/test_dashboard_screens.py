"""挂图作战 on screen: the year is a select, the sub-menu marks the open page, every legend entry is a drawn
series with a translated name, and counts get whole-number axes."""

import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from pipelines import selectors
from tests.pipelines.factories import TargetFactory

pytestmark = pytest.mark.django_db


def test_the_year_is_a_select_offering_the_target_years(client_for, manager, street):
    this_year = timezone.localdate().year
    TargetFactory(street=street, year=2024, metric="signed_10", target_value=Decimal("3"))
    html = client_for(manager).get(reverse("pipelines:dashboard")).content.decode()
    assert '<select name="year">' in html and 'type="number" name="year"' not in html
    assert '<option value="2024"' in html and f'<option value="{this_year}" selected>' in html


def test_the_sub_menu_marks_the_open_page(client_for, manager):
    html = client_for(manager).get(reverse("pipelines:dashboard")).content.decode()
    nav = html[html.index('class="pl-tabs"'):html.index("</nav>", html.index('class="pl-tabs"'))]
    assert re.search(r'href="/pipelines/dashboard/" aria-current="page"', nav)
    assert nav.count('aria-current="page"') == 1


def test_chart_series_are_named_for_the_legend_and_counts_are_whole_numbers(manager, street):
    year = timezone.localdate().year
    TargetFactory(street=street, year=year, metric="signed_10", target_value=Decimal("3"))
    TargetFactory(street=street, year=year, metric="counted_output", target_value=Decimal("40"))
    data = selectors.dashboard(manager, year)
    charts = {c["label"]: c for c in selectors.chart_data(data["street_rows"])}
    assert charts["签约十亿级项目"]["is_count"] is True
    assert charts["新增纳统产值"]["is_count"] is False
    assert charts["签约十亿级项目"]["names"]["target"] == "年度目标"
    json.dumps(list(charts.values()))  # what json_script serialises


def test_dashboard_chart_scripts_use_whole_number_count_axes():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    assert "minInterval = 1" in (root / "pipelines/static/pipelines/dashboard.js").read_text()
    assert "minInterval: 1" in (root / "appeals/static/appeals/dashboard.js").read_text()
    # No legend entry for a series that draws nothing (the old empty 年度目标 line).
    assert "data: []" not in (root / "pipelines/static/pipelines/dashboard.js").read_text()
