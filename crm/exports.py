"""What every spreadsheet export shares."""

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
