"""Visit rules at work: firms due a visit, firms visited too often (减少扰企), the visit list and campaign totals."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from crm.scoping import visible_streets
from enterprises.models import Enterprise, LiaisonAssignment, Visit, VisitCampaign, VisitProblem, VisitRule
from enterprises.selectors.common import today

if TYPE_CHECKING:
    from crm.models import User


def rules_for(street_id: int | None) -> dict[str, VisitRule]:
    """Active rules by kind: VisitRule.objects.rules_for (the street's own rule overrides the district default)."""
    return VisitRule.objects.rules_for(street_id)


@dataclass
class DueFirm:
    enterprise: Enterprise
    interval: int
    last_visit: dt.date | None
    due_since: dt.date
    reasons: list[str]
    liaisons: list[Any] = field(default_factory=list)

    @property
    def overdue_days(self) -> int:
        return (today() - self.due_since).days


FEW_FIRMS = 2000  # an officer serving at most this many firms is filtered by an id list


def due_visits(user: User, officer: User | None = None, limit: int = 500) -> list[DueFirm]:
    """Firms whose last visit is older than their rule's interval (never visited counts as due), most overdue
    first. `officer` restricts to the firms that person currently serves."""
    return due_in_streets(visible_streets(user), Enterprise.objects.visible_to(user), officer=officer, limit=limit)


def due_in_streets(streets, firms: QuerySet[Enterprise], *, officer: User | None = None,
                   limit: int = 500) -> list[DueFirm]:
    """The rule sweep behind due_visits, also used by the reminder job (which has no user to scope by).

    Reads the firms' derived standing (enterprises.services.standing: last_visit_on, covered, is_<kind>), so each
    street and rule is an ordered scan of the rule kind's partial index (enterprise_due_<flag>_idx) stopped at
    `limit`, and the never-visited firms of that kind, by creation."""
    on = today()
    active = LiaisonAssignment.objects.active_on(on)
    mine = None
    if officer is not None:
        # The officer's firms: as a list of ids when they are few (the usual case, a primary-key lookup), or else a
        # probe per firm along the ordered due index (a scalar subquery PostgreSQL keeps as a per-row SubPlan, so
        # the scan stops at `limit` instead of hashing every assignment of a street-wide liaison).
        ids = list(active.filter(officer=officer).order_by().values_list("enterprise_id", flat=True)[:FEW_FIRMS + 1])
        if len(ids) <= FEW_FIRMS:
            mine = Q(pk__in=ids)
        else:
            firms = firms.alias(served=Subquery(
                active.filter(officer=officer, enterprise_id=OuterRef("pk")).values("pk")[:1]))
            mine = Q(served__isnull=False)
    columns = ("pk", "name", "last_visit_on", "created_at")
    rules_by_street: dict[int, list[VisitRule]] = {}
    found: dict[int, tuple[dt.date, str]] = {}  # candidate → (due since, name)
    worst: dt.date | None = None  # due-since of the limit-th candidate so far: later rows cannot make the list
    for street in streets:
        rules = rules_by_street[street.pk] = sorted(rules_for(street.pk).values(), key=lambda r: r.min_interval_days)
        for rule in rules:
            flag = "covered" if rule.kind == VisitRule.ASSIGNED else f"is_{rule.kind}"
            base = firms.filter(street=street, status=Enterprise.Status.ACTIVE, **{flag: True})
            if mine is not None:
                base = base.filter(mine)
            interval = dt.timedelta(days=rule.min_interval_days)
            # Tuples, not model instances, and at most `limit` per rule, bounded by the list so far.
            last_by = on - interval if worst is None else min(on - interval, worst - interval)
            visited = base.filter(last_visit_on__lte=last_by).order_by("last_visit_on", "pk").values_list(*columns)
            never = base.filter(last_visit_on__isnull=True)
            if worst is not None:
                never = never.filter(created_at__lt=_start_of(worst + dt.timedelta(days=1)))
            never = never.order_by("created_at", "pk").values_list(*columns)
            for pk, name, last, created_at in [*visited[:limit], *never[:limit]]:
                since = min((last + interval) if last else timezone.localtime(created_at).date(), on)
                if pk not in found or since < found[pk][0]:
                    found[pk] = (since, name)
            if len(found) >= limit:
                worst = sorted(v[0] for v in found.values())[limit - 1]
    chosen = sorted(found, key=lambda pk: found[pk])[:limit]
    ents = Enterprise.objects.select_related("street", "community").in_bulk(chosen)
    labels = {kind: str(label) for kind, label in VisitRule.KIND_CHOICES}  # translated once, not per firm
    firms = []
    for pk in chosen:
        firm = _due_firm(ents[pk], rules_by_street[ents[pk].street_id], on, labels)
        if firm is not None:
            firms.append(firm)
    by_firm = defaultdict(list)
    for a in active.filter(enterprise_id__in=[d.enterprise.pk for d in firms]).select_related("officer"):
        by_firm[a.enterprise_id].append(a)
    for d in firms:
        d.liaisons = by_firm.get(d.enterprise.pk, [])
    return firms


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _due_firm(ent: Enterprise, rules: list[VisitRule], on: dt.date, labels: dict[str, str]) -> DueFirm | None:
    """The firm's due entry from its standing: every rule (shortest interval first) that concerns it and whose
    interval has passed since its last visit; the first gives the interval and the due date."""
    due = None
    for rule in rules:
        holds = ent.covered if rule.kind == VisitRule.ASSIGNED else getattr(ent, f"is_{rule.kind}", False)
        interval = dt.timedelta(days=rule.min_interval_days)
        if not holds or (ent.last_visit_on is not None and ent.last_visit_on > on - interval):
            continue
        if due is None:
            since = (ent.last_visit_on + interval) if ent.last_visit_on else timezone.localtime(ent.created_at).date()
            due = DueFirm(ent, rule.min_interval_days, ent.last_visit_on, min(since, on), [])
        due.reasons.append(labels[rule.kind])
    return due


@dataclass
class OverVisited:
    enterprise: Enterprise
    visitors: int
    visits: int
    ceiling: int


def over_visited(user: User, on: dt.date | None = None, limit: int = 200,
                 firm: Enterprise | None = None) -> list[OverVisited]:
    """Firms visited by more than M different people in the last 30 days (减少扰企)."""
    on = on or today()
    since = on - dt.timedelta(days=30)
    through = Visit.officers.through
    floor = VisitRule.objects.filter(is_active=True).order_by("max_visitors_30d").values_list(
        "max_visitors_30d", flat=True).first()
    if floor is None:
        return []
    window = Visit.objects.visible_to(user).filter(date__gt=since, date__lte=on)
    if firm is not None:
        window = window.filter(enterprise=firm)
    elif on == today():
        # Today's candidates from the firms' derived 30-day visitor count (enterprise_visitors_30d_idx), recounted
        # from the visits themselves below.
        candidates = list(Enterprise.objects.visible_to(user).filter(visitors_30d__gt=floor)
                          .order_by().values_list("pk", flat=True)[:5000])
        window = window.filter(enterprise_id__in=candidates)
    counts = (
        through.objects.filter(visit__in=window).values("visit__enterprise_id")
        .annotate(visitors=Count("user_id", distinct=True), visits=Count("visit_id", distinct=True))
    )
    counts = counts.filter(visitors__gt=floor).order_by("-visitors")[:limit]
    stats = {c["visit__enterprise_id"]: c for c in counts}
    firms = Enterprise.objects.filter(pk__in=stats).select_related("street")
    ceilings: dict[int | None, int] = {}
    out = []
    for ent in firms:
        if ent.street_id not in ceilings:
            rules = rules_for(ent.street_id)
            ceilings[ent.street_id] = min((r.max_visitors_30d for r in rules.values()), default=floor)
        ceiling = ceilings[ent.street_id]
        s = stats[ent.pk]
        if s["visitors"] > ceiling:
            out.append(OverVisited(ent, s["visitors"], s["visits"], ceiling))
    return sorted(out, key=lambda o: -o.visitors)


# --- visits and campaigns ---------------------------------------------------------------------------------


def visit_list(user: User, *, enterprise_id: int | None = None, officer_id: int | None = None,
               campaign_id: int | None = None, before: tuple[dt.date, int] | None = None, size: int = 50):
    qs = Visit.objects.visible_to(user).select_related("enterprise", "created_by", "campaign")
    if enterprise_id:
        qs = qs.filter(enterprise_id=enterprise_id)
    if officer_id:
        qs = qs.filter(officers__id=officer_id)
    if campaign_id:
        qs = qs.filter(campaign_id=campaign_id)
    if before:
        day, pk = before
        qs = qs.filter(Q(date__lt=day) | Q(date=day, pk__lt=pk))
    rows = list(qs.order_by("-date", "-pk").prefetch_related("officers").annotate(n_problems=Count("problems"))[: size + 1])
    nxt = f"{rows[size - 1].date.isoformat()}_{rows[size - 1].pk}" if len(rows) > size else None
    return rows[:size], nxt


def campaign_totals(campaign: VisitCampaign, user: User) -> dict[str, Any]:
    visits = Visit.objects.visible_to(user).filter(campaign=campaign)
    problems = VisitProblem.objects.visible_to(user).filter(visit__campaign=campaign)
    by_category = Counter(dict(problems.values_list("category").annotate(n=Count("pk")).order_by()))
    return {
        "visits": visits.count(),
        "firms": visits.values("enterprise_id").distinct().count(),
        "officers": Visit.officers.through.objects.filter(visit__in=visits).values("user_id").distinct().count(),
        "problems": problems.count(),
        "by_category": [(VisitProblem.Category(k).label, v) for k, v in by_category.most_common()],
    }
