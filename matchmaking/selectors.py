"""Read queries: needs lists, supplier/buyer/bank matching, and the street-year report. Matching is set-based:
candidate firms come from the product indexes, every ranking signal is an EXISTS / CASE in the same query."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Case, CharField, Count, Exists, F, IntegerField, OuterRef, Q, Sum, Value, When
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.permissions import user_has_role
from enterprises.models import Enterprise

from .eligibility import check
from .models import FinancialProduct, Introduction, Need, Product
from .permissions import READ_ROLES

PAGE = 30
MATCH_LIMIT = 30


def needs_for(user, *, status: str = "", kind: str = "", before: int | None = None):
    """Keyset page (newest first): rows and the cursor of the next page."""
    qs = Need.objects.visible_to(user).select_related("enterprise", "owner", "enterprise__street")
    if status == "active":
        qs = qs.filter(status__in=(Need.Status.OPEN, Need.Status.MATCHING))
    elif status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if before:
        qs = qs.filter(pk__lt=before)
    rows = list(qs.order_by("-pk")[: PAGE + 1])
    return rows[:PAGE], (rows[PAGE - 1].pk if len(rows) > PAGE else None)


def needs_for_enterprise(enterprise: Enterprise, user):
    """The firm page's section: its latest needs (the firm page already checked scope)."""
    return Need.objects.visible_to(user).filter(enterprise=enterprise).select_related("enterprise")[:10]


def enterprise_section(enterprise: Enterprise, user) -> dict | None:
    """The 360° page's 产品与需求 section (registered in crm.registry)."""
    if not user_has_role(user, READ_ROLES):
        return None
    return {"title": _("产品与需求"), "template": "matchmaking/_enterprise_section.html",
            "rows": list(needs_for_enterprise(enterprise, user))}


def event_link(event, user) -> dict | None:
    """The event page's link to its 对接成效 (registered in crm.registry) for a 对接会, to readers of matchmaking."""
    from django.urls import reverse

    if event.kind != "matchmaking" or not user_has_role(user, READ_ROLES):
        return None
    return {"label": _("对接成效（邀请、到会、签约）"), "url": reverse("matchmaking:event_outcomes", args=[event.pk])}


def _ranking(qs, home: Enterprise, today: dt.date):
    """Local first (same street 2, same district 1), then 专精特新, 四上, past collaboration with `home`."""
    # 专精特新 and 四上 today: the firm's derived flags (Enterprise.is_zjtx / is_sishang, enterprises.services.standing).
    past = Introduction.objects.filter(outcome__in=(Introduction.Outcome.INTENT, Introduction.Outcome.SIGNED)).filter(
        Q(party_a=home, party_b=OuterRef("pk")) | Q(party_b=home, party_a=OuterRef("pk")))
    return (
        qs.filter(status=Enterprise.Status.ACTIVE).exclude(pk=home.pk)
        .annotate(
            locality=Case(When(street_id=home.street_id, then=Value(2)),
                          When(street__district_id=home.street.district_id, then=Value(1)),
                          default=Value(0), output_field=IntegerField()),
            past_deal=Exists(past),
        )
        .select_related("street")
        .order_by("-locality", "-is_zjtx", "-is_sishang", "-past_deal", "name", "pk")
    )


def suppliers_for(need: Need, *, limit: int = MATCH_LIMIT) -> list[Enterprise]:
    """Firms whose products fall in the needed industry (code prefix) or chain link, ranked, with reasons."""
    if not (need.industry_prefix or need.cluster_id):
        return []
    today = timezone.localdate()
    products = Product.objects.all()
    code_q = Q(industry_code__startswith=need.industry_prefix) if need.industry_prefix else Q(pk__in=[])
    chain_q = Q(cluster_id=need.cluster_id) if need.cluster_id else Q(pk__in=[])
    qs = Enterprise.objects.filter(pk__in=products.filter(code_q | chain_q).values("enterprise_id"))
    qs = _ranking(qs, need.enterprise, today).annotate(
        code_match=Exists(products.filter(code_q, enterprise=OuterRef("pk"))) if need.industry_prefix else Value(False),
        chain_match=Exists(products.filter(chain_q, enterprise=OuterRef("pk"))) if need.cluster_id else Value(False),
    )
    rows = list(qs[:limit])
    for firm in rows:
        firm.reasons = _reasons(firm, code=firm.code_match, chain=firm.chain_match)
    return rows


