"""The enterprise list: filters, search (Chinese substring, code prefix, pinyin initials), keyset pages and the
badges on a page; the 四上 questions the list filters on (新增四上, 小升规 candidates)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from enterprises.models import AnnualFigure, Classification, Enterprise, LiaisonAssignment, Visit
from enterprises.selectors.common import current_facts, today
from enterprises.services.classification import SishangRules
from enterprises.uscc import normalise

if TYPE_CHECKING:
    from crm.models import User

_CODE_LIKE = re.compile(r"^[0-9A-Za-z]+$")


def firms_in_kind(user: User, kind: str, on: dt.date | None = None, category: str = "") -> QuerySet[Enterprise]:
    if not category and (on is None or on == today()) and kind in Classification.Kind.values:
        # Today, any category: the firm's derived flag (enterprises.services.standing), no join over the facts.
        return Enterprise.objects.visible_to(user).filter(**{f"is_{kind}": True})
    facts = current_facts(kind, on)
    if category:
        facts = facts.filter(category=category)
    return Enterprise.objects.visible_to(user).filter(pk__in=facts.values("enterprise_id"))


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
    rules = SishangRules.for_year(year)
    figures = (
        AnnualFigure.objects.visible_to(user).filter(year=year, revenue__isnull=False)
        .exclude(Exists(Classification.objects.filter(enterprise_id=OuterRef("enterprise_id"),
                                                      kind=Classification.Kind.SISHANG, year=year)))
        .exclude(enterprise__industry__isnull=True)
        .select_related("enterprise", "enterprise__industry").order_by("-revenue")[:limit]
    )
    out = []
    for fig in figures:
        category = rules.category_for(fig.enterprise.industry.code, fig.revenue)
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
    cluster: int | None = None  # 产业集群 tag (20+8)

    def __post_init__(self) -> None:
        # Query strings are hostile: a year of 10**20 or a negative day count must not reach date arithmetic.
        for name in ("year", "new_sishang", "qualifies"):
            value = getattr(self, name)
            if value is not None and not 1949 <= value <= 2100:
                setattr(self, name, None)
        if self.not_visited_days is not None and not 1 <= self.not_visited_days <= 3650:
            self.not_visited_days = None
        for name in ("street", "community", "park", "officer", "cluster"):
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
    if f.cluster:
        tagged = Enterprise.clusters.through.objects.filter(cluster_id=f.cluster, enterprise_id=OuterRef("pk"))
        qs = qs.filter(Exists(tagged))
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
    # The firm's derived standing (enterprises.services.standing): no active liaison today, no visit since.
    if f.no_liaison:
        qs = qs.filter(covered=False)
    if f.not_visited_days:
        since = today() - dt.timedelta(days=f.not_visited_days)
        qs = qs.filter(Q(last_visit_on__isnull=True) | Q(last_visit_on__lt=since))
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
    facts = Classification.objects.filter(enterprise_id__in=ids).current(on).order_by("enterprise_id", "kind", "-year")
    seen = set()
    for fact in facts:
        key = (fact.enterprise_id, fact.kind, fact.category)
        if key in seen or (fact.kind in Classification.YEARLY_KINDS and (fact.enterprise_id, fact.kind) in seen):
            continue
        seen.add(key)
        seen.add((fact.enterprise_id, fact.kind))
        badges[fact.enterprise_id].append(fact.category_label if fact.kind != Classification.Kind.SISHANG else "四上")
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


