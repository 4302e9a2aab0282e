"""What every spreadsheet export shares."""

import unicodedata

from openpyxl.utils import get_column_letter

# A cell starting with one of these would be run by Excel/WPS as a formula (CSV/formula injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value):
    """Text a spreadsheet would run as a formula gets a leading apostrophe, so it is shown as text; control
    characters a workbook cannot hold (openpyxl refuses them) are dropped instead of failing the export."""
    if not isinstance(value, str):
        return value
    if not value.isprintable():  # the common case costs this one C-level test
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def display_width(value) -> int:
    """How wide a cell's text is in a spreadsheet: a CJK (wide or full-width) character counts two."""
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def column_widths(rows, *, minimum: int = 6, maximum: int = 60, sample: int = 500) -> dict[str, float]:
    """Column letter → width fitting the widest of the first `sample` rows (header included), within bounds."""
    widths: dict[int, int] = {}
    for i, row in enumerate(rows):
        if i >= sample:
            break
        for col, value in enumerate(row, start=1):
            widths[col] = max(widths.get(col, 0), display_width(value))
    return {get_column_letter(col): min(max(w + 2, minimum), maximum) for col, w in widths.items()}
