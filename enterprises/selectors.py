"""Read queries for pages and exports. Every query starts from `.visible_to(user)`."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from enterprises.models import (
    AnnualFigure,
    Classification,
    Enterprise,
    LiaisonAssignment,
    Visit,
    VisitCampaign,
    VisitProblem,
    VisitRule,
)

if TYPE_CHECKING:
    from crm.models import User

YEARLY_KINDS = (Classification.Kind.SISHANG, Classification.Kind.SAMPLED)
COVERAGE_KINDS = (
    Classification.Kind.SISHANG, Classification.Kind.ZJTX, Classification.Kind.SAMPLED, Classification.Kind.POOL,
)
_CODE_LIKE = re.compile(r"^[0-9A-Za-z]+$")


def today() -> dt.date:
    return timezone.localdate()


# --- classifications --------------------------------------------------------------------------------------


def current_facts(kind: str, on: dt.date | None = None) -> QuerySet[Classification]:
    """Facts of `kind` that hold now. Yearly facts (四上, 规下抽样) count for this year or, until the new list is
    imported early in the year, the last one; dated facts must cover the day."""
    on = on or today()
    facts = Classification.objects.filter(kind=kind)
    if kind in YEARLY_KINDS:
        return facts.filter(year__in=(on.year, on.year - 1))
    return facts.active_on(on)


def firms_in_kind(user: User, kind: str, on: dt.date | None = None, category: str = "") -> QuerySet[Enterprise]:
    facts = current_facts(kind, on)
    if category:
        facts = facts.filter(category=category)
    return Enterprise.objects.visible_to(user).filter(pk__in=facts.values("enterprise_id"))


def profile_in_year(enterprise: Enterprise, year: int) -> dict[str, Any]:
    """What was this firm in `year`: its classifications, figures and liaisons of that year."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return {
        "year": year,
        "classifications": list(Classification.objects.in_year(year).filter(enterprise=enterprise)),
        "figures": AnnualFigure.objects.filter(enterprise=enterprise, year=year).first(),
        "liaisons": list(
            LiaisonAssignment.objects.filter(enterprise=enterprise, start_date__lte=end)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=start)).select_related("officer")
        ),
    }


def became_sishang(user: User, year: int) -> QuerySet[Enterprise]:
    """Firms that are 四上 in `year` but were not in `year - 1` (新增四上: 小升规 and newcomers)."""
    this_year = Classification.objects.filter(kind=Classification.Kind.SISHANG, year=year)
    last_year = Classification.objects.filter(kind=Classification.Kind.SISHANG, year=year - 1)
    return (
        Enterprise.objects.visible_to(user)
        .filter(pk__in=this_year.values("enterprise_id"))
        .exclude(pk__in=last_year.values("enterprise_id"))
    )


def sishang_candidates(user: User, year: int, limit: int = 5000) -> list[tuple[Enterprise, str]]:
    """Firms whose figures of `year` meet a 四上 threshold but that are not classified 四上 for that year: the
    小升规 candidates a street works on. The threshold rule lives in services.classification."""
    from enterprises.services.classification import sishang_category_for

    figures = (
        AnnualFigure.objects.visible_to(user).filter(year=year, revenue__isnull=False)
        .exclude(Exists(Classification.objects.filter(enterprise_id=OuterRef("enterprise_id"),
                                                      kind=Classification.Kind.SISHANG, year=year)))
        .exclude(enterprise__industry__isnull=True)
        .select_related("enterprise", "enterprise__industry").order_by("-revenue")[:limit]
    )
    out = []
    for fig in figures:
        category = sishang_category_for(fig.enterprise.industry.code, fig.revenue, year)
        if category and category not in (Classification.SishangCategory.CONSTRUCTION,
                                         Classification.SishangCategory.REAL_ESTATE):  # those need a licence
            out.append((fig.enterprise, category))
    return out


# --- the list ---------------------------------------------------------------------------------------------


