"""The two shipped sample lists must import with exactly the expected results (expected_public.json)."""

import json
from pathlib import Path

import pytest
from django.core.management import call_command

from enterprises.models import AnnualFigure, Classification, Enterprise
from namelists import services
from namelists.models import ImportBatch, ImportIssue
from tests.namelists.factories import guangming_streets

DATA = Path(__file__).parent / "data"
EXPECTED = json.loads((DATA / "expected_public.json").read_text(encoding="utf-8"))


def run_import(name, kind, **kwargs):
    data = (DATA / name).read_bytes()
    batch = services.create_batch(None, data, name, kind, **kwargs)
    return services.commit_batch(batch.pk)


@pytest.fixture
def streets(db):
    return guangming_streets()


@pytest.mark.parametrize("name,kind", [("guangming_sishang_2025.xlsx", "sishang"), ("zjtx_2025_utf8.csv", "zjtx")])
def test_sample_imports_exactly_the_expected_codes_names_and_rejections(streets, name, kind):
    expected = EXPECTED[name]
    batch = run_import(name, kind)

    assert batch.status == ImportBatch.Status.COMMITTED, batch.message
    codes = set(Enterprise.objects.values_list("uscc", flat=True))
    assert codes == set(expected["valid_codes"])
    assert not codes & set(expected["rejected_cells"])
    names = dict(Enterprise.objects.values_list("uscc", "name"))
    for code, name_ in expected["names"].items():
        assert names[code] == name_
    assert batch.counts["created"] == len(expected["valid_codes"])
    assert batch.counts["errors"] == len(expected["rejected_cells"])
    # Every rejected row is explained with its Excel row number and the code column.
    errors = ImportIssue.objects.filter(batch=batch, severity="error")
    assert errors.count() == len(expected["rejected_cells"])
    assert all(e.row > 1 and "信用代码" in e.column and e.reason for e in errors)
    assert Classification.objects.filter(kind=kind, year=2025).count() == len(expected["valid_codes"])


def test_sishang_sample_sets_category_from_industry_and_figures(streets):
    run_import("guangming_sishang_2025.xlsx", "sishang")
    # 914403112LTFY5G0BD: 3581 (C, manufacturing) → 规上工业; revenue 192581.8, 820 employees, in 光明街道/东周社区.
    ent = Enterprise.objects.get(uscc="914403112LTFY5G0BD")
    assert ent.street.code == "440311001" and ent.community.name == "东周社区" and ent.industry.code == "3581"
    fact = Classification.objects.get(enterprise=ent, kind="sishang", year=2025)
    assert fact.category == "industry" and fact.source.startswith("import:")
    figure = AnnualFigure.objects.get(enterprise=ent, year=2025)
    assert str(figure.revenue) == "192581.80" and figure.employees == 820
    # 4710 住宅房屋建筑 (E) → construction; 5251 西药零售 → retail; 6513 → services.
    cats = dict(Classification.objects.filter(kind="sishang").values_list("enterprise__industry__code", "category"))
    assert cats["4710"] == "construction" and cats["5251"] == "retail" and cats["6513"] == "services"
    assert cats["5191"] == "wholesale"


def test_names_with_ascii_brackets_and_trailing_spaces_are_normalised(streets):
    run_import("guangming_sishang_2025.xlsx", "sishang")
    assert Enterprise.objects.get(uscc="91440311L5NGL2358K").name == "模具雾化科技有限公司00013（深圳）"


def test_importing_the_same_file_twice_creates_and_changes_nothing(streets):
    run_import("guangming_sishang_2025.xlsx", "sishang")
    before = (Enterprise.objects.count(), Classification.objects.count(), AnnualFigure.objects.count())
    second = run_import("guangming_sishang_2025.xlsx", "sishang")
    assert second.counts["created"] == 0 and second.counts["updated"] == 0
    assert second.counts["unchanged"] == len(EXPECTED["guangming_sishang_2025.xlsx"]["valid_codes"])
    assert second.changes.count() == 0
    assert (Enterprise.objects.count(), Classification.objects.count(), AnnualFigure.objects.count()) == before
    assert "已于" in second.message


def test_zjtx_without_tier_column_gets_the_documented_default_tier(streets):
    run_import("zjtx_2025_utf8.csv", "zjtx")
    fact = Classification.objects.filter(kind="zjtx").first()
    assert fact.category == "municipal" and "级别未注明" in fact.reason
    assert fact.valid_from.isoformat() == "2025-01-01" and fact.valid_to.isoformat() == "2027-12-31"


def test_command_reproduces_the_samples_and_prints_json_last(streets, capsys):
    for name, kind in (("guangming_sishang_2025.xlsx", "sishang"), ("zjtx_2025_utf8.csv", "zjtx")):
        call_command("import_namelist", str(DATA / name), "--list", kind)
        last = capsys.readouterr().out.strip().splitlines()[-1]
        result = json.loads(last)
        expected = EXPECTED[name]
        assert result["created"] == len(expected["valid_codes"])
        assert result["errors"] == len(expected["rejected_cells"])
        assert {"rows", "created", "updated", "unchanged", "errors", "duplicates"} <= set(result)
    assert Enterprise.objects.count() == sum(len(e["valid_codes"]) for e in EXPECTED.values())
