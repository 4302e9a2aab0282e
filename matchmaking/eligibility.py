"""A small evaluator of a bank product's eligibility rule, in the policies app's rule format:
{"all": [...]} / {"any": [...]} with leaves {"classification": {"kind": "zjtx", "category": "..."}},
{"industry": {"prefix": ["C39", "39"]}}, {"figure": {"field": "revenue", "min": 500, "max": ...}},
{"age": {"min_years": 2, "max_years": ...}}.
TODO(integrator): switch to the policies app's engine once merged; this covers only those leaves."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _

from enterprises.models import AnnualFigure, Classification, Enterprise


def firm_facts(enterprise: Enterprise, on: dt.date) -> dict:
    kinds = set(
        Classification.objects.filter(enterprise=enterprise).active_on(on)
        .filter(year__isnull=True).values_list("kind", "category")
    ) | set(
        Classification.objects.filter(enterprise=enterprise, year__gte=on.year - 1).values_list("kind", "category")
    )
    figure = AnnualFigure.objects.filter(enterprise=enterprise).order_by("-year").first()
    code = enterprise.industry.code if enterprise.industry_id else ""
    section = enterprise.industry.section if enterprise.industry_id else ""
    age = None
    if enterprise.established_on:
        age = Decimal((on - enterprise.established_on).days) / Decimal("365.25")
    return {"classifications": kinds, "figure": figure, "code": code, "section": section, "age": age}


def evaluate(rule: dict, facts: dict) -> tuple[bool, list[str]]:
    """(passes, reasons it fails). An empty rule passes."""
    if not rule:
        return True, []
    if "all" in rule:
        failed = [r for sub in rule["all"] for r in evaluate(sub, facts)[1]]
        return not failed, failed
    if "any" in rule:
        results = [evaluate(sub, facts) for sub in rule["any"]]
        if any(ok for ok, _r in results):
            return True, []
        return False, [r for _ok, rs in results for r in rs]
    if "classification" in rule:
        spec = rule["classification"]
        ok = any(k == spec.get("kind") and (not spec.get("category") or c == spec["category"])
                 for k, c in facts["classifications"])
        return ok, [] if ok else [_("需具备认定：%s") % spec.get("kind")]
    if "industry" in rule:
        prefixes = rule["industry"].get("prefix", [])
        full = facts["section"] + facts["code"]
        ok = any(full.startswith(p) or facts["code"].startswith(p) for p in prefixes) if facts["code"] else False
        return ok, [] if ok else [_("行业不在准入范围")]
    if "figure" in rule:
        spec = rule["figure"]
        value = getattr(facts["figure"], spec.get("field", "revenue"), None) if facts["figure"] else None
        if value is None:
            return False, [_("缺少经营数据")]
        ok = (spec.get("min") is None or value >= Decimal(str(spec["min"]))) and (
            spec.get("max") is None or value <= Decimal(str(spec["max"])))
        return ok, [] if ok else [_("经营数据不满足准入条件")]
    if "age" in rule:
        spec, age = rule["age"], facts["age"]
        if age is None:
            return False, [_("缺少成立日期")]
        ok = (spec.get("min_years") is None or age >= spec["min_years"]) and (
            spec.get("max_years") is None or age <= spec["max_years"])
        return ok, [] if ok else [_("成立年限不满足准入条件")]
    return False, [_("条件需人工核实")]
