"""The shipped monthly sample imports, and `economy report` prints every number of expected_public_monthly.json."""

import json
from pathlib import Path

import pytest
from django.core.management import call_command

from economy.models import MonthlyFigure
from tests.namelists.factories import guangming_streets

DATA = Path(__file__).parent / "data"
SAMPLE = DATA / "guangming_monthly_2026-05.xlsx"
EXPECTED = json.loads((DATA / "expected_public_monthly.json").read_text(encoding="utf-8"))
INDICATORS = {"工业总产值": "industrial_output", "营业收入": "revenue"}


def run(*args) -> dict:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


@pytest.fixture
def imported(db):
    guangming_streets(("440311005", "440311006"))
    return run("import_namelist", str(SAMPLE), "--list", "monthly", "--month", "2026-05")


def test_sample_imports_every_row_of_both_sheets(imported):
    assert imported["rows"] == 100 and imported["errors"] == 0 and imported["created"] == 100
    assert MonthlyFigure.objects.filter(indicator="industrial_output").count() == 60
    assert MonthlyFigure.objects.filter(indicator="revenue").count() == 40


@pytest.mark.parametrize("name", list(INDICATORS))
@pytest.mark.parametrize("scope", ["440311006", "440311005", "district"])
def test_report_matches_every_expected_number(imported, name, scope):
    expected = EXPECTED["by_indicator"][name][scope]
    args = ["economy", "report", "--month", EXPECTED["month"], "--indicator", INDICATORS[name],
            "--top", str(EXPECTED["top"])]
    if scope != "district":
        args += ["--street", scope]
    got = run(*args)
    assert got["month"] == EXPECTED["month"] and got["indicator"] == INDICATORS[name]
    assert got["street"] == (None if scope == "district" else scope)
    for key in ("firms", "ytd", "ytd_last_year", "growth_pct", "pull", "drag"):
        assert got[key] == expected[key], key
    if scope == "district":
        assert got["streets"] == expected["streets"]
    else:
        assert "streets" not in got