@dataclass
class ListFilters:
    q: str = ""
    street: int | None = None
    community: int | None = None
    park: int | None = None
    kind: str = ""
    category: str = ""
    year: int | None = None
    section: str = ""
    division: str = ""
    officer: int | None = None
    no_liaison: bool = False
    not_visited_days: int | None = None
    status: str = ""
    new_sishang: int | None = None  # 新增四上 in that year
    qualifies: int | None = None  # revenue above the 四上 threshold that year but not classified (小升规 candidates)

    def __post_init__(self) -> None:
        # Query strings are hostile: a year of 10**20 or a negative day count must not reach date arithmetic.
        for name in ("year", "new_sishang", "qualifies"):
            value = getattr(self, name)
            if value is not None and not 1949 <= value <= 2100:
                setattr(self, name, None)
        if self.not_visited_days is not None and not 1 <= self.not_visited_days <= 3650:
            self.not_visited_days = None
        for name in ("street", "community", "park", "officer"):
            value = getattr(self, name)
            if value is not None and not 0 < value < 2**31:
                setattr(self, name, None)

    def is_empty(self) -> bool:
        return not any(v for v in self.__dict__.values())


def search(qs: QuerySet[Enterprise], q: str) -> QuerySet[Enterprise]:
    """Chinese substring of the name, a code prefix, or pinyin initials.

    `contains` (LIKE '%…%') rather than `icontains` (UPPER(…) LIKE) so PostgreSQL can use the trigram GIN
    indexes on name, uscc and name_initials; on SQLite it is a plain scan, fine at demo size.
    """
    from enterprises.uscc import normalise

    text = normalise(q)
    if not text:
        return qs
    if _CODE_LIKE.match(text):
        lower = text.lower()
        cond = Q(uscc__startswith=text) | Q(name_initials__contains=lower)
        if not text.isdigit() or len(text) < 6:
            cond |= Q(name__contains=q.strip())
        return qs.filter(cond)
    return qs.filter(name__contains=q.strip())


def filtered_enterprises(user: User, f: ListFilters) -> QuerySet[Enterprise]:
    qs = Enterprise.objects.visible_to(user)
    if f.q:
        qs = search(qs, f.q)
    if f.street:
        qs = qs.filter(street_id=f.street)
    if f.community:
        qs = qs.filter(community_id=f.community)
    if f.park:
        qs = qs.filter(park_id=f.park)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.section:
        qs = qs.filter(industry__section=f.section)
    if f.division:
        qs = qs.filter(industry__code__startswith=f.division)
    if f.kind:
        if f.year:
            facts = Classification.objects.in_year(f.year).filter(kind=f.kind)
        else:
            facts = current_facts(f.kind)
        if f.category:
            facts = facts.filter(category=f.category)
        qs = qs.filter(pk__in=facts.values("enterprise_id"))
    if f.new_sishang:
        qs = qs.filter(pk__in=became_sishang(user, f.new_sishang).values("pk"))
    if f.qualifies:
        qs = qs.filter(pk__in=[e.pk for e, _category in sishang_candidates(user, f.qualifies)])
    # Correlated EXISTS rather than NOT IN (…): PostgreSQL plans them as anti-joins on the per-firm indexes.
    if f.officer:
        active = LiaisonAssignment.objects.active_on(today()).filter(officer_id=f.officer)
        qs = qs.filter(Exists(active.filter(enterprise_id=OuterRef("pk"))))
    if f.no_liaison:
        qs = qs.exclude(Exists(LiaisonAssignment.objects.active_on(today()).filter(enterprise_id=OuterRef("pk"))))
    if f.not_visited_days:
        since = today() - dt.timedelta(days=f.not_visited_days)
        qs = qs.exclude(Exists(Visit.objects.filter(enterprise_id=OuterRef("pk"), date__gte=since)))
    return qs


def encode_cursor(name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([name, pk], ensure_ascii=False).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, int] | None:
    try:
        name, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return str(name), int(pk)
    except (ValueError, TypeError):
        return None


@dataclass
class Page:
    rows: list[Enterprise]
    next_cursor: str | None
    extra: dict = field(default_factory=dict)


def enterprise_page(qs: QuerySet[Enterprise], cursor: str = "", size: int = 50) -> Page:
    """Keyset pagination on (name, id): constant cost per page at any depth, and no COUNT(*)."""
    qs = qs.order_by("name", "pk")
    after = decode_cursor(cursor) if cursor else None
    if after:
        name, pk = after
        # `name >= x` first so PostgreSQL gets an index range on (street, name); the OR alone is only a filter
        # and makes page N cost O(N).
        qs = qs.filter(name__gte=name).filter(Q(name__gt=name) | Q(pk__gt=pk))
    last_visit = Visit.objects.filter(enterprise=OuterRef("pk")).order_by("-date").values("date")[:1]
    rows = list(
        qs.select_related("street", "community", "industry")
        .annotate(last_visit=Subquery(last_visit))[: size + 1]
    )
    nxt = encode_cursor(rows[size - 1].name, rows[size - 1].pk) if len(rows) > size else None
    rows = rows[:size]
    _attach_badges(rows)
    return Page(rows=rows, next_cursor=nxt)


