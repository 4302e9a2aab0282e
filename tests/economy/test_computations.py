"""Growth, 拉动, 贡献率 and the meeting's lists against hand computations over two months of one street.

April (1—4月), 马田:  A ytd 100 / last year 80; B 50 / empty (new this year); C 30 / 0 (zero last year); D 20 / 60.
May (1—5月):        A 130 / 100; B 70 / empty; C 40 / 0; E 90 / 100; D is no longer on the list.
May by hand: Σytd = 330, Σlast year = 200 (empty counts as 0), growth = 130 / 200 = 65.0 %;
increments A +30, B +70, C +40, E −10 → 拉动 15.00, 35.00, 20.00, −5.00 pp (sum 65 = growth);
贡献率 = increment / 130: B 53.85 %.
"""

import datetime as dt
import subprocess
import sys
from decimal import Decimal

import pytest
from django.core.management import call_command

from economy import selectors
from economy.models import MonthlyFigure
from enterprises.models import Enterprise
from namelists.models import ImportBatch, ImportChange
from tests.economy.factories import import_file, monthly_xlsx, report
from tests.enterprises.factories import make_uscc

A, B, C, D, E = (make_uscc(n) for n in (101, 102, 103, 104, 105))
APRIL = [(A, "甲公司", "马田街道", 25, 100, 80), (B, "乙公司", "马田街道", 12.5, 50, None),
         (C, "丙公司", "马田街道", 7.5, 30, 0), (D, "丁公司", "马田街道", 5, 20, 60)]
MAY = [(A, "甲公司", "马田街道", 30, 130, 100), (B, "乙公司", "马田街道", 20, 70, None),
       (C, "丙公司", "马田街道", 0, 40, 0), (E, "戊公司", "马田街道", 9, 90, 100)]
MAY_D = dt.date(2026, 5, 1)


@pytest.fixture
def two_months(street, tmp_path):
    import_file(tmp_path, monthly_xlsx(4, APRIL), "2026-04", name="april.xlsx")
    return import_file(tmp_path, monthly_xlsx(5, MAY), "2026-05", name="may.xlsx")


def test_growth_counts_only_this_months_firms_and_empty_last_year_as_zero(two_months):
    got = report("2026-05", "industrial_output", "--street", "440311006")
    assert got["firms"] == 4  # D, which left the list, is not counted
    assert got["ytd"] == "330.0" and got["ytd_last_year"] == "200.0"
    assert got["growth_pct"] == "65.0"


def test_pulls_add_up_to_growth_and_are_ordered_exactly(two_months):
    got = report("2026-05", "industrial_output", "--street", "440311006")
    assert got["pull"] == [{"code": B, "pull_pts": "35.00"}, {"code": C, "pull_pts": "20.00"},
                           {"code": A, "pull_pts": "15.00"}]
    assert got["drag"] == [{"code": E, "pull_pts": "-5.00"}]
    total = selectors.totals(MAY_D, "industrial_output")
    pull, drag = selectors.pull_drag(MAY_D, "industrial_output")
    assert sum(p.pull_pts for p in pull + drag) == total.growth == Decimal(65)
    b = next(p for p in pull if p.code == B)
    assert b.contribution_pct.quantize(Decimal("0.01")) == Decimal("53.85")


def test_firm_new_this_year_and_firm_with_zero_last_year_have_no_growth_of_their_own(two_months):

    series_b = selectors.firm_series(Enterprise.objects.get(uscc=B).pk)
    assert [r["growth"] for r in series_b] == [None, None]
    assert MonthlyFigure.objects.get(enterprise__uscc=B, month=MAY_D).ytd_last_year is None
    assert MonthlyFigure.objects.get(enterprise__uscc=C, month=MAY_D).ytd_last_year == 0



def test_firm_that_left_the_list_is_listed_as_not_reported_and_zero_report_as_zero(two_months):
    missing = selectors.not_reported(MAY_D, "industrial_output")
    assert [m["code"] for m in missing] == [D]
    assert [z.code for z in selectors.zero_reports(MAY_D, "industrial_output")] == [C]


