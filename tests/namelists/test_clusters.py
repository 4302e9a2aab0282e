"""The 产业集群 column of a name list (issue 17): known clusters are added to the firm (never removed), an unknown
name is a row warning, a blank cell keeps the firm's clusters, and importing the same list again changes nothing."""

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enterprises.models import Cluster, Enterprise
from namelists import services
from namelists.models import ImportBatch, ImportChange, ImportIssue
from tests.enterprises.factories import EnterpriseFactory
from tests.namelists.factories import guangming_streets, make_code, xlsx_bytes

RNG = random.Random(2017)
NEW, OLD, BLANK = (make_code(RNG) for _ in range(3))
HEADER = ["统一社会信用代码", "企业名称", "所属集群"]


@pytest.fixture
def streets(db):
    return guangming_streets()


@pytest.fixture
def clusters(db):
    semi, _ = Cluster.objects.get_or_create(code="semiconductor", defaults={"name": "半导体与集成电路"})
    terminal, _ = Cluster.objects.get_or_create(code="smart-terminal", defaults={"name": "智能终端"})
    return semi, terminal


@pytest.fixture
def firms(streets, clusters):
    """A registered firm with no cluster, and one already in the semiconductor cluster."""
    street = streets["440311006"]
    old = EnterpriseFactory(uscc=OLD, name="深圳市旧企业科技有限公司", street=street)
    blank = EnterpriseFactory(uscc=BLANK, name="深圳市空白科技有限公司", street=street)
    blank.clusters.add(clusters[0])
    return old, blank


def the_list(old_cell="半导体与集成电路产业集群；智能终端", blank_cell=None) -> bytes:
    semi, terminal = Cluster.objects.get(code="semiconductor").name, Cluster.objects.get(code="smart-terminal").name
    return xlsx_bytes({"名录": [
        HEADER,
        [NEW, "深圳市新企业科技有限公司", f"{terminal}、量子星际产业"],
        [OLD, "深圳市旧企业科技有限公司", old_cell.replace("半导体与集成电路", semi)],
        [BLANK, "深圳市空白科技有限公司", blank_cell],
    ]})


def commit(data, street):
    batch = services.create_batch(None, data, "2025年四上名录.xlsx", "sishang", street=street)
    return services.commit_batch(batch.pk)


def cluster_codes(uscc):
    return set(Enterprise.objects.get(uscc=uscc).clusters.values_list("code", flat=True))


def test_the_column_adds_the_named_clusters_to_new_and_registered_firms(streets, firms):
    batch = commit(the_list(), streets["440311006"])
    assert batch.status == ImportBatch.Status.COMMITTED, batch.message
    assert batch.column_mapping[2] == "clusters"
    assert cluster_codes(NEW) == {"smart-terminal"}
    assert cluster_codes(OLD) == {"semiconductor", "smart-terminal"}
    assert batch.counts["cluster_links"] == 3
    # The change log says so in Chinese, for the registered firm and for the new one.
    old_change = ImportChange.objects.get(batch=batch, enterprise__uscc=OLD, field="clusters")
    assert old_change.field_label == "产业集群" and old_change.before == ""
    assert set(old_change.after.split("、")) == {"半导体与集成电路", "智能终端"}
    new_change = ImportChange.objects.get(batch=batch, enterprise__uscc=NEW, field="clusters")
    assert new_change.after == "智能终端"


def test_an_unknown_cluster_name_is_a_warning_and_the_row_imports(streets, firms):
    batch = commit(the_list(), streets["440311006"])
    issue = ImportIssue.objects.get(batch=batch, value="量子星际产业")
    assert issue.severity == "warning" and issue.row == 2 and "产业集群" in issue.reason
    assert Enterprise.objects.filter(uscc=NEW).exists() and cluster_codes(NEW) == {"smart-terminal"}
    assert batch.counts["errors"] == 0


def test_a_blank_cell_keeps_the_firms_clusters(streets, firms):
    batch = commit(the_list(blank_cell=None), streets["440311006"])
    assert cluster_codes(BLANK) == {"semiconductor"}
    assert not ImportChange.objects.filter(batch=batch, enterprise__uscc=BLANK, field="clusters").exists()


def test_a_cell_naming_fewer_clusters_removes_none(streets, firms):
    commit(the_list(blank_cell="智能终端"), streets["440311006"])
    assert cluster_codes(BLANK) == {"semiconductor", "smart-terminal"}


def test_importing_the_same_list_again_changes_nothing(streets, firms):
    commit(the_list(), streets["440311006"])
    links = sorted(Enterprise.clusters.through.objects.values_list("enterprise_id", "cluster_id"))
    again = commit(the_list(), streets["440311006"])
    assert again.status == ImportBatch.Status.COMMITTED, again.message
    assert sorted(Enterprise.clusters.through.objects.values_list("enterprise_id", "cluster_id")) == links
    assert not ImportChange.objects.filter(batch=again, field="clusters").exists()
    assert again.counts["cluster_links"] == 0


def test_the_preview_lists_the_cluster_change_and_writes_none(streets, firms):
    batch = services.create_batch(None, the_list(), "2025年四上名录.xlsx", "sishang", street=streets["440311006"])
    batch = services.preview_batch(batch.pk)
    assert batch.counts["cluster_links"] == 3
    assert cluster_codes(OLD) == set() and not Enterprise.objects.filter(uscc=NEW).exists()
    sample = next(u for u in batch.preview["updated"] if u["code"] == OLD)
    assert ["enterprise", "clusters"] in [change[:2] for change in sample["changes"]]


def test_the_cluster_column_costs_no_query_per_row(streets, clusters):
    """Previewing 40 registered firms with clusters costs the same queries as 4: the lookups are per list."""
    def queries_for(n):
        rows = [HEADER]
        for _ in range(n):
            firm = EnterpriseFactory(uscc=make_code(RNG), street=streets["440311006"])
            firm.clusters.add(clusters[0])
            rows.append([firm.uscc, firm.name, "智能终端、半导体与集成电路"])
        batch = services.create_batch(None, xlsx_bytes({"名录": rows}), "2025年四上名录.xlsx", "sishang",
                                      street=streets["440311006"])
        with CaptureQueriesContext(connection) as captured:
            batch = services.preview_batch(batch.pk)
        assert batch.counts["cluster_links"] == n
        return len(captured)

    assert queries_for(40) == queries_for(4)