def _attach_badges(rows: list[Enterprise]) -> None:
    """Current classifications and liaisons for one page of firms, in two queries."""
    ids = [r.pk for r in rows]
    on = today()
    badges: dict[int, list[str]] = defaultdict(list)
    facts = Classification.objects.filter(enterprise_id__in=ids).filter(
        Q(kind__in=YEARLY_KINDS, year__in=(on.year, on.year - 1))
        | (~Q(kind__in=YEARLY_KINDS) & (Q(valid_from__isnull=True) | Q(valid_from__lte=on))
           & (Q(valid_to__isnull=True) | Q(valid_to__gte=on)))
    ).order_by("enterprise_id", "kind", "-year")
    seen = set()
    for fact in facts:
        key = (fact.enterprise_id, fact.kind, fact.category)
        if key in seen or (fact.kind in YEARLY_KINDS and (fact.enterprise_id, fact.kind) in seen):
            continue
        seen.add(key)
        seen.add((fact.enterprise_id, fact.kind))
        badges[fact.enterprise_id].append(fact.category_label if fact.kind != "sishang" else "四上")
    liaisons: dict[int, list[str]] = defaultdict(list)
    for a in LiaisonAssignment.objects.active_on(on).filter(enterprise_id__in=ids).select_related("officer"):
        liaisons[a.enterprise_id].append(a.officer.get_full_name() or a.officer.username)
    for r in rows:
        r.badges = badges.get(r.pk, [])
        r.liaison_names = liaisons.get(r.pk, [])


def autocomplete(user: User, q: str, limit: int = 10) -> list[Enterprise]:
    if len((q or "").strip()) < 1:
        return []
    return list(search(Enterprise.objects.visible_to(user), q).only("pk", "name", "uscc").order_by("name")[:limit])


# --- enterprise page --------------------------------------------------------------------------------------


def optional_section(app: str, module: str, func: str, enterprise: Enterprise, user: User):
    """Rows from another app's selector when that app is installed and exposes it; None hides the section."""
    from importlib import import_module

    from django.apps import apps

    if not apps.is_installed(app):
        return None
    try:
        selector = getattr(import_module(f"{app}.{module}"), func)
    except (ImportError, AttributeError):
        return None
    return list(selector(enterprise, user))


def enterprise_detail(enterprise: Enterprise, user: User) -> dict[str, Any]:
    on = today()
    classifications = list(enterprise.classifications.all())
    liaisons = list(enterprise.liaisons.select_related("officer").order_by("end_date", "team_role", "-start_date"))
    history = _change_history(enterprise)
    return {
        "classifications": classifications,
        "current_classifications": [c for c in classifications if _holds_now(c, on)],
        "figures": list(enterprise.figures.order_by("-year")),
        "active_liaisons": [a for a in liaisons if a.is_active_on(on)],
        "past_liaisons": [a for a in liaisons if not a.is_active_on(on)],
        "visits": list(
            enterprise.visits.prefetch_related("officers", "problems", "attachments").select_related("campaign")[:30]
        ),
        "contacts": list(enterprise.contacts.all()),
        "appeals": optional_section("appeals", "selectors", "appeals_for_enterprise", enterprise, user),
        "projects": optional_section("pipelines", "selectors", "projects_for_enterprise", enterprise, user),
        "matchmaking_needs": optional_section("matchmaking", "selectors", "needs_for_enterprise", enterprise, user),
        "history": history,
    }


def _holds_now(c: Classification, on: dt.date) -> bool:
    if c.kind in YEARLY_KINDS:
        return c.year in (on.year, on.year - 1)
    return (c.valid_from is None or c.valid_from <= on) and (c.valid_to is None or c.valid_to >= on)


