"""The shortcuts the 100k-row import takes must give the same answers as the plain rules."""

from namelists.initials import name_initials
from namelists.diff import _former_names


def test_name_initials_keeps_letters_and_digits_and_drops_punctuation():
    assert name_initials("深圳市星下科技（深圳）有限公司ABC 12") == "szsxxkjszyxgsabc12"
    assert name_initials("A-b_c·") == "abc"
    assert name_initials("") == ""


def test_name_initials_is_capped_at_the_column_length():
    assert len(name_initials("深" * 300)) == 200


def test_former_names_decodes_postgres_text_and_passes_lists_through():
    assert _former_names('[{"name": "旧名", "until": "2025-01-01"}]') == [{"name": "旧名", "until": "2025-01-01"}]
    assert _former_names([{"name": "旧名"}]) == [{"name": "旧名"}]
    assert _former_names(None) == []


def test_numbers_beyond_their_columns_are_reported_not_sent_to_the_database():
    import pytest

    from namelists.parsing import parse_number

    for raw in (1e12, "99,999,999,999", float("inf")):
        with pytest.raises(ValueError):
            parse_number(raw, integer=True)
    with pytest.raises(ValueError):
        parse_number("1,000,000,000,000,000")
    assert parse_number(2_147_483_647.0, integer=True) == 2_147_483_647
    assert parse_number("1,234", integer=True) == 1234


def test_a_record_is_handed_on_once_when_final_with_its_duplicates_merged():
    """parse_rows' on_final lets the commit diff and write records while the file is still being read: a firm must
    reach it exactly once, and a repeated firm only at its last row, with the later values merged in."""
    import random

    from namelists.parsing import count_codes, parse_rows
    from tests.namelists.factories import make_code

    rng = random.Random(7)
    a, b, c = (make_code(rng) for _ in range(3))
    full_width_b = b.lower().translate({ord(ch): ord(ch) + 0xFEE0 for ch in "0123456789abcdefghijklmnopqrstuvwxyz"})
    rows = [["统一社会信用代码", "企业名称", "地址"],
            [a, "甲公司", "一路"], [b, "乙公司", ""], ["", "注：说明", ""], [c, "丙公司", "三路"],
            [full_width_b, "", "二路"], ["91440300MA5XXXXXX0", "坏代码", ""], [a, "甲公司新名", ""], [None, None, None]]
    mapping = {0: "uscc", 1: "name", 2: "address"}
    counts = count_codes(rows, 0, 0)
    assert counts == {a: 2, b: 2, c: 1}

    class NoIndustries:
        by_code: dict = {}

    handed: list = []
    parsed = parse_rows(rows, 0, rows[0], mapping, NoIndustries(), counts,
                        lambda rec: handed.append((rec.code, dict(rec.values))))
    assert [code for code, _ in handed] == [c, b, a]  # c at once; b and a at their last rows
    assert dict(handed) == {a: {"name": "甲公司新名", "address": "一路"}, b: {"name": "乙公司", "address": "二路"},
                            c: {"name": "丙公司", "address": "三路"}}
    assert set(parsed.records) == {a, b, c} and parsed.duplicates == 2
    assert all(record.values is None for record in parsed.records.values())  # freed once handed on


def test_the_progress_bar_moves_while_a_large_list_is_validated(db):
    """A 100,000-row list takes seconds between "校验" and the writes: the bar must move in between, not sit at 20 %."""
    import random

    from namelists import services
    from tests.namelists.factories import csv_bytes, guangming_streets, make_code

    guangming_streets()
    rng = random.Random(3)
    rows = [["统一社会信用代码", "企业名称", "所属街道"]]
    rows += [[make_code(rng), f"深圳市第{i}号科技有限公司", "光明街道"] for i in range(3000)]
    reports: list = []
    services.analyse(csv_bytes(rows), "名录.csv", "sishang", 2025, None,
                     progress=lambda pct, note: reports.append((pct, note)))

    validating = [pct for pct, note in reports if note == "校验数据与比对现有数据"]
    assert validating[0] == 20 and len(validating) >= 3 and all(20 < pct <= 60 for pct in validating[1:])
    assert validating == sorted(validating) and reports[-1] == (60, "预览完成")
