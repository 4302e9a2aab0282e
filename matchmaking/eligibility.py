"""A bank product's eligibility is a rule tree in the policies app's format (policies/rules.py, documented in
policies/README.md), checked with the same engine as the policies' matching: one rule language for the office."""

from __future__ import annotations

import datetime as dt

from enterprises.models import Enterprise
from policies.rules import RuleError, check_firm, normalise

__all__ = ["RuleError", "check", "validate"]


def validate(rule: dict) -> dict:
    """The rule as stored (normalised), or RuleError with a Chinese message naming the bad node."""
    return normalise(rule) if rule else {}


def check(rule: dict, enterprise: Enterprise, on: dt.date) -> tuple[bool, list[str]]:
    """(the firm meets the rule, the conditions it does not meet). An empty rule is met by every firm."""
    return check_firm(rule, enterprise.pk, on)
