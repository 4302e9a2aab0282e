"""Per-character pinyin initials of a firm's name, for the name-list import ("szsxxkj" for 深圳市星下科技).

pypinyin knows every reading but costs ~0.7 s and ~60 MB to import, paid by every worker that imports a list. The
import only needs one letter per character, so the first letters of the CJK Unified Ideographs (U+4E00–U+9FFF)
and Extension A (U+3400–U+4DBF) are kept in `data/cjk_initials.txt`, one character per code point ("_" where
pypinyin knows no reading and, like pypinyin, the character stands for itself). Other characters still ask
pypinyin, lazily. Rebuild the table after upgrading pypinyin:

    python -m namelists.initials

The registry's own `enterprises.pinyin.name_initials` is phrase-aware (长 in 长圳 reads chang, not zhang) and is
what a form save uses; the import takes each character's most common reading, ~50× faster at 100,000 names.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

TABLE_PATH = Path(__file__).resolve().parent / "data" / "cjk_initials.txt"
RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF))
ITSELF = "_"


def _from_pypinyin(ch: str) -> str:
    from pypinyin import Style, lazy_pinyin

    parts = lazy_pinyin(ch, style=Style.FIRST_LETTER, errors="default", strict=False)
    return "".join(parts).lower()[:1] if parts else ""


@lru_cache(maxsize=1)
def _table() -> dict[int, str]:
    text = TABLE_PATH.read_text(encoding="ascii")
    table: dict[int, str] = {}
    offset = 0
    for first, last in RANGES:
        for point, letter in zip(range(first, last + 1), text[offset:offset + last - first + 1]):
            table[point] = chr(point) if letter == ITSELF else letter
        offset += last - first + 1
    return table


class _InitialTable(dict):
    """code point → the character's initial ("" for punctuation), filled on first sight: str.translate then runs
    the whole name in C (it honours __missing__), ~10× faster than a per-character generator at 100k names."""

    def __missing__(self, point: int) -> str:
        ch = chr(point)
        if ch <= "\x7f":
            piece = ch.lower()
        else:
            piece = _table().get(point)
            if piece is None:
                piece = _from_pypinyin(ch)
        self[point] = piece = piece if piece.isalnum() else ""
        return piece


_INITIALS = _InitialTable()


def name_initials(name: str) -> str:
    """Letters and digits kept (lower case), one initial per Chinese character, punctuation dropped; ≤ 200."""
    return name.translate(_INITIALS)[:200]


def build_table() -> str:
    letters = []
    for first, last in RANGES:
        for point in range(first, last + 1):
            piece = _from_pypinyin(chr(point))
            if piece == chr(point):
                letters.append(ITSELF)
            elif len(piece) == 1 and piece.isascii() and piece.isalnum():
                letters.append(piece)
            else:
                raise ValueError(f"unexpected initial {piece!r} for U+{point:04X}")
    return "".join(letters)


if __name__ == "__main__":
    TABLE_PATH.parent.mkdir(exist_ok=True)
    TABLE_PATH.write_text(build_table(), encoding="ascii")
    print(f"wrote {TABLE_PATH} ({TABLE_PATH.stat().st_size} characters)")
