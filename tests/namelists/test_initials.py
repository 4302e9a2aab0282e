"""The import's pinyin initials come from a committed table that must say what pypinyin says."""

import random

from pypinyin import Style, lazy_pinyin

from namelists.initials import RANGES, TABLE_PATH, build_table, name_initials


def pypinyin_initials(name: str) -> str:
    """The rule the table stands for, spelled out with pypinyin itself."""
    out = []
    for ch in name:
        if ch <= "\x7f":
            piece = ch.lower()
        else:
            parts = lazy_pinyin(ch, style=Style.FIRST_LETTER, errors="default", strict=False)
            piece = "".join(parts).lower()[:1] if parts else ""
        out.append(piece if piece.isalnum() else "")
    return "".join(out)[:200]


def test_the_committed_table_is_what_the_generator_builds_from_the_installed_pypinyin():
    assert TABLE_PATH.read_text(encoding="ascii") == build_table()


def test_initials_agree_with_pypinyin_on_range_ends_heteronyms_and_random_names():
    rng = random.Random(4754)
    points = [p for first, last in RANGES for p in (first, first + 1, last - 1, last)]
    names = ["长圳", "银行", "重庆", "深圳市星下科技（深圳）有限公司ABC 12", "Ａｂ①·—𠀀", "", "A-b_c·"]
    names += ["".join(chr(rng.choice(range(*RANGES[rng.randrange(2)]))) for _ in range(12)) for _ in range(300)]
    names += [chr(p) for p in points]
    for name in names:
        assert name_initials(name) == pypinyin_initials(name), name


def test_latin_letters_and_digits_are_kept_in_lower_case_and_punctuation_dropped():
    assert name_initials("深圳市星下科技（深圳）有限公司ABC 12") == "szsxxkjszyxgsabc12"
    assert name_initials("深" * 300) == "s" * 200
