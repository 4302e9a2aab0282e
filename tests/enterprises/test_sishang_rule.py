"""One 四上 rule, driven by the yearly SishangThreshold rows, for the registry and the name-list importer."""

import random
from decimal import Decimal

import pytest

from enterprises.models import Classification, IndustryCategory, SishangThreshold
from enterprises.services.classification import sishang_category_for, sishang_category_of_industry
from namelists import rules, services
from tests.namelists.factories import csv_bytes, guangming_streets, make_code

pytestmark = pytest.mark.django_db
YEAR = 2025
RICH = Decimal("900000")  # 万元: above every threshold


def _one_class_per_section() -> dict[str, str]:
    """The first 小类 of every 门类 A–T, and the first of the divisions the thresholds name (51, 52, 61, 62, 7010…)."""
    codes = {}
    for code, section in IndustryCategory.objects.filter(level="xiao").order_by("code").values_list("code", "section"):
        codes.setdefault(section, code)
        codes.setdefault(code[:2], code)
    codes.setdefault("7010", "7010")
    return codes


def test_every_section_gets_the_same_category_from_the_importer_and_the_registry():
    codes = _one_class_per_section()
    assert set("ABCDEFGHIJKLMNOPQRST") <= set(codes)
    for key, code in codes.items():
        section = IndustryCategory.objects.get(code=code).section
        importer = rules.sishang_category(code, section, YEAR) or None
        assert importer == sishang_category_for(code, RICH, YEAR), (key, code)
        assert importer == sishang_category_of_industry(code, YEAR), (key, code)


def test_agriculture_and_finance_are_in_no_sishang_category():
    """Sections A and J: the importer's old prefix table called them 规上服务业; the yearly thresholds do not."""
    codes = _one_class_per_section()
    assert rules.sishang_category(codes["A"], "A", YEAR) == ""
    assert rules.sishang_category(codes["J"], "J", YEAR) == ""
    assert sishang_category_for(codes["J"], RICH, YEAR) is None


def test_the_importer_follows_a_new_years_thresholds():
    """Thresholds are data: a row added for a year changes what the importer decides from that year on."""
    SishangThreshold.objects.create(year=2030, category="services", industry_prefixes="J", min_revenue=2000)
    assert rules.sishang_category("6620", "J", 2029) == ""
    assert rules.sishang_category("6620", "J", 2030) == Classification.SishangCategory.SERVICES


def test_wholesale_threshold_edge():
    """限额以上批发业: 主营业务收入 2000 万元及以上; 1,999 万元 is not 限上."""
    assert sishang_category_for("5139", Decimal("1999"), YEAR) is None
    assert sishang_category_for("5139", Decimal("1999.99"), YEAR) is None
    assert sishang_category_for("5139", Decimal("2000"), YEAR) == Classification.SishangCategory.WHOLESALE
    assert sishang_category_for("5251", Decimal("500"), YEAR) == Classification.SishangCategory.RETAIL
    assert sishang_category_for("5251", Decimal("499"), YEAR) is None


def test_an_imported_sishang_list_gets_the_registrys_category_for_every_section():
    """Every 门类 through the real importer (one firm each), compared with the registry's answer."""
    streets = guangming_streets(("440311001",))
    street = next(iter(streets.values()))
    codes = {s: c for s, c in _one_class_per_section().items() if len(s) == 1}
    header = ["统一社会信用代码", "单位详细名称", "行业代码", "所属街道", "营业收入（万元）"]
    rows, by_uscc = [header], {}
    for i, (section, code) in enumerate(sorted(codes.items())):
        uscc = make_code(random.Random(i))
        by_uscc[uscc] = code
        rows.append([uscc, f"深圳市{section}门类测试{i}有限公司", code, street.name, str(RICH)])
    batch = services.create_batch(None, csv_bytes(rows), f"{YEAR}年四上名录.csv", "sishang", year=YEAR)
    batch = services.commit_batch(batch.pk)
    imported = dict(Classification.objects.filter(kind="sishang", year=YEAR)
                    .values_list("enterprise__uscc", "category"))
    assert set(imported) == set(by_uscc), batch.message
    for uscc, code in by_uscc.items():
        assert (imported[uscc] or None) == sishang_category_for(code, RICH, YEAR), code
