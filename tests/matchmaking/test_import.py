"""The 产品信息名录 (list kind "products") through the name-list pipeline: upsert by (firm, product name), blank cells
keep stored values, unknown firms are row errors, need columns update the firm's open need, preview writes
nothing, the commit is atomic, and `import_namelist PATH --list products` works."""

import io
import json
import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enterprises.models import Cluster
from matchmaking.models import Need, Product
from namelists import services
from namelists.models import ImportBatch, ImportChange, ImportIssue
from tests.enterprises.factories import EnterpriseFactory
from tests.namelists.factories import make_code, xlsx_bytes

from .factories import NeedFactory, ProductFactory

RNG = random.Random(2104)
A, B, OUTSIDER, UNKNOWN = (make_code(RNG) for _ in range(4))
HEADER = ["序号", "统一社会信用代码", "企业名称", "产品名称", "行业代码", "所属产业链", "产品介绍", "年产能",
          "主要客户行业", "资质认证", "采购需求", "采购行业代码", "融资需求（万元）"]


@pytest.fixture
def chain(db):
    return Cluster.objects.get_or_create(code="semiconductor", defaults={"name": "半导体与集成电路"})[0]


@pytest.fixture
def firms(street, other_street, chain):
    a = EnterpriseFactory(uscc=A, name="深圳市甲精密制造有限公司", street=street)
    b = EnterpriseFactory(uscc=B, name="深圳市乙电子有限公司", street=street)
    outsider = EnterpriseFactory(uscc=OUTSIDER, name="深圳市丙科技有限公司", street=other_street)
    return a, b, outsider


def catalogue(*rows, header=HEADER) -> bytes:
    return xlsx_bytes({"产品名录": [["马田街道规上规下企业产品信息名录（2026年）"], header, *rows]})


ROWS = [
    [1, A, "深圳市甲精密制造有限公司", "精密注塑件", "2929", "半导体与集成电路", "手机外壳注塑", "500万件/年",
     "3921、3982", "ISO9001", "模具钢", "3311", None],
    [2, A, "深圳市甲精密制造有限公司", "五金冲压件", "3311", None, None, None, None, None, None, None, "500"],
    [3, None, "深圳市乙电子有限公司", "电源模块", "C3824", None, "工业电源", None, "36", None, None, None, None],
    [4, UNKNOWN, "深圳市不存在有限公司", "神秘产品", "3912", None, None, None, None, None, None, None, None],
    [5, B, "深圳市乙电子有限公司", "坏代码产品", "9999", None, None, None, None, None, None, None, None],
]


def commit(data, street=None, actor=None):
    batch = services.create_batch(actor, data, "马田产品名录.xlsx", "products", street=street)
    return services.commit_batch(batch.pk)


def test_the_catalogue_creates_products_with_their_fields(firms, street, chain):
    a, b, _ = firms
    batch = commit(catalogue(*ROWS), street)
    assert batch.status == ImportBatch.Status.COMMITTED, batch.message
    moulding = Product.objects.get(enterprise=a, name="精密注塑件")
    assert (moulding.industry_code, moulding.cluster, moulding.description, moulding.capacity,
            moulding.customer_industries, moulding.certifications) == (
        "2929", chain, "手机外壳注塑", "500万件/年", ["3921", "3982"], "ISO9001")
    # A row without a code is matched by the firm's registered name; a section letter is accepted and dropped.
    assert Product.objects.get(enterprise=b, name="电源模块").industry_code == "3824"
    assert batch.counts["created"] == 3 and batch.counts["errors"] == 2
    created = ImportChange.objects.get(batch=batch, enterprise=a, field="product", after="精密注塑件")
    assert created.action == "created" and created.target_label == "产品：精密注塑件"


def test_an_unknown_firm_and_a_bad_industry_code_are_row_errors(firms, street):
    batch = commit(catalogue(*ROWS), street)
    errors = {i.row: i.reason for i in ImportIssue.objects.filter(batch=batch, severity="error")}
    assert "企业不在企业库中" in errors[6] and "不新建企业" in errors[6]
    assert "9999" in errors[7] and "GB/T 4754" in errors[7]
    assert not Product.objects.filter(name__in=["神秘产品", "坏代码产品"]).exists()
    assert batch.report  # the error report lists the rows


def test_an_unknown_chain_link_is_a_warning_and_the_row_imports(firms, street):
    row = [1, A, "", "导热垫片", "2929", "量子星际产业", None, None, None, None, None, None, None]
    batch = commit(catalogue(row), street)
    issue = ImportIssue.objects.get(batch=batch, value="量子星际产业")
    assert issue.severity == "warning"
    assert Product.objects.get(name="导热垫片").cluster is None


