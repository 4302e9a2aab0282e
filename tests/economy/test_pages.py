"""The street page, drill-down, export, district view, upload and the firm's 360° section: right role and wrong."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from crm.models import Role
from economy.models import MonthlyFigure
from enterprises.models import Enterprise
from namelists.models import ImportBatch
from tests.crm.factories import UserFactory
from tests.economy.factories import import_file, monthly_xlsx
from tests.economy.test_computations import APRIL, MAY, A, B, D, E
from tests.enterprises.factories import LiaisonFactory


@pytest.fixture
def data(street, other_street, tmp_path):
    import_file(tmp_path, monthly_xlsx(4, APRIL), "2026-04", name="april.xlsx")
    import_file(tmp_path, monthly_xlsx(5, MAY), "2026-05", name="may.xlsx")


@pytest.fixture
def district_user(db):
    return UserFactory(role=Role.DISTRICT, street=None, username="district_lead")


def test_manager_sees_growth_pull_drag_and_watch_lists_with_liaison(data, manager, client_for):
    LiaisonFactory(enterprise=Enterprise.objects.get(uscc=D), officer__first_name="李挂点")
    page = client_for(manager).get(reverse("economy:street"), {"month": "2026-05"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "65.0%" in html  # the street's growth, computed by hand in test_computations
    assert "35.00" in html and "-5.00" in html  # B's pull, E's drag
    assert "李挂点" in html  # D did not report in May: listed with its liaison officer
    d = Enterprise.objects.get(uscc=D)
    assert reverse("enterprises:detail", args=[d.pk]) in html


def test_street_page_of_another_street_is_404_and_department_is_403(data, other_officer, department_user,
                                                                     client_for):
    assert client_for(other_officer).get(reverse("economy:street"), {"street": "440311006"}).status_code == 404
    assert client_for(department_user).get(reverse("economy:street")).status_code == 403


def test_other_streets_officer_sees_none_of_this_streets_firms(data, other_officer, client_for):
    page = client_for(other_officer).get(reverse("economy:street"))
    assert page.status_code == 200 and B not in page.content.decode()


def test_drill_down_lists_the_firms_behind_the_number(data, officer, client_for):
    page = client_for(officer).get(reverse("economy:firms"), {"month": "2026-05", "indicator": "industrial_output"})
    html = page.content.decode()
    assert page.status_code == 200
    assert all(code in html for code in (A, B, E)) and D not in html
    drag = client_for(officer).get(reverse("economy:firms"), {"month": "2026-05", "kind": "drag"}).content.decode()
    assert E in drag and A not in drag


def test_export_is_a_meeting_report_with_the_pull_list(data, manager, client_for):
    response = client_for(manager).get(reverse("economy:export"), {"street": "440311006", "month": "2026-05"})
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb[wb.sheetnames[0]]
    cells = [c for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert "二、拉动增长前十" in cells and B in cells and 65.0 in cells


def test_district_user_compares_streets_and_drills_into_one(data, district_user, client_for):
    page = client_for(district_user).get(reverse("economy:district"))
    html = page.content.decode()
    assert page.status_code == 200 and "马田街道" in html
    assert "?street=440311006" in html
    street_page = client_for(district_user).get(reverse("economy:street"), {"street": "440311006"})
    assert street_page.status_code == 200 and "65.0%" in street_page.content.decode()


def test_district_view_is_403_for_a_street_manager(data, manager, client_for):
    assert client_for(manager).get(reverse("economy:district")).status_code == 403


def test_statistician_uploads_a_month_and_commits_it_through_the_batch_page(street, statistician, client_for,
                                                                            monkeypatch):
    monkeypatch.setattr("django.db.transaction.on_commit", lambda func, using=None, robust=False: func())
    client = client_for(statistician)
    upload = SimpleUploadedFile("may.xlsx", monthly_xlsx(5, MAY))
    response = client.post(reverse("economy:upload"), {"file": upload, "month": "2026-05", "street": street.pk})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("namelists:detail", args=[batch.pk])
    assert batch.status == ImportBatch.Status.PREVIEWED and batch.counts["created"] == 4
    assert not MonthlyFigure.objects.exists()  # a preview writes nothing
    client.post(reverse("namelists:commit", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED
    assert MonthlyFigure.objects.filter(street=street).count() == 4


def test_bad_month_is_refused_in_chinese_and_nothing_is_stored(street, statistician, client_for):
    upload = SimpleUploadedFile("may.xlsx", monthly_xlsx(5, MAY))
    response = client_for(statistician).post(reverse("economy:upload"), {"file": upload, "month": "2026-13"})
    assert response.status_code == 200 and "格式错误" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_officer_may_not_import(street, officer, client_for):
    assert client_for(officer).get(reverse("economy:upload")).status_code == 403


def test_firm_page_shows_its_months(data, officer, client_for):
    b = Enterprise.objects.get(uscc=B)
    html = client_for(officer).get(reverse("enterprises:detail", args=[b.pk])).content.decode()
    assert 'id="section-economy"' in html and "2026-04" in html and "2026-05" in html


def test_export_writes_a_hostile_firm_name_as_text_and_is_logged(street, manager, client_for, tmp_path):
    from crm.models import ExportLog
    from tests.enterprises.factories import make_uscc

    evil = "+1+cmd|' /C calc'!A0公司"  # (a leading "=" would make the test's own workbook hold a formula)
    import_file(tmp_path, monthly_xlsx(5, [(make_uscc(301), evil, "马田街道", 1, 20, 10)]), "2026-05")
    response = client_for(manager).get(reverse("economy:export"), {"month": "2026-05"})
    wb = load_workbook(io.BytesIO(response.content))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("cmd|" in c.value for c in cells)
    assert not any(c.data_type == "f" for c in cells)
    assert ExportLog.objects.filter(user=manager).count() == 1


@pytest.mark.parametrize("name", ["economy:street", "economy:firms", "economy:groups", "economy:export",
                                  "economy:district", "economy:upload"])
def test_department_handlers_get_403_everywhere(data, department_user, client_for, name):
    assert client_for(department_user).get(reverse(name), {"month": "2026-05"}).status_code == 403


@pytest.mark.parametrize("name", ["economy:street", "economy:firms", "economy:groups", "economy:export"])
def test_a_street_user_asking_for_another_street_gets_404(data, other_officer, client_for, name):
    response = client_for(other_officer).get(reverse(name), {"street": "440311006", "month": "2026-05"})
    assert response.status_code == 404


def test_groups_page_sums_by_community(data, manager, client_for):
    from tests.crm.factories import CommunityFactory

    community = CommunityFactory(street=manager.street, name="合水口社区")
    Enterprise.objects.filter(uscc__in=[A, B]).update(community=community)
    html = client_for(manager).get(reverse("economy:groups"), {"month": "2026-05"}).content.decode()
    assert "合水口社区" in html and "200.0" in html  # A 130 + B 70
