"""Classification rules: which 四上 category a firm qualifies for, from its industry and revenue in a year."""

from __future__ import annotations

import re
from decimal import Decimal

from enterprises.models import IndustryCategory, SishangThreshold

_CLASS_CODE = re.compile(r"^([A-T])?(\d{2,4})")


def parse_industry_code(raw: str) -> str:
    """"C3982", "3982 电子电路制造", "3982" → "3982"; a bare section letter stays as it is."""
    text = (raw or "").strip().upper()
    m = _CLASS_CODE.match(text)
    if m:
        return m.group(2)
    if len(text) >= 1 and text[0] in "ABCDEFGHIJKLMNOPQRST" and (len(text) == 1 or not text[1].isalnum()):
        return text[0]
    return ""


def section_of(code: str) -> str:
    if code.isalpha():
        return code
    row = IndustryCategory.objects.filter(code=code).values_list("section", flat=True).first()
    return row or ""


def threshold_year_for(year: int) -> int | None:
    """The thresholds in force for a statistical year: the latest set starting on or before it."""
    return (
        SishangThreshold.objects.filter(year__lte=year).order_by("-year").values_list("year", flat=True).first()
    )


def _specificity(prefix: str, code: str, section: str) -> int:
    """0 when the prefix does not match; otherwise longer (more specific) prefixes score higher."""
    if prefix.isalpha():
        return 1 if prefix == section else 0
    return len(prefix) + 1 if code.startswith(prefix) else 0


def matching_threshold(industry_code: str, year: int) -> SishangThreshold | None:
    """The most specific threshold row whose industry prefixes cover the code (7010 beats K70…, 52 beats F)."""
    code = parse_industry_code(industry_code)
    if not code:
        return None
    section = section_of(code)
    rule_year = threshold_year_for(year)
    if rule_year is None:
        return None
    best, best_score = None, 0
    for row in SishangThreshold.objects.filter(year=rule_year):
        score = max(_specificity(p.strip(), code, section) for p in row.industry_prefixes.split(",") if p.strip())
        if score > best_score:
            best, best_score = row, score
    return best


def sishang_category_for(industry_code: str, revenue: Decimal | float | None, year: int) -> str | None:
    """The 四上 category (Classification.SishangCategory value) the firm qualifies for in `year`, or None.

    Categories with a zero threshold (有资质的建筑业, 房地产开发经营) depend on a licence, not on revenue: the
    industry alone qualifies, the licence check is the statistician's.
    """
    row = matching_threshold(industry_code, year)
    if row is None:
        return None
    if row.min_revenue == 0:
        return row.category
    if revenue is None:
        return None
    return row.category if Decimal(str(revenue)) >= row.min_revenue else None