def test_reimport_upserts_by_firm_and_product_and_blank_cells_keep_values(firms, street):
    a = firms[0]
    commit(catalogue(*ROWS), street)
    again = [1, A, "", "精密注塑件", None, None, None, "800万件/年", None, None, None, None, None]
    batch = commit(catalogue(again), street)
    moulding = Product.objects.get(enterprise=a, name="精密注塑件")
    assert Product.objects.filter(enterprise=a, name="精密注塑件").count() == 1
    assert moulding.capacity == "800万件/年"
    assert (moulding.industry_code, moulding.description, moulding.certifications) == ("2929", "手机外壳注塑",
                                                                                       "ISO9001")
    assert batch.counts["updated"] == 1 and batch.counts["created"] == 0
    change = ImportChange.objects.get(batch=batch, field="product_capacity")
    assert (change.before, change.after, change.field_label) == ("500万件/年", "800万件/年", "产能")


def test_importing_the_same_catalogue_again_changes_nothing(firms, street):
    commit(catalogue(*ROWS), street)
    rows = sorted(Product.objects.values_list("enterprise_id", "name", "industry_code", "capacity"))
    again = commit(catalogue(*ROWS), street)
    assert sorted(Product.objects.values_list("enterprise_id", "name", "industry_code", "capacity")) == rows
    assert again.counts["created"] == 0 and again.counts["updated"] == 0 and again.counts["unchanged"] == 3
    assert again.counts["needs_created"] == 0 and again.counts["needs_updated"] == 0


def test_need_columns_create_a_need_or_update_the_firms_open_need_of_that_kind(firms, street, officer):
    a = firms[0]
    open_financing = NeedFactory(enterprise=a, kind=Need.Kind.FINANCING, industry_prefix="", amount=100,
                                 title="扩产贷款", status=Need.Status.MATCHING)
    met_purchasing = NeedFactory(enterprise=a, kind=Need.Kind.PURCHASING, status=Need.Status.MET)
    batch = commit(catalogue(*ROWS), street)
    purchasing = Need.objects.get(enterprise=a, kind=Need.Kind.PURCHASING, status=Need.Status.OPEN)
    assert purchasing.pk != met_purchasing.pk  # a met need is not reopened: a new one is raised
    assert (purchasing.title, purchasing.industry_prefix) == ("模具钢", "3311")
    open_financing.refresh_from_db()
    assert open_financing.amount == 500 and open_financing.title == "扩产贷款"  # the officer's wording kept
    assert Need.objects.filter(enterprise=a, kind=Need.Kind.FINANCING).count() == 1
    assert batch.counts["needs_created"] == 1 and batch.counts["needs_updated"] == 1


def test_a_purchasing_need_without_an_industry_is_a_warning_not_a_need(firms, street):
    row = [1, A, "", "精密注塑件", "2929", None, None, None, None, None, "模具钢", None, None]
    batch = commit(catalogue(row), street)
    assert ImportIssue.objects.get(batch=batch, value="模具钢").severity == "warning"
    assert not Need.objects.exists() and Product.objects.filter(name="精密注塑件").exists()


def test_the_preview_writes_nothing_and_lists_the_products(firms, street):
    batch = services.create_batch(None, catalogue(*ROWS), "产品名录.xlsx", "products", street=street)
    batch = services.preview_batch(batch.pk)
    assert batch.status == ImportBatch.Status.PREVIEWED
    assert not Product.objects.exists() and not Need.objects.exists()
    assert {c["name"] for c in batch.preview["created"]} == {"精密注塑件", "五金冲压件", "电源模块"}
    assert batch.counts["created"] == 3 and ImportIssue.objects.filter(batch=batch, severity="error").count() == 2


def test_a_street_batch_skips_the_firms_of_other_streets(firms, street):
    row = [1, OUTSIDER, "", "外街道产品", "3912", None, None, None, None, None, None, None, None]
    batch = commit(catalogue(row), street)
    assert batch.counts["other_street"] == 1 and not Product.objects.filter(name="外街道产品").exists()
    assert ImportIssue.objects.get(batch=batch).severity == "skipped"


def test_a_failing_commit_writes_nothing(firms, street, monkeypatch):
    from matchmaking import importing

    def broken(model, updates):
        raise RuntimeError("disk full")

    ProductFactory(enterprise=firms[0], name="精密注塑件", capacity="1")
    monkeypatch.setattr(importing, "_bulk_update", broken)
    batch = services.create_batch(None, catalogue(*ROWS), "产品名录.xlsx", "products", street=street)
    with pytest.raises(RuntimeError):
        services.commit_batch(batch.pk)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED and "数据库未作任何修改" in batch.message
    assert Product.objects.count() == 1 and not ImportChange.objects.exists()