def test_big_drop_uses_the_configured_share(two_months, settings):
    # E: 90 against 100 is −10 %: not a drop at 20 %, a drop at 5 %.
    assert selectors.big_drops(MAY_D, "industrial_output") == []
    settings.ECONOMY_DROP_SHARE = "0.05"
    assert [r.code for r in selectors.big_drops(MAY_D, "industrial_output")] == [E]


def test_revised_month_replaces_every_figure_and_keeps_what_changed(two_months, tmp_path):
    revised = [(A, "甲公司", "马田街道", 20, 120, 100), (B, "乙公司", "马田街道", 20, 70, None),
               (C, "丙公司", "马田街道", 0, 40, 0)]  # A revised down, E withdrawn by the bureau
    counts = import_file(tmp_path, monthly_xlsx(5, revised), "2026-05", name="may_revised.xlsx")
    assert (counts["created"], counts["updated"], counts["unchanged"], counts["closed"]) == (0, 1, 2, 1)
    got = report("2026-05", "industrial_output", "--street", "440311006")
    # Σytd 230, Σlast year 100 → 130.0 %; A +20 → 20.00 pp.
    assert (got["firms"], got["ytd"], got["ytd_last_year"], got["growth_pct"]) == (3, "230.0", "100.0", "130.0")
    assert {"code": A, "pull_pts": "20.00"} in got["pull"] and got["drag"] == []
    assert not MonthlyFigure.objects.filter(enterprise__uscc=E, month=MAY_D).exists()
    batch = ImportBatch.objects.latest("id")
    changes = {(c.enterprise.uscc, c.action, c.field, c.before, c.after)
               for c in ImportChange.objects.filter(batch=batch)}
    assert (A, "updated", "ytd", "130.00", "120.00") in changes
    assert (E, "closed", "ytd", "90.00", "") in changes
    # April is untouched by May's revision.
    assert MonthlyFigure.objects.filter(month=dt.date(2026, 4, 1)).count() == 4


def test_import_with_street_replaces_only_that_street(street, other_street, tmp_path):
    both = [(A, "甲公司", "马田街道", 1, 10, 5), (B, "乙公司", "玉塘街道", 1, 10, 5)]
    import_file(tmp_path, monthly_xlsx(5, both), "2026-05")
    only_mt = [(A, "甲公司", "马田街道", 1, 12, 5), (B, "乙公司", "玉塘街道", 1, 99, 5)]
    counts = import_file(tmp_path, monthly_xlsx(5, only_mt), "2026-05", "--street", "440311006", name="mt.xlsx")
    assert counts["other_street"] == 1 and counts["updated"] == 1
    assert MonthlyFigure.objects.get(enterprise__uscc=B).ytd == 10  # 玉塘's figure is not replaced


def test_ties_are_broken_by_code_ascending(street, tmp_path):
    codes = sorted(make_uscc(n) for n in (201, 202, 203))
    rows = [(codes[2], "x", "马田街道", 1, 20, 10), (codes[0], "y", "马田街道", 1, 20, 10),
            (codes[1], "z", "马田街道", 1, 30, 10)]
    import_file(tmp_path, monthly_xlsx(5, rows), "2026-05")
    got = report("2026-05", "industrial_output", "--top", "3")
    assert [p["code"] for p in got["pull"]] == [codes[1], codes[0], codes[2]]
    assert got["streets"] == [{"code": "440311006", "ytd": "70.0", "growth_pct": "133.3", "rank": 1}]


@pytest.mark.parametrize("args,message", [
    (["--month", "2026-13", "--indicator", "revenue"], "月份"),
    (["--month", "2026-5x", "--indicator", "revenue"], "月份"),
    (["--month", "2026-05", "--indicator", "gdp"], "指标"),
    (["--month", "2025-01", "--indicator", "revenue"], "没有"),
])
def test_report_refuses_with_one_line_and_exit_2(two_months, capsys, args, message):
    with pytest.raises(SystemExit) as exc:
        call_command("economy", "report", *args)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err


