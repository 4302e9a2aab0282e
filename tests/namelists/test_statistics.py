"""A large import refreshes PostgreSQL's statistics of the tables it wrote (issue 17, capacity): until autovacuum's
next nap (or never, where it is off) the pages counting a street's firms were planned as if the tables were empty."""

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from namelists import services
from namelists.models import ImportBatch
from tests.namelists.factories import guangming_streets, make_code, xlsx_bytes

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="ANALYZE is PostgreSQL's")

RNG = random.Random(1717)


def _commit(rows: int):
    street = guangming_streets()["440311006"]
    data = xlsx_bytes({"名录": [["统一社会信用代码", "企业名称"]]
                       + [[make_code(RNG), f"深圳市统计{i}号科技有限公司"] for i in range(rows)]})
    batch = services.create_batch(None, data, "2025年四上名录.xlsx", "sishang", street=street)
    with CaptureQueriesContext(connection) as queries:
        batch = services.commit_batch(batch.pk)
    assert batch.status == ImportBatch.Status.COMMITTED
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith("ANALYZE")]


@pytest.mark.django_db
def test_a_large_import_analyzes_the_tables_it_wrote(monkeypatch):
    monkeypatch.setattr(services, "ANALYZE_AFTER_ROWS", 5)
    analyzed = _commit(5)
    assert any('"enterprises_enterprise"' in sql for sql in analyzed)
    assert any('"enterprises_classification"' in sql for sql in analyzed)


@pytest.mark.django_db
def test_a_small_import_leaves_it_to_autovacuum(monkeypatch):
    monkeypatch.setattr(services, "ANALYZE_AFTER_ROWS", 5)
    assert _commit(4) == []