def _change_history(enterprise: Enterprise, limit: int = 50) -> list[dict[str, Any]]:
    """Who changed what and when: the firm itself, its contacts, classifications, figures and liaisons.

    Each source's recent records are diffed against the previous record of the same row in memory (simple_history's
    `prev_record` would cost one query per entry)."""
    entries: list[dict[str, Any]] = []
    sources = [
        (enterprise.history.all(), "企业信息"),
        (Classification.history.filter(enterprise_id=enterprise.pk), "分类"),
        (AnnualFigure.history.filter(enterprise_id=enterprise.pk), "年度数据"),
        (LiaisonAssignment.history.filter(enterprise_id=enterprise.pk), "挂点"),
        (enterprise.contacts.model.history.filter(enterprise_id=enterprise.pk), "联系人"),
    ]
    for qs, label in sources:
        records = list(qs.select_related("history_user").order_by("-history_date", "-history_id")[: limit * 4])
        previous: dict[int, Any] = {}
        for record in reversed(records):  # oldest first, so each record meets its predecessor
            changes = []
            prev = previous.get(record.id)
            if record.history_type == "~" and prev is not None:
                delta = record.diff_against(prev)
                changes = [
                    {"field": str(record.instance_type._meta.get_field(c.field).verbose_name),
                     "old": c.old, "new": c.new}
                    for c in delta.changes
                ]
            previous[record.id] = record
            if record.history_type == "~" and prev is not None and not changes:
                continue  # a save that changed nothing visible
            entries.append({
                "when": record.history_date, "who": record.history_user, "what": label,
                "type": {"+": "新增", "~": "修改", "-": "删除"}[record.history_type], "object": str(record),
                "changes": changes,
            })
    entries.extend(_import_history(enterprise, limit))
    entries.sort(key=lambda e: e["when"], reverse=True)
    return entries[:limit]


def _import_history(enterprise: Enterprise, limit: int) -> list[dict[str, Any]]:
    """Name-list imports write in bulk SQL, bypassing simple_history; their own per-field change rows are the
    audit. One timeline entry per import batch, naming the file."""
    from importlib import import_module

    from django.apps import apps

    if not apps.is_installed("namelists"):
        return []
    selectors = import_module("namelists.selectors")
    by_batch: dict[int, dict[str, Any]] = {}
    for change in selectors.changes_for_enterprise(enterprise, limit=limit * 4):
        batch = change.batch
        entry = by_batch.setdefault(batch.pk, {
            "when": change.created_at, "who": batch.created_by, "what": "名录导入",
            "type": "", "object": f"{batch.file_name}（批次 #{batch.pk}）", "changes": [],
        })
        if change.field:
            entry["changes"].append(
                {"field": selectors.field_label(change.field), "old": change.before, "new": change.after}
            )
        elif change.action == "created":
            entry["type"] = "新增"
        elif change.action == "closed":
            entry["changes"].append({"field": change.target, "old": change.before or "有效", "new": "已关闭"})
    return list(by_batch.values())


# --- coverage (全覆盖) --------------------------------------------------------------------------------------


@dataclass
class CoverageRow:
    street: Any
    kind: str
    label: str
    total: int
    covered: int

    @property
    def uncovered(self) -> int:
        return self.total - self.covered

    @property
    def rate(self) -> float:
        return 100.0 * self.covered / self.total if self.total else 100.0


def coverage(user: User, on: dt.date | None = None) -> list[CoverageRow]:
    """Per street and category: firms, and how many have an active liaison (the target is 100%)."""
    from crm.scoping import visible_streets

    on = on or today()
    active = LiaisonAssignment.objects.active_on(on).values("enterprise_id")
    streets = {s.pk: s for s in visible_streets(user)}
    rows = []
    for kind in COVERAGE_KINDS:
        firms = Enterprise.objects.visible_to(user).filter(pk__in=current_facts(kind, on).values("enterprise_id"))
        totals = dict(firms.values_list("street_id").annotate(n=Count("pk")).order_by())
        covered = dict(firms.filter(pk__in=active).values_list("street_id").annotate(n=Count("pk")).order_by())
        for street_id, total in sorted(totals.items()):
            rows.append(CoverageRow(streets.get(street_id), kind, Classification.Kind(kind).label, total,
                                    covered.get(street_id, 0)))
    return rows


def uncovered_firms(user: User, kind: str = "", on: dt.date | None = None, limit: int = 200) -> list[Enterprise]:
    on = on or today()
    kinds = [kind] if kind else list(COVERAGE_KINDS)
    facts = Classification.objects.none()
    q = Q()
    for k in kinds:
        q |= Q(pk__in=current_facts(k, on).values("enterprise_id"))
    facts = Enterprise.objects.visible_to(user).filter(q)
    return list(
        facts.exclude(pk__in=LiaisonAssignment.objects.active_on(on).values("enterprise_id"))
        .select_related("street", "community").order_by("street", "name")[:limit]
    )


