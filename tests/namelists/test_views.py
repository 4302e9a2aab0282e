"""Pages: right role renders, wrong role gets 403, another street's batch is 404; the whole web flow end to end."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from enterprises.models import Enterprise
from namelists import services
from namelists.models import ImportBatch
from tests.namelists.factories import csv_bytes, guangming_streets, make_code

DATA = Path(__file__).parent / "data"


@pytest.fixture
def streets(street, other_street):
    return guangming_streets()


@pytest.fixture
def batch(streets, statistician):
    rows = [["统一社会信用代码", "企业名称", "街道"], [make_code(), "深圳市甲科技有限公司", "马田街道"], ["bad", "乙公司", "马田街道"]]
    b = services.create_batch(statistician, csv_bytes(rows), "名录.csv", "sishang", 2025)
    return services.preview_batch(b.pk)


@pytest.fixture(autouse=True)
def run_queued_tasks(monkeypatch):
    """Views queue Celery tasks on commit; the test transaction never commits, so run them as they are queued."""
    monkeypatch.setattr("django.db.transaction.on_commit", lambda func, using=None, robust=False: func())


def test_statistician_walks_the_whole_web_flow_on_the_sample(client_for, statistician, streets):
    client = client_for(statistician)
    upload = SimpleUploadedFile("guangming_sishang_2025.xlsx", (DATA / "guangming_sishang_2025.xlsx").read_bytes())
    response = client.post(reverse("namelists:upload"), {"file": upload, "list_kind": "sishang", "year": "2025",
                                                        "street": statistician.street_id})
    batch = ImportBatch.objects.get()
    # The upload request stored the file; the worker (eager here) found the header and previewed it.
    assert response.status_code == 302 and batch.status == "previewed"
    assert Enterprise.objects.count() == 0  # nothing written before the commit
    page = client.get(reverse("namelists:detail", args=[batch.pk]))
    assert "单位详细名称" in page.content.decode()  # the detected header, shown for the mapping

    mapping = {f"col_{c}": f for c, f in batch.column_mapping.items()}
    client.post(reverse("namelists:mapping", args=[batch.pk]), mapping)
    batch.refresh_from_db()
    assert batch.status == "previewed" and Enterprise.objects.count() == 0
    page = client.get(reverse("namelists:detail", args=[batch.pk])).content.decode()
    assert "确认导入" in page and "被拒绝的行" in page and "科学计数法" in page

    client.post(reverse("namelists:commit", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == "committed"
    assert Enterprise.objects.count() == batch.counts["created"] > 0
    assert set(Enterprise.objects.values_list("street__code", flat=True)) == {"440311006"}
    report = client.get(reverse("namelists:report", args=[batch.pk]))
    assert report.status_code == 200 and report["Content-Disposition"].startswith("attachment")


def test_user_can_fix_the_mapping_before_anything_is_written(client_for, statistician, batch):
    client = client_for(statistician)
    # Map the name column to nothing: new firms then lack a name and are rejected, in the preview only.
    client.post(reverse("namelists:mapping", args=[batch.pk]), {"col_0": "uscc", "col_2": "street"})
    batch.refresh_from_db()
    assert batch.column_mapping == {0: "uscc", 2: "street"} and batch.counts["created"] == 0
    response = client.post(reverse("namelists:mapping", args=[batch.pk]), {"col_1": "name"}, follow=True)
    assert "统一社会信用代码" in response.content.decode()
    assert ImportBatch.objects.get().column_mapping == {0: "uscc", 2: "street"}  # refused, unchanged


def test_upload_refuses_a_non_spreadsheet_with_a_clear_message(client_for, statistician, streets):
    upload = SimpleUploadedFile("list.xlsx", b"%PDF-1.4 not a sheet")
    response = client_for(statistician).post(reverse("namelists:upload"), {"file": upload, "list_kind": "sishang",
                                                                          "street": statistician.street_id})
    assert response.status_code == 200 and "不是电子表格" in response.content.decode()
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize("role", ["statistician", "admin_user", "manager"])
def test_history_and_detail_render_for_viewing_roles(request, client_for, batch, role):
    client = client_for(request.getfixturevalue(role))
    page = client.get(reverse("namelists:index"))
    assert page.status_code == 200 and "名录.csv" in page.content.decode()
    detail = client.get(reverse("namelists:detail", args=[batch.pk]))
    assert detail.status_code == 200 and "被拒绝的行" in detail.content.decode()
    assert client.get(reverse("namelists:progress", args=[batch.pk])).status_code == 200


def test_departments_get_403_everywhere(client_for, batch, department_user):
    client = client_for(department_user)
    for url in (reverse("namelists:index"), reverse("namelists:upload"), reverse("namelists:detail", args=[batch.pk]),
                reverse("namelists:report", args=[batch.pk])):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("namelists:commit", args=[batch.pk])).status_code == 403


def test_officers_import_the_park_ledger_and_products_only_and_never_see_a_name_list(client_for, batch, officer):
    """Officers keep the park ledger (list kind "parks") and the product catalogue ("products"), so they open the
    import pages; a name list's batch is not theirs to see (404, absent from the history) nor to import."""
    client = client_for(officer)
    assert "名录.csv" not in client.get(reverse("namelists:index")).content.decode()
    choices = client.get(reverse("namelists:upload")).context["form"].fields["list_kind"].choices
    assert [k for k, _label in choices] == ["parks", "products"]
    for url in (reverse("namelists:detail", args=[batch.pk]), reverse("namelists:report", args=[batch.pk])):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("namelists:commit", args=[batch.pk])).status_code == 404
    upload = SimpleUploadedFile("名录.csv", b"x")
    response = client.post(reverse("namelists:upload"), {"file": upload, "list_kind": "sishang",
                                                        "street": officer.street_id})
    assert response.status_code == 200 and "list_kind" in response.context["form"].errors