def test_period_word_headers_and_forced_indicator(street, tmp_path):
    headers = ["序号", "社会信用代码", "单位名称", "街道", "本月工业总产值", "1至5月工业总产值", "上年同期", "增速"]
    data = monthly_xlsx(5, [(A, "甲公司", "马田街道", 1, 11, 10)], sheet="Sheet1", title="月报", headers=headers)
    counts = import_file(tmp_path, data, "2026-05")
    assert counts["created"] == 1
    fig = MonthlyFigure.objects.get()
    assert (fig.indicator, fig.value, fig.ytd, fig.ytd_last_year) == ("industrial_output", 1, 11, 10)
    # No sheet name, title or header names an indicator: --indicator is needed.
    plain = ["序号", "社会信用代码", "单位名称", "街道", "本月", "1～5月", "上年同期累计", "增速"]
    data = monthly_xlsx(5, [(B, "乙公司", "马田街道", 1, 22, 20)], sheet="Sheet1", title="月报", headers=plain)
    with pytest.raises(SystemExit) as exc:
        import_file(tmp_path, data, "2026-05", name="plain.xlsx")
    assert exc.value.code == 2
    import_file(tmp_path, data, "2026-05", "--indicator", "revenue", name="plain.xlsx")
    assert MonthlyFigure.objects.get(enterprise__uscc=B).indicator == "revenue"


def test_month_of_file_must_agree_with_the_given_month(street, tmp_path):
    with pytest.raises(SystemExit) as exc:
        import_file(tmp_path, monthly_xlsx(4, APRIL), "2026-05")
    assert exc.value.code == 2
    assert not MonthlyFigure.objects.exists() and not Enterprise.objects.exists()


def test_watch_lists_withdrawn_at_risk_and_new_entrants(two_months, tmp_path):
    from enterprises.models import IndustryCategory, SishangThreshold
    from tests.enterprises.factories import ClassificationFactory

    firms = {e.uscc: e for e in Enterprise.objects.all()}
    big = make_uscc(106)
    import_file(tmp_path, monthly_xlsx(5, MAY + [(big, "己公司", "马田街道", 200, 1000, 900)]), "2026-05",
                name="may_big.xlsx")
    firms[big] = Enterprise.objects.get(uscc=big)
    industry = IndustryCategory.objects.filter(code="3982").first() or IndustryCategory.objects.create(
        code="3982", name="电子电路制造", level="xiao", section="C")
    Enterprise.objects.filter(uscc__in=[A, big]).update(industry=industry)
    SishangThreshold.objects.create(year=2026, category="industry", industry_prefixes="B,C,D", min_revenue=2000)
    SishangThreshold.objects.create(year=2026, category="services", industry_prefixes="G,I", min_revenue=5000)
    # D was 四上 last year, not this year: 退库. B is new this year: 新纳统. A stays.
    for code in (A, D):
        ClassificationFactory(enterprise=firms[code], year=2025)
    for code in (A, B):
        ClassificationFactory(enterprise=firms[code], year=2026)
    assert [r["code"] for r in selectors.withdrawn(2026)] == [D]
    assert [r["code"] for r in selectors.new_entrants(2026)] == [B]
    # At risk: ytd × 12 ÷ 5 below the threshold of the firm's industry. A: 130 → 312 < 2000; 己: 1000 → 2400, safe.
    # B, C, E have no industry: the lowest threshold of the indicator's categories (industry: 2000) applies.
    risk = {r["code"]: r for r in selectors.at_risk(MAY_D, "industrial_output")}
    assert set(risk) == {A, B, C, E}
    assert risk[A]["annualised"] == Decimal("312") and risk[A]["threshold"] == Decimal("2000")


def test_dry_run_writes_nothing(street, tmp_path):
    counts = import_file(tmp_path, monthly_xlsx(5, MAY), "2026-05", "--dry-run")
    assert counts["created"] == 4 and counts["dry_run"] is True and counts["batch"] is None
    assert not MonthlyFigure.objects.exists() and not Enterprise.objects.exists()
    assert not ImportBatch.objects.exists()


def test_bad_rows_are_reported_and_the_rest_imported(street, tmp_path):
    rows = MAY[:2] + [("91440311ABCDEFGH1X", "坏代码公司", "马田街道", 1, 2, 3),
                      (make_uscc(107), "坏数字公司", "马田街道", 1, "一百", 3)]
    counts = import_file(tmp_path, monthly_xlsx(5, rows), "2026-05")
    assert counts["errors"] == 2 and counts["created"] == 2
    assert MonthlyFigure.objects.count() == 2