def buyers_for(product: Product, *, limit: int = MATCH_LIMIT) -> list[Enterprise]:
    """Firms with an open purchasing need this product answers, or whose industry is among its customers'."""
    today = timezone.localdate()
    open_needs = Need.objects.filter(kind=Need.Kind.PURCHASING, status__in=(Need.Status.OPEN, Need.Status.MATCHING))
    need_q = Q(pk__in=[])
    if product.industry_code:
        need_q |= Q(industry_prefix__gt="", code__startswith=F("industry_prefix"))
    if product.cluster_id:
        need_q |= Q(cluster_id=product.cluster_id)
    matching_needs = open_needs.alias(code=Value(product.industry_code, output_field=CharField())).filter(need_q)
    customer_q = Q(pk__in=[])
    for prefix in [p for p in product.customer_industries if p][:20]:
        customer_q |= Q(industry__code__startswith=prefix)
    qs = Enterprise.objects.filter(Q(pk__in=matching_needs.values("enterprise_id")) | customer_q)
    qs = _ranking(qs, product.enterprise, today).annotate(
        need_match=Exists(matching_needs.filter(enterprise=OuterRef("pk"))),
    )
    rows = list(qs[:limit])
    for firm in rows:
        firm.reasons = _reasons(firm, need=firm.need_match, customer=not firm.need_match)
    return rows


def _reasons(firm, *, code=False, chain=False, need=False, customer=False) -> list[str]:
    from django.utils.translation import gettext as _

    reasons = []
    if firm.locality == 2:
        reasons.append(_("同街道"))
    elif firm.locality == 1:
        reasons.append(_("本区"))
    if code:
        reasons.append(_("行业代码匹配"))
    if chain:
        reasons.append(_("同产业链环节"))
    if need:
        reasons.append(_("有对应采购需求"))
    if customer:
        reasons.append(_("属于主要客户行业"))
    if firm.is_zjtx:
        reasons.append(_("专精特新"))
    if firm.is_sishang:
        reasons.append(_("四上企业"))
    if firm.past_deal:
        reasons.append(_("曾有合作"))
    return reasons


def bank_products_for(need: Need) -> list[tuple[FinancialProduct, bool, list[str]]]:
    """Active bank products whose amount range and term fit the need, each with its eligibility verdict."""
    qs = FinancialProduct.objects.filter(is_active=True)
    if need.amount:
        qs = qs.filter(min_amount__lte=need.amount, max_amount__gte=need.amount)
    if need.term_months:
        qs = qs.filter(max_term_months__gte=need.term_months)
    today = timezone.localdate()
    out = []
    for fp in qs[:50]:
        ok, why = check(fp.eligibility, need.enterprise, today)
        out.append((fp, ok, why))
    out.sort(key=lambda t: not t[1])
    return out


def street_year_report(user, year: int, street_id: int | None = None) -> dict:
    """对接成效 of a year: needs raised and met, introductions, deals and amounts, 本地配套, by industry."""
    needs = Need.objects.visible_to(user).in_street(street_id)
    intros = Introduction.objects.visible_to(user).in_street(street_id)
    raised = needs.filter(created_at__year=year).aggregate(
        total=Count("pk"),
        purchasing=Count("pk", filter=Q(kind=Need.Kind.PURCHASING)),
        financing=Count("pk", filter=Q(kind=Need.Kind.FINANCING)),
        talent=Count("pk", filter=Q(kind=Need.Kind.TALENT)),
    )
    met = needs.filter(status=Need.Status.MET, closed_on__year=year).count()
    year_intros = intros.filter(introduced_on__year=year)
    signed = intros.filter(outcome=Introduction.Outcome.SIGNED, outcome_on__year=year)
    intro_counts = year_intros.aggregate(
        total=Count("pk"),
        firm=Count("pk", filter=Q(party_b__isnull=False)),
        bank=Count("pk", filter=Q(financial_product__isnull=False)),
        intent=Count("pk", filter=Q(outcome=Introduction.Outcome.INTENT)),
        failed=Count("pk", filter=Q(outcome=Introduction.Outcome.FAILED)),
    )
    deals = signed.aggregate(
        count=Count("pk"), total_amount=Coalesce(Sum("amount"), Value(Decimal("0"))),
        local_count=Count("pk", filter=Q(is_local=True)),
        local_amount=Coalesce(Sum("amount", filter=Q(is_local=True)), Value(Decimal("0"))),
    )
    by_industry = list(
        signed.annotate(division=Coalesce(Substr("party_a__industry__code", 1, 2), Value("")))
        .values("division")
        .annotate(count=Count("pk"), total_amount=Sum("amount"), local=Count("pk", filter=Q(is_local=True)))
        .order_by("division")
    )
    return {"year": year, "raised": raised, "met": met, "intros": intro_counts, "deals": deals,
            "by_industry": by_industry, "events": events_of_year(user, year, street_id)}


