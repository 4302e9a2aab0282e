"""What a list means: the classification fact a row on a list of a given kind and year stands for.

One place for these rules, so the preview, the commit and the tests agree.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

from enterprises.models import Classification
from enterprises.services.classification import sishang_category_of_industry

Kind = Classification.Kind
Tier = Classification.ZjtxTier

#: Lists whose facts are one per (firm, kind[, tier], year): a firm left off such a list loses that year's fact
#: (deleted), other lists end the open fact. The kinds are defined once, on the model.
YEARLY_KINDS = Classification.PER_YEAR_KINDS
VALIDITY_YEARS = 3  # 专精特新 and 高新技术企业 recognitions are valid for three years


def sishang_category(industry_code: str | None, section: str | None, year: int | None = None) -> str:
    """四上 category of a firm on a 四上 list, from its GB/T 4754-2017 industry and the yearly thresholds in
    force for the list's `year` (enterprises.services.classification, the registry's rule too). Without a year,
    the thresholds in force this year. "" when the industry is in no 四上 category (A 农林牧渔, J 金融, …)."""
    if not industry_code:
        return ""
    on_year = year if year is not None else timezone.localdate().year
    return sishang_category_of_industry(industry_code, on_year, section or None) or ""


def zjtx_tier(text: str) -> str | None:
    """'国家级专精特新“小巨人”' → little_giant; '创新型中小企业' → innovative; '省级…'/'广东省专精特新…' → provincial;
    '市级…'/'深圳市专精特新…' → municipal. 市级 and 省级 are separate recognitions with separate targets, so a
    word that names neither ('专精特新', '区级') is no tier: the list's default applies, with a warning."""
    if not text:
        return None
    if "小巨人" in text or "国家级" in text:
        return Tier.LITTLE_GIANT
    if "创新型" in text:
        return Tier.INNOVATIVE
    if "省级" in text or re.search(r"省[“\"「『]?专精特新", text):
        return Tier.PROVINCIAL
    if "市级" in text or re.search(r"市[“\"「『]?专精特新", text):
        return Tier.MUNICIPAL
    return None


def default_zjtx_tier(title: str, file_name: str) -> tuple[str, str]:
    """A list without a 级别 column: infer the tier from its title rows or file name, else 市级 — the list a
    Shenzhen street receives most often (深圳市中小企业服务局); the fact's reason says it was inferred so a
    statistician can correct it."""
    tier = zjtx_tier(title) or zjtx_tier(file_name)
    if tier:
        return tier, "级别未注明，按名录标题推定"
    return Tier.MUNICIPAL, "级别未注明，暂按市级专精特新登记"


EXCHANGES = [
    (("上海", "上交所", "沪", "科创板", "sse"), Classification.Exchange.SSE),
    (("深圳", "深交所", "深市", "创业板", "szse"), Classification.Exchange.SZSE),
    (("北京", "北交所", "bse"), Classification.Exchange.BSE),
    (("香港", "港交所", "联交所", "hkex", "港股"), Classification.Exchange.HKEX),
    (("纳斯达克", "nasdaq"), Classification.Exchange.NASDAQ),
    (("纽约", "纽交所", "nyse"), Classification.Exchange.NYSE),
]


def exchange_from(text: str, stock_code: str = "") -> str:
    low = (text or "").lower()
    for words, value in EXCHANGES:
        if any(w in low for w in words):
            return value
    # A-share codes tell their exchange: 6xxxxx Shanghai, 0/3xxxxx Shenzhen, 8/4/92xxxx Beijing.
    if re.fullmatch(r"\d{6}", stock_code or ""):
        return {"6": "SSE", "0": "SZSE", "3": "SZSE", "8": "BSE", "4": "BSE", "9": "BSE"}.get(stock_code[0], "OTHER")
    if re.fullmatch(r"\d{4,5}", stock_code or ""):
        return Classification.Exchange.HKEX
    return Classification.Exchange.OTHER if (text or stock_code) else ""


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# The row values desired_fact reads: with the category, they decide the fact.
FACT_INPUTS = ("issued_on", "certificate_no", "listed_on", "stock_code", "exchange", "entered_on")


def desired_fact(kind: str, year: int, values: dict, category: str, today: dt.date) -> dict:
    """The fact (field → value) a row on this list stands for. `category` is the sishang category or zjtx tier."""
    fact: dict = {"kind": kind, "category": "", "year": None, "valid_from": None, "valid_to": None,
                  "certificate_no": "", "exchange": "", "stock_code": ""}
    if kind == Kind.SISHANG:
        fact.update(category=category, year=year)
    elif kind == Kind.ZJTX:
        fact.update(category=category, year=year, valid_from=dt.date(year, 1, 1),
                    valid_to=dt.date(year + VALIDITY_YEARS - 1, 12, 31))
    elif kind == Kind.GAOXIN:
        start = values.get("issued_on") or dt.date(year, 1, 1)
        fact.update(year=start.year, valid_from=start, valid_to=add_years(start, VALIDITY_YEARS) - dt.timedelta(days=1),
                    certificate_no=(values.get("certificate_no") or "")[:40])
    elif kind == Kind.LISTED:
        code = values.get("stock_code") or ""
        fact.update(valid_from=values.get("listed_on"), stock_code=code,
                    exchange=exchange_from(values.get("exchange", ""), code))
    elif kind == Kind.PREIPO:
        fact.update(valid_from=values.get("entered_on") or today)
    return fact


def fact_matches(kind: str, existing: dict, wanted: dict) -> bool:
    """Is this existing fact the same fact as the wanted one (to update it), rather than another fact?"""
    if kind == Kind.SISHANG:
        return existing["year"] == wanted["year"]
    if kind == Kind.ZJTX:
        return existing["year"] == wanted["year"] and existing["category"] == wanted["category"]
    if kind == Kind.GAOXIN:
        if wanted["certificate_no"] and existing["certificate_no"]:
            return existing["certificate_no"] == wanted["certificate_no"]
        return existing["year"] == wanted["year"]
    # listed / preipo: the open fact (no end date) is the one a list re-confirms.
    return existing["valid_to"] is None


# Fields of a fact an import may change once matched; the validity start of a pool entry is kept.
UPDATABLE = {
    Kind.SISHANG: ("category",),
    Kind.ZJTX: ("valid_from", "valid_to"),
    Kind.GAOXIN: ("certificate_no", "valid_from", "valid_to", "year"),
    Kind.LISTED: ("stock_code", "exchange", "valid_from"),
    Kind.PREIPO: (),
}
