"""Classification rules: which 四上 category a firm belongs to, from its industry and revenue in a year.

The one home of the rule, driven by the yearly `SishangThreshold` rows (never by hard-coded prefixes): the
registry (`sishang_category_for`, 小升规 candidates) and the name-list importer (`namelists.rules.sishang_category`,
through `sishang_category_of_industry`) both ask `SishangRules`.

`SishangRules.for_year(year)` reads the threshold rows in force for a year and the division → 门类 table once,
then answers in memory, so an import of 100,000 rows costs two queries, not one per row. The rules of a year are
kept for RULES_TTL seconds and dropped at once when a threshold row is saved or deleted in this process.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from decimal import Decimal

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from enterprises.models import IndustryCategory, SishangThreshold

_CLASS_CODE = re.compile(r"^([A-T])?(\d{2,4})")
SECTIONS = "ABCDEFGHIJKLMNOPQRST"
RULES_TTL = 60.0


def parse_industry_code(raw: str) -> str:
    """"C3982", "3982 电子电路制造", "3982" → "3982"; a bare section letter stays as it is."""
    text = (raw or "").strip().upper()
    m = _CLASS_CODE.match(text)
    if m:
        return m.group(2)
    if len(text) >= 1 and text[0] in SECTIONS and (len(text) == 1 or not text[1].isalnum()):
        return text[0]
    return ""


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


@dataclass
class SishangRules:
    """The threshold rows in force for one statistical year, with the 门类 of every 2-digit division."""

    year: int
    rows: list[SishangThreshold]
    sections: dict[str, str]  # "39" → "C"
    loaded_at: float = 0.0

    @classmethod
    def load(cls, year: int) -> SishangRules:
        rule_year = threshold_year_for(year)
        rows = list(SishangThreshold.objects.filter(year=rule_year)) if rule_year is not None else []
        divisions = IndustryCategory.objects.filter(level=IndustryCategory.Level.DIVISION)
        sections = dict(divisions.values_list("code", "section"))
        return cls(year=year, rows=rows, sections=sections, loaded_at=time.monotonic())

    @classmethod
    def for_year(cls, year: int) -> SishangRules:
        cached = _CACHE.get(year)
        if cached is None or time.monotonic() - cached.loaded_at > RULES_TTL:
            cached = _CACHE[year] = cls.load(year)
        return cached

    def section_of(self, code: str) -> str:
        if code.isalpha():
            return code
        return self.sections.get(code[:2], "")

    def threshold(self, industry_code: str, section: str | None = None) -> SishangThreshold | None:
        """The most specific threshold row whose industry prefixes cover the code (7010 beats K70…, 52 beats F)."""
        code = parse_industry_code(industry_code)
        if not code:
            return None
        section = section or self.section_of(code)
        best, best_score = None, 0
        for row in self.rows:
            score = max((_specificity(p.strip(), code, section) for p in row.industry_prefixes.split(",")
                         if p.strip()), default=0)
            if score > best_score:
                best, best_score = row, score
        return best

    def category_of_industry(self, industry_code: str, section: str | None = None) -> str | None:
        """The 四上 category of an industry, whatever the revenue (a firm already on the 四上 list); None when the
        industry is in no 四上 category (农林牧渔 A, 金融 J, …)."""
        row = self.threshold(industry_code, section)
        return row.category if row else None

    def category_for(self, industry_code: str, revenue: Decimal | float | None) -> str | None:
        """The category a firm with this revenue (万元) qualifies for, or None. Categories with a zero threshold
        (有资质的建筑业, 房地产开发经营) depend on a licence, not on revenue: the industry alone qualifies, the
        licence check is the statistician's."""
        row = self.threshold(industry_code)
        if row is None:
            return None
        if row.min_revenue == 0:
            return row.category
        if revenue is None:
            return None
        return row.category if Decimal(str(revenue)) >= row.min_revenue else None


_CACHE: dict[int, SishangRules] = {}


def clear_rules_cache() -> None:
    _CACHE.clear()


@receiver([post_save, post_delete], sender=SishangThreshold, dispatch_uid="sishang_rules_cache")
def _thresholds_changed(**kwargs) -> None:
    clear_rules_cache()


def matching_threshold(industry_code: str, year: int) -> SishangThreshold | None:
    return SishangRules.for_year(year).threshold(industry_code)


def sishang_category_of_industry(industry_code: str, year: int, section: str | None = None) -> str | None:
    """The 四上 category of a firm on a 四上 list of `year`, from its industry alone (the importer's question)."""
    return SishangRules.for_year(year).category_of_industry(industry_code, section)


def sishang_category_for(industry_code: str, revenue: Decimal | float | None, year: int) -> str | None:
    """The 四上 category (Classification.SishangCategory value) the firm qualifies for in `year`, or None."""
    return SishangRules.for_year(year).category_for(industry_code, revenue)
