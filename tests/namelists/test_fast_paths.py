"""The shortcuts the 100k-row import takes must give the same answers as the plain rules."""

from namelists.initials import name_initials
from namelists.services import _former_names


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