def test_manager_may_view_but_not_import(client_for, manager, batch):
    client = client_for(manager)
    # Managers import the park ledger and the 固投 report, not the statistics bureau's lists.
    choices = client.get(reverse("namelists:upload")).context["form"].fields["list_kind"].choices
    assert not {"sishang", "zjtx", "gaoxin", "listed", "preipo", "monthly"} & {k for k, _label in choices}
    assert client.post(reverse("namelists:commit", args=[batch.pk])).status_code == 403
    assert client.post(reverse("namelists:mapping", args=[batch.pk])).status_code == 403
    assert "确认导入" not in client.get(reverse("namelists:detail", args=[batch.pk])).content.decode()


def test_batch_of_another_street_is_404(client_for, other_street, batch):
    from crm.models import Role
    from tests.crm.factories import UserFactory

    other = UserFactory(role=Role.STATISTICIAN, street=other_street, username="stat_yt")
    client = client_for(other)
    assert client.get(reverse("namelists:detail", args=[batch.pk])).status_code == 404
    assert client.post(reverse("namelists:commit", args=[batch.pk])).status_code == 404
    assert "名录.csv" not in client.get(reverse("namelists:index")).content.decode()


def test_progress_fragment_polls_while_running_and_refreshes_when_done(client_for, statistician, batch):
    ImportBatch.objects.filter(pk=batch.pk).update(status="running", progress=40, progress_note="校验数据")
    client = client_for(statistician)
    fragment = client.get(reverse("namelists:progress", args=[batch.pk]))
    assert 'hx-trigger="every 2s"' in fragment.content.decode() and "校验数据" in fragment.content.decode()
    ImportBatch.objects.filter(pk=batch.pk).update(status="committed")
    assert client.get(reverse("namelists:progress", args=[batch.pk]))["HX-Refresh"] == "true"


def test_nav_item_for_importing_roles_only(client_for, statistician, officer):
    from crm.registry import registry

    assert any(i.url_name == "namelists:index" for i in registry.nav_for(statistician))
    assert not any(i.url_name == "namelists:index" for i in registry.nav_for(officer))


def test_demo_loader_is_idempotent(db):
    from crm.demo import load as load_org
    from namelists.demo import load

    load_org()
    first = load()
    assert first["created"] > 0 and first["errors"] == 1
    assert load() == {"skipped": "already imported"}
    assert ImportBatch.objects.filter(status="committed").count() == 1


def test_home_card_shows_the_latest_import_to_statisticians_only(statistician, officer, batch):
    from namelists.selectors import home_card

    card = home_card(statistician)
    assert card["title"] == "最近名录导入" and "名录.csv" in card["hint"] and str(batch.pk) in card["url"]
    assert home_card(officer) is None
