"""Matching a rule tree against the registry: one query, used by the pages, the push, the reminders and
`manage.py policies match` alike."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises.models import Enterprise
from policies import rules as R


def matching(tree: Any, *, on: dt.date | None = None, base: QuerySet | None = None) -> QuerySet:
    """Firms of `base` (default: the whole registry) that satisfy `tree` on `on` (default: today).
    Raises RuleError for an invalid tree."""
    tree = R.normalise(tree)
    on = on or timezone.localdate()
    base = Enterprise.objects.all() if base is None else base
    return base.filter(R.compile_rules(tree, on))


def candidates(policy, user) -> QuerySet:
    """The firms a policy may reach for this user: those the user may see, and for a street's own policy only
    that street's."""
    base = Enterprise.objects.visible_to(user)
    return base.filter(street_id=policy.street_id) if policy.street_id else base


def matching_for_user(policy, user, *, on: dt.date | None = None) -> QuerySet:
    """The policy's matched firms the user may see (their street's, or all for district-wide users)."""
    return matching(policy.rules or {"all": []}, on=on, base=candidates(policy, user))


@dataclass
class Explanation:
    policy: Any
    qualifies: bool
    nearly: bool
    met: list[str] = field(default_factory=list)
    unmet: list[str] = field(default_factory=list)


def explain(enterprise: Enterprise, policies, *, on: dt.date | None = None) -> list[Explanation]:
    """For one firm and several policies: whether it qualifies, which conditions it meets and misses, and whether
    it nearly qualifies (the tree is a top-level `all` of which exactly one child fails). One query for all the
    policies: each condition is a boolean column of the firm's row."""
    on = on or timezone.localdate()
    annotations: dict = {}
    plans = []
    for index, policy in enumerate(policies):
        try:
            tree = R.normalise(policy.rules or {"all": []})
        except R.RuleError:
            continue
        ann, names = R.leaf_annotations(tree, on, prefix=f"p{index}")
        annotations.update(ann)
        plans.append((policy, tree, names))
    if not plans:
        return []
    row = (Enterprise.objects.filter(pk=enterprise.pk).annotate(**annotations).values(*annotations).first()
           if annotations else {"pk": enterprise.pk})
    if row is None:
        return []
    out = []
    for policy, tree, names in plans:
        values = {path: bool(row[name]) for name, path in names.items()}
        qualifies = R.evaluate(tree, values)
        met, unmet = [], []
        for leaf in R.leaves(tree):
            negated = leaf.path.split(".").count("not") % 2 == 1
            text = R.describe_leaf(leaf.kind, leaf.spec)
            holds = values[leaf.path] != negated  # a leaf under `not` counts as met when it is false
            (met if holds else unmet).append((_("不满足：") if negated else "") + text)
        nearly = False
        (key, children), = tree.items()
        if not qualifies and key == "all" and children:
            failing = [i for i, child in enumerate(children) if not R.evaluate(child, values, f"all[{i}]")]
            nearly = len(failing) == 1
        out.append(Explanation(policy, qualifies, nearly, met, unmet))
    return out
