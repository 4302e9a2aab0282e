"""The 挂图作战 dashboard's cost (issue 17, capacity): each street target costs its metric's one query; its monthly
snapshots come with every other target's in a single query, however many targets and months there are."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pipelines.services.rollup import rollup
from tests.pipelines.factories import TargetFactory

pytestmark = pytest.mark.django_db

METRICS = ("signed_10", "signed_1", "signed_100", "signed_investment")


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("pipelines:dashboard"), {"year": YEAR}).status_code == 200
    return len(queries)


YEAR = dt.date.today().year - 1


def test_the_dashboards_snapshots_cost_one_query_for_all_targets(client_for, manager, street,
                                                                 django_assert_max_num_queries):
    TargetFactory(street=street, year=YEAR, metric=METRICS[0])
    rollup(YEAR)
    client = client_for(manager)
    client.get(reverse("pipelines:dashboard"), {"year": YEAR})
    one = _queries(client)
    for metric in METRICS[1:]:
        TargetFactory(street=street, year=YEAR, metric=metric)
    rollup(YEAR)
    # Three more targets, 12 months and 4 quarters each: three more metric queries, no more for their periods.
    with django_assert_max_num_queries(one + len(METRICS) - 1):
        response = client.get(reverse("pipelines:dashboard"), {"year": YEAR})
    rows = response.context["street_rows"]
    assert len(rows) == len(METRICS) and all(len(r.months) == 12 and len(r.quarters) == 4 for r in rows)
