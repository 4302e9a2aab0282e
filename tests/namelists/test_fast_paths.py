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