def test_a_sheet_without_a_product_column_is_refused(firms, street):
    data = xlsx_bytes({"名录": [["统一社会信用代码", "企业名称"], [A, "甲"]]})
    batch = commit(data, street)
    assert batch.status == ImportBatch.Status.FAILED and "产品名称" in batch.message


def test_the_import_costs_no_query_per_row(street):
    def queries_for(n):
        rows = []
        for i in range(n):
            firm = EnterpriseFactory(uscc=make_code(RNG), street=street)
            ProductFactory(enterprise=firm, name="旧产品", capacity="1")
            rows.append([i, firm.uscc, "", "旧产品", "3912", None, None, "2", None, None, "钢材", "3311", "50"])
            rows.append([i, firm.uscc, "", f"新产品{i}", "3912", None, None, None, None, None, None, None, None])
        batch = services.create_batch(None, catalogue(*rows), "产品名录.xlsx", "products", street=street)
        with CaptureQueriesContext(connection) as ctx:
            batch = services.commit_batch(batch.pk)
        assert batch.status == ImportBatch.Status.COMMITTED, batch.message
        assert batch.counts["created"] == n and batch.counts["updated"] == n and batch.counts["needs_created"] == 2 * n
        return len(ctx.captured_queries)

    assert queries_for(40) == queries_for(4)


def test_the_command_imports_a_real_xlsx_file(firms, street, tmp_path):
    path = tmp_path / "马田产品名录.xlsx"
    path.write_bytes(catalogue(*ROWS))
    out = io.StringIO()
    call_command("import_namelist", str(path), "--list", "products", "--dry-run", stdout=out)
    dry = json.loads(out.getvalue().strip().splitlines()[-1])
    assert dry["created"] == 3 and dry["errors"] == 2 and dry["dry_run"] and not Product.objects.exists()
    out = io.StringIO()
    call_command("import_namelist", str(path), "--list", "products", "--street", street.code, stdout=out)
    result = json.loads(out.getvalue().strip().splitlines()[-1])
    assert result["created"] == 3 and result["batch"] and Product.objects.count() == 3
    assert "第 6 行" in out.getvalue()  # the row errors are printed
    assert ImportBatch.objects.get(pk=result["batch"]).list_kind == "products"


def test_statistician_imports_the_catalogue_through_the_web_pages(client_for, statistician, firms, monkeypatch):
    monkeypatch.setattr("django.db.transaction.on_commit", lambda func, using=None, robust=False: func())
    client = client_for(statistician)
    upload = SimpleUploadedFile("产品名录.xlsx", catalogue(*ROWS))
    client.post(reverse("namelists:upload"), {"file": upload, "list_kind": "products",
                                              "street": statistician.street_id})
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.PREVIEWED and not Product.objects.exists()
    page = client.get(reverse("namelists:detail", args=[batch.pk])).content.decode()
    assert "新建产品" in page and "确认导入" in page
    assert reverse("namelists:mapping", args=[batch.pk]) not in page  # no column mapping for this kind
    client.post(reverse("namelists:commit", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED and Product.objects.count() == 3
    page = client.get(reverse("namelists:detail", args=[batch.pk])).content.decode()
    assert "产品：精密注塑件" in page


def test_every_kind_of_value_updates_in_place(firms, street, chain):
    """Text, code, cluster, JSON list, and a need's amount and count: the set-based updates keep their types."""
    a = firms[0]
    ProductFactory(enterprise=a, name="精密注塑件", industry_code="2929", customer_industries=["3921"])
    NeedFactory(enterprise=a, kind=Need.Kind.TALENT, industry_prefix="", title="招聘：普工", positions="普工",
                headcount=2)
    header = [*HEADER[:10], "招聘需求", "招聘人数"]
    row = [1, A, "", "精密注塑件", "3311", "半导体与集成电路", "新介绍", "9件", "36、3982", "CE", "普工", "12"]
    batch = commit(catalogue(row, header=header), street)
    assert batch.counts["updated"] == 1 and batch.counts["needs_updated"] == 1, batch.message
    p = Product.objects.get(enterprise=a, name="精密注塑件")
    assert (p.industry_code, p.cluster, p.description, p.customer_industries, p.certifications) == (
        "3311", chain, "新介绍", ["36", "3982"], "CE")
    assert Need.objects.get(enterprise=a).headcount == 12