def officer_load(user: User, on: dt.date | None = None) -> list[dict[str, Any]]:
    """Who carries how many firms (active assignments), heaviest first."""
    on = on or today()
    rows = (
        LiaisonAssignment.objects.visible_to(user).active_on(on)
        .values("officer_id", "officer__username", "officer__last_name", "officer__first_name")
        .annotate(firms=Count("enterprise_id", distinct=True)).order_by("-firms", "officer__username")
    )
    return [
        {"officer_id": r["officer_id"], "name": f"{r['officer__last_name']}{r['officer__first_name']}" or
         r["officer__username"], "firms": r["firms"]}
        for r in rows
    ]


# --- visit rules: due and over-visited ----------------------------------------------------------------------


def rules_for(street_id: int | None) -> dict[str, VisitRule]:
    """Active rules by kind: the street's own rule overrides the district default."""
    rules: dict[str, VisitRule] = {}
    for rule in VisitRule.objects.filter(is_active=True).filter(Q(street__isnull=True) | Q(street_id=street_id)) \
            .order_by("street_id"):  # NULL (default) sorts last on PostgreSQL, first on SQLite: decide explicitly
        if rule.kind not in rules or rule.street_id is not None:
            rules[rule.kind] = rule
    return rules


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


def due_visits(user: User, on: dt.date | None = None, officer: User | None = None, limit: int = 500) -> list[DueFirm]:
    """Firms whose last visit is older than their rule's interval (never visited counts as due), shortest
    interval first. `officer` restricts to the firms that person currently serves."""
    from crm.scoping import visible_streets

    return due_in_streets(visible_streets(user), Enterprise.objects.visible_to(user), on=on, officer=officer,
                          limit=limit)


def due_in_streets(streets, firms: QuerySet[Enterprise], *, on: dt.date | None = None, officer: User | None = None,
                   limit: int = 500) -> list[DueFirm]:
    """The rule sweep behind due_visits, also used by the reminder job (which has no user to scope by)."""
    on = on or today()
    result: dict[int, DueFirm] = {}
    active = LiaisonAssignment.objects.active_on(on)
    for street in streets:
        rules = rules_for(street.pk)
        for kind, rule in sorted(rules.items(), key=lambda kv: kv[1].min_interval_days):
            base = firms.filter(street=street, status=Enterprise.Status.ACTIVE)
            if kind == VisitRule.ASSIGNED:
                base = base.filter(pk__in=active.values("enterprise_id"))
            else:
                base = base.filter(pk__in=current_facts(kind, on).values("enterprise_id"))
            if officer is not None:
                base = base.filter(pk__in=active.filter(officer=officer).values("enterprise_id"))
            cutoff = on - dt.timedelta(days=rule.min_interval_days)
            recent = Visit.objects.filter(enterprise_id=OuterRef("pk"), date__gt=cutoff)
            last = Visit.objects.filter(enterprise_id=OuterRef("pk")).order_by("-date").values("date")[:1]
            due = base.exclude(Exists(recent)).annotate(last=Subquery(last)).select_related("street", "community")
            for ent in due[:limit]:
                if ent.pk in result:
                    result[ent.pk].reasons.append(rule.get_kind_display())
                    continue
                since = (ent.last + dt.timedelta(days=rule.min_interval_days)) if ent.last else ent.created_at.date()
                result[ent.pk] = DueFirm(ent, rule.min_interval_days, ent.last, min(since, on),
                                         [str(rule.get_kind_display())])
    firms = sorted(result.values(), key=lambda d: (d.due_since, d.enterprise.name))[:limit]
    by_firm = defaultdict(list)
    for a in active.filter(enterprise_id__in=[d.enterprise.pk for d in firms]).select_related("officer"):
        by_firm[a.enterprise_id].append(a)
    for d in firms:
        d.liaisons = by_firm.get(d.enterprise.pk, [])
    return firms


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
    window = Visit.objects.visible_to(user).filter(date__gt=since, date__lte=on)
    if firm is not None:
        window = window.filter(enterprise=firm)
    counts = (
        through.objects.filter(visit__in=window).values("visit__enterprise_id")
        .annotate(visitors=Count("user_id", distinct=True), visits=Count("visit_id", distinct=True))
    )
    floor = VisitRule.objects.filter(is_active=True).order_by("max_visitors_30d").values_list(
        "max_visitors_30d", flat=True).first()
    if floor is None:
        return []
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
