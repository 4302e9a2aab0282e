"""Read queries of 惠企政策 for pages and exports. Every query starts from `.visible_to(user)`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enterprises.models import Classification, Enterprise
from policies.matching import explain, matching_for_user
from policies.models import Delivery, Policy, Stage

PAGE_SIZE = 50

#: Funnel columns: (name, label, condition on a delivery). "informed" and later include every later stage.
FUNNEL = [
    ("matched", gettext_lazy("已匹配"), Q(matched=True)),
    ("informed", gettext_lazy("已告知"), Q(informed_on__isnull=False)),
    ("applied", gettext_lazy("已申报"), Q(applied_on__isnull=False)),
    ("approved", gettext_lazy("获批"), Q(approved=True)),
    ("rejected", gettext_lazy("未获批"), Q(approved=False)),
    ("paid", gettext_lazy("已兑现"), Q(paid_on__isnull=False)),
]


def policies_for(user, *, status: str = "", q: str = "") -> QuerySet[Policy]:
    qs = Policy.objects.visible_to(user).select_related("department", "street")
    if status in Policy.Status.values:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(document_no__icontains=q) | Q(issuer__icontains=q))
    return qs.order_by("-pk")


@dataclass
class Page:
    rows: list
    next_cursor: int | None


def keyset(qs: QuerySet, after: str, size: int = PAGE_SIZE) -> Page:
    """Bounded pagination on the primary key: no COUNT, no OFFSET."""
    try:
        cursor = int(after)
    except (TypeError, ValueError):
        cursor = None
    if cursor is not None:
        qs = qs.filter(pk__gt=cursor)
    rows = list(qs.order_by("pk")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows, rows[-1].pk if more and rows else None)


def matched_page(policy: Policy, user, after: str = "") -> Page:
    firms = matching_for_user(policy, user).select_related("street", "community", "industry")
    page = keyset(firms, after)
    stages = dict(Delivery.objects.filter(policy=policy, enterprise_id__in=[f.pk for f in page.rows])
                  .values_list("enterprise_id", "stage"))
    for firm in page.rows:
        firm.delivery_stage = Stage(stages[firm.pk]).label if firm.pk in stages else ""
    return page


def match_count(policy_rules, user, street_id: int | None = None) -> int:
    """How many firms the user may see match the rules (a street's own policy: in that street only)."""
    from policies.matching import matching

    base = Enterprise.objects.visible_to(user)
    return matching(policy_rules, base=base.filter(street_id=street_id) if street_id else base).count()


def deliveries_for(user, *, policy: Policy | None = None, officer=None, street=None, stage: str = "",
                   mine: bool = False) -> QuerySet[Delivery]:
    qs = Delivery.objects.visible_to(user).select_related("enterprise", "policy", "officer", "enterprise__street")
    if policy is not None:
        qs = qs.filter(policy=policy)
    if mine:
        qs = qs.filter(officer=user)
    if officer:
        qs = qs.filter(officer_id=officer)
    if street:
        qs = qs.filter(enterprise__street_id=street)
    conditions = dict((name, cond) for name, _, cond in FUNNEL)
    if stage in conditions:
        qs = qs.filter(conditions[stage])
    elif stage == "todo":
        qs = qs.filter(stage__in=(Stage.MATCHED, Stage.INFORMED, Stage.INTENDS))
    return qs


def funnel(user, policy: Policy, by: str = "street") -> tuple[dict, list[dict]]:
    """Per policy: matched / informed / applied / approved / rejected / paid (count, and amounts), in total and by
    street or officer. One aggregation over the policy's deliveries."""
    group = {"street": ("enterprise__street_id", "enterprise__street__name"),
             "officer": ("officer_id", "officer__username")}[by]
    # Aggregates are named n_<column>: a name like "approved" would clash with the field of that name.
    aggregates = {f"n_{name}": Count("pk", filter=cond) for name, _, cond in FUNNEL}
    aggregates["n_approved_amount"] = Sum("approved_amount")
    aggregates["n_paid_amount"] = Sum("paid_amount", filter=Q(paid_on__isnull=False))

    def plain(row: dict) -> dict:
        return {(k[2:] if k.startswith("n_") else k): v for k, v in row.items()}

    qs = Delivery.objects.visible_to(user).filter(policy=policy)
    total = plain(qs.aggregate(**aggregates))
    rows = [plain(r) for r in qs.values(*group).annotate(**aggregates).order_by(group[1])]
    for row in rows:
        row["key"], row["label"] = row[group[0]], row[group[1]] or _("（未分配）")
    return total, rows


def street_amounts(user, year: int, street=None) -> tuple[list[dict], list[dict], Decimal]:
    """Per street and year: the amount paid by policy, and by the classification the firms held that year (a firm
    in several classifications counts in each). One query each."""
    paid = Delivery.objects.visible_to(user).filter(paid_on__year=year, paid_amount__isnull=False)
    if street:
        paid = paid.filter(enterprise__street_id=street)
    by_policy = list(paid.values("policy_id", "policy__title").annotate(amount=Sum("paid_amount"), firms=Count("pk"))
                     .order_by("-amount"))
    facts = Classification.objects.in_year(year)
    aggregates = {}
    for kind, _label in Classification.Kind.choices:
        held = Exists(facts.filter(kind=kind, enterprise_id=OuterRef("enterprise_id")))
        aggregates[f"k_{kind}"] = Sum("paid_amount", filter=Q(held))
        aggregates[f"n_{kind}"] = Count("pk", filter=Q(held))
    totals = paid.aggregate(total=Sum("paid_amount"), **aggregates)
    by_kind = [{"kind": kind, "label": label, "amount": totals[f"k_{kind}"] or Decimal("0"),
                "firms": totals[f"n_{kind}"]} for kind, label in Classification.Kind.choices]
    return by_policy, by_kind, totals["total"] or Decimal("0")


def for_enterprise(enterprise: Enterprise, user) -> dict:
    """The firm's page: open policies it qualifies for and why, those it nearly meets, and what it received."""
    today = timezone.localdate()
    open_policies = list(Policy.objects.visible_to(user).filter(status=Policy.Status.OPEN)
                         .filter(Q(window_closes__isnull=True) | Q(window_closes__gte=today))
                         .filter(Q(street__isnull=True) | Q(street_id=enterprise.street_id))[:50])
    explanations = explain(enterprise, open_policies, on=today)
    deliveries = list(Delivery.objects.visible_to(user).filter(enterprise=enterprise).select_related("policy")
                      .order_by("-pk"))
    received = [d for d in deliveries if d.paid_on or d.approved]
    return {
        "qualifies": [e for e in explanations if e.qualifies],
        "nearly": [e for e in explanations if e.nearly],
        "deliveries": {d.policy_id: d for d in deliveries},
        "received": received,
        "received_total": sum((d.paid_amount or Decimal("0")) for d in received if d.paid_on),
    }


def years() -> list[int]:
    this = timezone.localdate().year
    return list(range(this, this - 5, -1))


def parse_year(value) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def today() -> dt.date:
    return timezone.localdate()


def imports_of(user, policy, limit: int = 10) -> list:
    """The approvals/payments lists imported for a policy (import pipeline batches the user sees), newest first."""
    from namelists.selectors import batches_for

    return list(batches_for(user).filter(list_kind="policy_outcomes", options__policy=policy.pk).order_by("-id")[:limit])
