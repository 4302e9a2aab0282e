"""Pinyin initials of a firm's name, for search from a phone keyboard ("szsxxkj" finds 深圳市星下科技)."""

from __future__ import annotations

import unicodedata

from pypinyin import Style, lazy_pinyin


def name_initials(name: str) -> str:
    text = unicodedata.normalize("NFKC", name or "")
    # Heteronyms take their most common reading; errors="default" keeps latin letters and digits as they are.
    parts = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default", strict=False)
    return "".join(ch for ch in "".join(parts).lower() if ch.isalnum())[:200]
