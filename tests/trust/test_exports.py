"""Every export is logged (who, what, rows, personal data, filters) and no exported cell can run as a formula."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from crm.models import ExportLog
from tests.trust.urlconf import checked_routes

pytestmark = pytest.mark.django_db

EVIL = ['=HYPERLINK("http://evil.example","点我")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)"]

# Every URL that returns a file, with the query that asks for it. A new export must be added here.
EXPORTS = {
    "enterprises:export": {},
    "appeals:list": {"export": "xlsx"},
    "appeals:dashboard": {"export": "xlsx"},
    "pipelines:export": {},
    "economy:export": {},
    "policies:export": {},
    "matchmaking:report_export": {},
}


@pytest.fixture
def hostile_rows(street, officer, manager):
    """Rows whose text would run as a formula if written raw into a cell."""
    from tests.appeals.factories import make_appeal
    from tests.enterprises.factories import ContactFactory, EnterpriseFactory
    from tests.pipelines.factories import ProjectFactory, TargetFactory

    for i, evil in enumerate(EVIL):
        firm = EnterpriseFactory(street=street, name=f"{evil}有限公司{i}", address=evil)
        ContactFactory(enterprise=firm, name=evil, phone="13800000000")
        make_appeal(enterprise=firm, officer=officer, description=evil, title=evil)
        ProjectFactory(street=street, officer=officer, name=f"{evil}{i}", investor_name=evil)
    TargetFactory(street=street, year=2026)


def _cells(content: bytes):
    book = openpyxl.load_workbook(io.BytesIO(content))  # not read-only: data_type tells formulas apart
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                yield ws.title, cell


def test_every_file_download_url_is_listed_here():
    candidates = {r.key for r in checked_routes() if "export" in r.key or "export" in r.route}
    assert candidates <= set(EXPORTS), f"new export URLs: {sorted(candidates - set(EXPORTS))}"


@pytest.mark.parametrize("name", EXPORTS)
def test_exports_are_logged_and_carry_no_live_formula(name, hostile_rows, client_for, manager):
    client = client_for(manager)
    before = ExportLog.objects.count()
    response = client.get(reverse(name), EXPORTS[name])
    assert response.status_code == 200, name
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert content[:2] == b"PK", f"{name} did not return a workbook"
    for sheet, cell in _cells(content):
        assert cell.data_type != "f", f"{name} {sheet}!{cell.coordinate} is a formula: {cell.value!r}"
        if isinstance(cell.value, str):
            assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), (
                f"{name} {sheet}!{cell.coordinate} would run as a formula: {cell.value!r}")
    assert ExportLog.objects.count() == before + 1, f"{name} did not log the export"
    entry = ExportLog.objects.latest("created_at")
    assert entry.user == manager and entry.what


def test_an_enterprise_export_logs_rows_personal_data_and_filters(hostile_rows, client_for, manager, statistician):
    client_for(manager).get(reverse("enterprises:export"), {"q": "有限公司"})
    entry = ExportLog.objects.latest("created_at")
    assert entry.rows == len(EVIL) and entry.personal_data is True and entry.filters == {"q": "有限公司"}
    client_for(statistician).get(reverse("enterprises:export"))
    assert ExportLog.objects.latest("created_at").personal_data is False  # statisticians get masked contacts


def test_an_import_problem_report_download_is_logged_as_personal_data(client_for, statistician):
    from django.core.files.base import ContentFile

    from namelists.models import ImportBatch

    batch = ImportBatch(file_name="a.csv", sha256="0" * 64, size=1, list_kind="sishang", year=2025,
                        street=statistician.street, created_by=statistician)
    batch.file.save("a.csv", ContentFile(b"x"), save=False)
    batch.report.save("r.xlsx", ContentFile(b"PK"), save=True)
    response = client_for(statistician).get(reverse("namelists:report", args=[batch.pk]))
    assert response.status_code == 200
    entry = ExportLog.objects.get()
    assert entry.personal_data is True and entry.filters == {"batch": batch.pk}


def test_formula_safe_also_drops_characters_a_workbook_cannot_hold():
    from crm.exports import formula_safe

    assert formula_safe("甲\x00公\x01司") == "甲公司"
    assert formula_safe("\x02=1+1") == "'=1+1"
    assert formula_safe("普通文字 ABC") == "普通文字 ABC" and formula_safe(3) == 3
