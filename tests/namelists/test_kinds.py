"""One import framework: the kinds other apps write (园区楼宇台账, 固投月报, 政策审批/兑现名单) on the upload page and
the command line; the result cards say what a row of the kind is (firms, figures, parks)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from enterprises.models import Park
from namelists.models import ImportBatch
from space.models import InvestmentMonth
from tests.economy.factories import monthly_xlsx, run_json
from tests.economy.test_computations import MAY
from tests.space.factories import InvestmentProjectFactory
from tests.space.test_investment import _report
from tests.space.test_park_import import ledger

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def run_queued_tasks(monkeypatch):
    monkeypatch.setattr("django.db.transaction.on_commit", lambda func, using=None, robust=False: func())


def test_upload_page_offers_every_kind_in_chinese_with_its_columns(client_for, admin_user, street):
    page = client_for(admin_user).get(reverse("namelists:upload"))
    choices = dict(page.context["form"].fields["list_kind"].choices)
    assert choices["parks"] == "园区楼宇台账" and choices["fai_monthly"] == "固投月报（本月完成投资）"
    assert choices["policy_outcomes"] == "政策审批/兑现名单" and choices["sishang"] == "四上企业名录"
    html = page.content.decode()
    columns = dict(re.findall(r"<strong>(.+?)</strong></td><td data-label=\"文件须含的列\">(.+?)</td>", html))
    assert "园区名称" in columns["园区楼宇台账"] and "项目代码" in columns["固投月报（本月完成投资）"]
    assert "统一社会信用代码" in columns["政策审批/兑现名单"] and "本年累计" in columns["月度经济数据（统计局）"]


def test_the_kind_is_preselected_from_the_old_pages(client_for, admin_user, street):
    page = client_for(admin_user).get(reverse("namelists:upload"), {"kind": "fai_monthly"})
    assert page.context["form"]["list_kind"].value() == "fai_monthly"


def _cards(html: str) -> dict[str, str]:
    """Result cards: hint → value."""
    return {hint.strip(): value for value, hint in
            re.findall(r'<div class="value">(\d+)</div><div class="hint">([^<（]+)', html)}


def test_a_monthly_batch_says_figures_where_it_counts_figures_and_firms_where_it_counts_firms(
        street, statistician, client_for):
    """Issue 18: a monthly batch's 'created' counts figures; the 新建企业 card shows the firms it creates."""
    client = client_for(statistician)
    upload = SimpleUploadedFile("may.xlsx", monthly_xlsx(5, MAY))
    client.post(reverse("economy:upload"), {"file": upload, "month": "2026-05", "street": street.pk})
    batch = ImportBatch.objects.get()
    batch.counts = {**batch.counts, "firms_created": 3}  # some firms known already: fewer firms than figures
    batch.save(update_fields=["counts"])
    cards = _cards(client.get(reverse("namelists:detail", args=[batch.pk])).content.decode())
    assert cards["新增数据"] == str(batch.counts["created"])
    assert cards["新建企业"] == "3"


def test_a_name_list_batch_still_counts_firms(street, statistician, client_for):
    from tests.namelists.factories import csv_bytes, make_code

    client = client_for(statistician)
    upload = SimpleUploadedFile("名录.csv", csv_bytes([["统一社会信用代码", "企业名称", "街道"],
                                                     [make_code(), "深圳市甲科技有限公司", "马田街道"]]))
    client.post(reverse("namelists:upload"), {"file": upload, "list_kind": "sishang", "street": street.pk})
    cards = _cards(client.get(reverse("namelists:detail", args=[ImportBatch.objects.get().pk])).content.decode())
    assert cards["新建企业"] == "1" and "新增数据" not in cards


def test_command_imports_the_park_ledger_of_a_street(street, tmp_path):
    path = tmp_path / "台账.xlsx"
    path.write_bytes(ledger([1, "新园", None, 113.93, 22.77, 50000, None, None, None, None]))
    dry = run_json("import_namelist", str(path), "--list", "parks", "--street", street.code, "--dry-run")
    assert dry["created"] == 1 and dry["batch"] is None
    assert not Park.objects.exists() and not ImportBatch.objects.exists()  # --dry-run writes nothing at all
    done = run_json("import_namelist", str(path), "--list", "parks", "--street", street.code)
    assert done["created"] == 1 and Park.objects.get().street == street
    assert ImportBatch.objects.get(pk=done["batch"]).status == "committed"
    with pytest.raises(SystemExit) as exc:  # a ledger belongs to a street
        call_command("import_namelist", str(path), "--list", "parks")
    assert exc.value.code == 2


def test_command_imports_a_fai_month_and_requires_the_month(street, tmp_path, capsys):
    InvestmentProjectFactory(street=street, code="P-001")
    path = tmp_path / "固投.xlsx"
    path.write_bytes(_report([1, "P-001", "甲", 800]))
    with pytest.raises(SystemExit) as exc:
        call_command("import_namelist", str(path), "--list", "fai_monthly", "--street", street.code)
    assert exc.value.code == 2 and "月份" in capsys.readouterr().err
    month = f"{timezone.localdate().replace(day=1) - dt.timedelta(days=1):%Y-%m}"
    done = run_json("import_namelist", str(path), "--list", "fai_monthly", "--street", street.code, "--month", month)
    assert done["created"] == 1 and InvestmentMonth.objects.get().source == f"batch:{done['batch']}"


def test_command_previews_a_policy_list(street, tmp_path):
    from policies.models import Delivery
    from tests.enterprises.factories import EnterpriseFactory
    from tests.policies.factories import PolicyFactory

    firm = EnterpriseFactory(street=street)
    policy = PolicyFactory()
    path = tmp_path / "兑现.csv"
    path.write_bytes(f"统一社会信用代码,兑现金额,兑现日期\n{firm.uscc},12,2026-05-01\n".encode("utf-8-sig"))
    dry = run_json("import_namelist", str(path), "--list", "policy_outcomes", "--policy", str(policy.pk),
                   "--outcome", "payments", "--street", street.code, "--dry-run")
    assert (dry["created"], dry["errors"], dry["batch"]) == (1, 0, None) and not Delivery.objects.exists()
    with pytest.raises(SystemExit) as exc:  # the list type is required
        call_command("import_namelist", str(path), "--list", "policy_outcomes", "--policy", str(policy.pk))
    assert exc.value.code == 2