def event_outcomes(event, user) -> dict:
    """One matchmaking event's 对接成效: who was invited (supplier/buyer) and who came (the event's participants in
    pipelines), the introductions made at it with their outcomes and deal amounts, and the totals."""
    from .models import Invitation
    from .permissions import mark_details

    attended_ids = set(event.enterprises.values_list("pk", flat=True))
    invitations = list(Invitation.objects.filter(event=event)
                       .select_related("enterprise__street", "need").order_by("role", "enterprise__name", "pk"))
    mark_details(user, [i.enterprise for i in invitations])
    for inv in invitations:
        inv.attended = inv.enterprise_id in attended_ids
    invited_ids = {i.enterprise_id for i in invitations}
    walk_ins = mark_details(user, event.enterprises.exclude(pk__in=invited_ids).select_related("street")
                            .order_by("name")[:200])
    scoped = Introduction.objects.visible_to(user).filter(event=event)
    intros = list(scoped
                  .select_related("party_a__street", "party_b__street", "financial_product", "need")
                  .order_by("-introduced_on", "-pk"))
    mark_details(user, [i.party_a for i in intros] + [i.party_b for i in intros])
    totals = scoped.aggregate(
        total=Count("pk"),
        pending=Count("pk", filter=Q(outcome=Introduction.Outcome.PENDING)),
        intent=Count("pk", filter=Q(outcome=Introduction.Outcome.INTENT)),
        signed=Count("pk", filter=Q(outcome=Introduction.Outcome.SIGNED)),
        failed=Count("pk", filter=Q(outcome=Introduction.Outcome.FAILED)),
        signed_amount=Coalesce(Sum("amount", filter=Q(outcome=Introduction.Outcome.SIGNED)), Value(Decimal("0"))),
        local_signed=Count("pk", filter=Q(outcome=Introduction.Outcome.SIGNED, is_local=True)),
        local_amount=Coalesce(Sum("amount", filter=Q(outcome=Introduction.Outcome.SIGNED, is_local=True)),
                              Value(Decimal("0"))),
    )
    suppliers = [i for i in invitations if i.role == Invitation.Role.SUPPLIER]
    buyers = [i for i in invitations if i.role == Invitation.Role.BUYER]
    invited_firms = len(invited_ids)
    came = len(invited_ids & attended_ids)
    totals.update(
        suppliers=len(suppliers), buyers=len(buyers), invited=invited_firms, attended=came,
        participants=len(attended_ids), walk_ins=len(attended_ids - invited_ids),
        attendance_rate=round(100 * came / invited_firms) if invited_firms else None,
    )
    return {"suppliers": suppliers, "buyers": buyers, "walk_ins": walk_ins, "intros": intros, "totals": totals}


def events_of_year(user, year: int, street_id: int | None = None, limit: int = 50) -> list:
    """The year's matchmaking events in the user's scope, each with its invitations, participants, deals and amount
    (one query: every figure a subquery), for the report's list linking to each event's outcome page."""
    from django.db.models import Subquery
    from django.db.models.functions import Coalesce as Co

    from pipelines.models import Event

    from .models import Invitation

    def count_of(qs):
        return Co(Subquery(qs.values("event_id").annotate(n=Count("pk")).values("n")[:1]), Value(0))

    signed = Introduction.objects.filter(event=OuterRef("pk"), outcome=Introduction.Outcome.SIGNED)
    return list(
        Event.objects.visible_to(user).in_street(street_id)
        .filter(kind=Event.Kind.MATCHMAKING, held_on__year=year)
        .annotate(
            invited=count_of(Invitation.objects.filter(event=OuterRef("pk"))),
            deals=count_of(signed),
            deal_amount=Co(Subquery(signed.values("event_id").annotate(s=Sum("amount")).values("s")[:1]),
                           Value(Decimal("0"))),
            participants=Count("enterprises", distinct=True),
        )
        .select_related("street").order_by("-held_on", "-pk")[:limit]
    )
