"""A firm's derived standing (last_visit_on, covered, is_<kind>) stays equal to a recomputation from the rows after
every write path, and the whole-street pages (coverage, uncovered firms, due visits) that read it give the numbers
a straightforward recomputation gives (issue 17, "Whole-street pages at city scale")."""

import datetime as dt
import random

import pytest
from django.db.models import Max
from django.utils import timezone

from crm.models import Role, User
from enterprises import home, selectors
from enterprises.models import Classification, Enterprise, LiaisonAssignment, Visit, VisitRule
from enterprises.selectors.common import COVERAGE_KINDS
from enterprises.services import liaison, registry, visits
from enterprises.services.pools import graduate_from_sishang
from enterprises.services.standing import (
    KIND_FLAGS,
    deferred,
    refresh_coverage_flags,
    refresh_last_visits,
    refresh_standing,
)
from namelists import services as namelists
from namelists.models import ImportBatch
from tests.crm.factories import StreetFactory, UserFactory
from tests.enterprises.factories import (
    ClassificationFactory,
    EnterpriseFactory,
    LiaisonFactory,
    VisitFactory,
    VisitRuleFactory,
)
from tests.namelists.factories import guangming_streets, make_code, xlsx_bytes

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    return timezone.localdate()


def recomputed(firm: Enterprise, on: dt.date | None = None) -> dict:
    """The standing straight from the rows, by the product's own definitions."""
    on = on or today()
    kinds = set(Classification.objects.filter(enterprise=firm).current(on).values_list("kind", flat=True))
    return {
        "last_visit_on": Visit.objects.filter(enterprise=firm).aggregate(d=Max("date"))["d"],
        "visitors_30d": Visit.officers.through.objects.filter(
            visit__enterprise=firm, visit__date__gt=on - dt.timedelta(days=30), visit__date__lte=on,
        ).values("user_id").distinct().count(),
        "covered": LiaisonAssignment.objects.filter(enterprise=firm).active_on(on).exists(),
        **{flag: kind in kinds for kind, flag in KIND_FLAGS.items()},
    }


def stored(firm: Enterprise) -> dict:
    return Enterprise.objects.filter(pk=firm.pk).values(*Enterprise.DERIVED_FIELDS).get()


def assert_all_current(on: dt.date | None = None) -> None:
    for firm in Enterprise.objects.all():
        assert stored(firm) == recomputed(firm, on), firm.name


# --- every write path keeps it current -------------------------------------------------------------------------


def test_logging_editing_and_deleting_visits_keep_the_last_visit_date(street, officer):
    firm = EnterpriseFactory(street=street)
    first = visits.log_visit(enterprise=firm, actor=officer, date=today() - dt.timedelta(days=40))
    assert stored(firm)["last_visit_on"] == today() - dt.timedelta(days=40)
    second = VisitFactory(enterprise=firm, created_by=officer, date=today() - dt.timedelta(days=3))
    assert stored(firm)["last_visit_on"] == today() - dt.timedelta(days=3)
    second.date = today() - dt.timedelta(days=60)  # an edit moving the newest visit back
    second.save()
    assert stored(firm)["last_visit_on"] == today() - dt.timedelta(days=40)
    first.delete()
    assert stored(firm)["last_visit_on"] == today() - dt.timedelta(days=60)
    second.delete()
    assert stored(firm)["last_visit_on"] is None


def test_visitors_in_30_days_follow_visits_their_officers_and_the_nightly_sweep(street, officer):
    firm = EnterpriseFactory(street=street)
    people = UserFactory.create_batch(3, street=street)
    visits.log_visit(enterprise=firm, actor=officer, officers=people[:2], date=today() - dt.timedelta(days=29))
    assert stored(firm)["visitors_30d"] == 3  # the actor and two colleagues (officers set after the save)
    late = VisitFactory(enterprise=firm, created_by=people[2], date=today() - dt.timedelta(days=2))
    late.officers.set([people[2], officer])
    assert stored(firm)["visitors_30d"] == 4
    late.officers.remove(officer)
    assert stored(firm)["visitors_30d"] == 4  # the officer still went on the first visit
    late.officers.add(UserFactory(street=street))
    assert stored(firm)["visitors_30d"] == 5
    refresh_standing(today() + dt.timedelta(days=1))  # the first visit leaves the window
    assert stored(firm)["visitors_30d"] == 2
    assert_all_current(today() + dt.timedelta(days=1))


def test_over_visited_firms_are_found_through_the_visitor_count(street, manager):
    VisitRule.objects.update(max_visitors_30d=2)
    busy, calm = EnterpriseFactory(street=street), EnterpriseFactory(street=street)
    for person in UserFactory.create_batch(3, street=street):
        visits.log_visit(enterprise=busy, actor=person, date=today() - dt.timedelta(days=3))
    visits.log_visit(enterprise=calm, actor=UserFactory(street=street), date=today())
    assert [(o.enterprise, o.visitors) for o in selectors.over_visited(manager)] == [(busy, 3)]
    Enterprise.objects.filter(pk=busy.pk).update(visitors_30d=0)  # the prefilter is what finds it
    assert selectors.over_visited(manager) == []


def test_bulk_assignment_hand_over_and_ending_keep_covered(street, statistician, officer):
    a, b = EnterpriseFactory(street=street), EnterpriseFactory(street=street)
    liaison.assign([a, b], officer=officer, team_role="service_officer", actor=statistician)  # bulk_create
    assert stored(a)["covered"] and stored(b)["covered"]
    other = UserFactory(street=street, role=Role.OFFICER)
    liaison.assign([a], officer=other, team_role="service_officer", actor=statistician, replace=True)
    assert stored(a)["covered"]  # handed over, still served
    for row in LiaisonAssignment.objects.filter(enterprise=b):
        liaison.end_assignment(row, actor=statistician, end_date=today())
    assert stored(b)["covered"]  # ends today: still served today
    assert_all_current()


def test_the_nightly_sweep_ends_and_starts_assignments_on_their_dates(street, officer):
    ending, starting = EnterpriseFactory(street=street), EnterpriseFactory(street=street)
    LiaisonFactory(enterprise=ending, officer=officer, start_date=today() - dt.timedelta(days=30), end_date=today())
    LiaisonFactory(enterprise=starting, officer=officer, start_date=today() + dt.timedelta(days=1))
    assert (stored(ending)["covered"], stored(starting)["covered"]) == (True, False)
    tomorrow = today() + dt.timedelta(days=1)
    assert refresh_standing(tomorrow) == 2  # only the two rows that change are written
    assert (stored(ending)["covered"], stored(starting)["covered"]) == (False, True)
    assert_all_current(tomorrow)
    assert refresh_standing(tomorrow) == 0


def test_the_nightly_sweep_follows_facts_and_the_statistical_year(street):
    firm = EnterpriseFactory(street=street)
    ClassificationFactory(enterprise=firm, kind="sishang", year=today().year)
    ClassificationFactory(enterprise=firm, kind="gaoxin", category="", year=None,
                          valid_from=today() - dt.timedelta(days=1000), valid_to=today())
    assert stored(firm)["is_sishang"] and stored(firm)["is_gaoxin"]
    refresh_standing(today() + dt.timedelta(days=1))
    assert stored(firm)["is_sishang"] and not stored(firm)["is_gaoxin"]  # the certificate lapsed
    refresh_standing(dt.date(today().year + 2, 1, 1))
    assert not stored(firm)["is_sishang"]  # two statistical years on, the list no longer holds


def test_manual_facts_pool_graduation_and_bulk_writes_keep_the_flags(street, statistician):
    firm = EnterpriseFactory(street=street)
    registry.add_classification(firm, actor=statistician, kind="pool", category="sishang_candidate",
                                       valid_from=today() - dt.timedelta(days=100))
    assert stored(firm)["is_pool"]
    ClassificationFactory(enterprise=firm, kind="sishang", year=today().year)
    graduate_from_sishang(today().year, on=today() - dt.timedelta(days=1))  # bulk_update_with_history
    assert stored(firm)["is_sishang"] and not stored(firm)["is_pool"]
    certificate = registry.add_classification(firm, actor=statistician, kind="gaoxin", certificate_no="GR2025",
                                              valid_from=today() - dt.timedelta(days=300))
    assert stored(firm)["is_gaoxin"]
    registry.end_classification(certificate, actor=statistician, on=today() - dt.timedelta(days=1), reason="test")
    assert not stored(firm)["is_gaoxin"]
    assert_all_current()
    # A bulk write sends no signal: the writer refreshes, set-based.
    Classification.objects.bulk_create([Classification(enterprise=firm, kind="zjtx", category="municipal",
                                                       year=today().year)])
    assert not stored(firm)["is_zjtx"]
    assert refresh_coverage_flags(Enterprise.objects.filter(pk=firm.pk).values("pk")) == 1
    assert stored(firm)["is_zjtx"]
    Visit.objects.bulk_create([Visit(enterprise=firm, date=today(), created_by=statistician)])
    assert refresh_last_visits([firm.pk]) == 1 and stored(firm)["last_visit_on"] == today()
    assert_all_current()


def test_deferred_refreshes_once_at_the_end_of_the_block(street):
    firms = EnterpriseFactory.create_batch(20, street=street)
    with deferred():
        for firm in firms:
            ClassificationFactory(enterprise=firm, kind="sishang", year=today().year)
        assert not Enterprise.objects.filter(is_sishang=True).exists()
    assert Enterprise.objects.filter(is_sishang=True).count() == 20


def test_a_name_list_import_sets_the_flags_of_new_and_registered_firms(db):
    streets = guangming_streets()
    street = streets["440311006"]
    rng = random.Random(17)
    known = EnterpriseFactory(uscc=make_code(rng), name="深圳市已登记科技有限公司", street=street)
    new_code = make_code(rng)
    data = xlsx_bytes({"名录": [["统一社会信用代码", "企业名称"], [known.uscc, known.name],
                                [new_code, "深圳市新登记科技有限公司"]]})
    batch = namelists.create_batch(None, data, f"{today().year}年四上名录.xlsx", "sishang", street=street)
    batch = namelists.commit_batch(batch.pk)
    assert batch.status == ImportBatch.Status.COMMITTED, batch.message
    new = Enterprise.objects.get(uscc=new_code)
    assert stored(known)["is_sishang"] and stored(new)["is_sishang"]
    assert_all_current()
    manager = UserFactory(street=street, role=Role.MANAGER)
    rows = {r.kind: r for r in selectors.coverage(manager)}
    assert (rows["sishang"].total, rows["sishang"].covered) == (2, 0)


def test_a_firm_moving_street_moves_its_coverage(street, other_street, statistician, admin_user):
    firm = EnterpriseFactory(street=street)
    ClassificationFactory(enterprise=firm, kind="sishang", year=today().year)
    mine, theirs = UserFactory(street=street, role=Role.MANAGER), UserFactory(street=other_street, role=Role.MANAGER)
    assert [(r.street, r.total) for r in selectors.coverage(mine)] == [(street, 1)]
    registry.update_enterprise(firm, actor=admin_user, street=other_street)
    assert selectors.coverage(mine) == [] and selectors.uncovered_firms(mine) == []
    assert [(r.street, r.total) for r in selectors.coverage(theirs)] == [(other_street, 1)]
    assert selectors.uncovered_firms(theirs) == [firm]


def test_saving_a_firm_never_writes_back_a_stale_standing(street, officer):
    firm = EnterpriseFactory(street=street)
    held = Enterprise.objects.get(pk=firm.pk)  # e.g. a form opened before the visit
    VisitFactory(enterprise=firm, created_by=officer, date=today())
    LiaisonFactory(enterprise=firm, officer=officer, start_date=today())
    held.address = "新地址"
    held.save()
    assert stored(firm)["last_visit_on"] == today() and stored(firm)["covered"]


# --- the pages' numbers equal a recomputation on varied data --------------------------------------------------


@pytest.fixture
def varied(street, other_street):
    """~120 firms over two streets with facts of every kind (current, lapsed, future), assignments (open, ended,
    starting later), visits at various ages, a moved-out firm, and a street rule overriding a district one."""
    rng = random.Random(2024)
    t = today()
    officers = {s.pk: UserFactory.create_batch(3, street=s, role=Role.OFFICER) for s in (street, other_street)}
    VisitRuleFactory(kind="gaoxin", min_interval_days=60)
    VisitRuleFactory(street=street, kind="sishang", min_interval_days=30)
    # A district-wide liaison (no street) serves firms of both streets.
    officers["district"] = [UserFactory(street=None, role=Role.OFFICER)]
    firms = []
    for i in range(120):
        s = street if i % 3 else other_street
        firm = EnterpriseFactory(street=s, status="moved_out" if i % 29 == 0 else "active")
        firms.append(firm)
        for kind in rng.sample(list(KIND_FLAGS), rng.choice([0, 0, 1, 1, 2, 3])):
            if kind in Classification.YEARLY_KINDS:
                ClassificationFactory(enterprise=firm, kind=kind, category="", year=rng.choice([t.year, t.year - 1,
                                                                                               t.year - 2]))
            else:
                start = t + dt.timedelta(days=rng.randint(-900, 30))
                end = rng.choice([None, start + dt.timedelta(days=rng.randint(0, 900))])
                ClassificationFactory(enterprise=firm, kind=kind, category="", year=None, valid_from=start,
                                      valid_to=end)
        teams = [(o, r) for o in officers[s.pk] + officers["district"] for r in ("service_officer", "grid", "leader")]
        for person, role in rng.sample(teams, rng.choice([0, 1, 1, 2])):
            start = t + dt.timedelta(days=rng.randint(-400, 5))
            end = rng.choice([None, None, start + dt.timedelta(days=rng.randint(0, 400))])
            LiaisonFactory(enterprise=firm, officer=person, start_date=start, end_date=end, team_role=role)
        for _ in range(rng.choice([0, 1, 2, 4])):
            VisitFactory(enterprise=firm, created_by=rng.choice(officers[s.pk]),
                         date=t - dt.timedelta(days=rng.randint(0, 400)))
    return firms, officers


def naive_coverage(user) -> dict:
    out = {}
    on = today()
    for kind in COVERAGE_KINDS:
        facts = Classification.objects.filter(kind=kind).current(on).values("enterprise_id")
        for firm in Enterprise.objects.visible_to(user).filter(pk__in=facts):
            total, covered = out.get((firm.street_id, kind), (0, 0))
            live = LiaisonAssignment.objects.filter(enterprise=firm).active_on(on).exists()
            out[(firm.street_id, kind)] = (total + 1, covered + live)
    return out


def naive_due(user, officer=None) -> dict:
    """firm id → (interval, last visit, due since, reasons) by the rules, straight from the rows."""
    on = today()
    out = {}
    for firm in Enterprise.objects.visible_to(user).filter(status="active"):
        if officer is not None and not LiaisonAssignment.objects.filter(
                enterprise=firm, officer=officer).active_on(on).exists():
            continue
        last = Visit.objects.filter(enterprise=firm).aggregate(d=Max("date"))["d"]
        rules = sorted(VisitRule.objects.rules_for(firm.street_id).items(), key=lambda kv: kv[1].min_interval_days)
        for kind, rule in rules:
            if kind == VisitRule.ASSIGNED:
                applies = LiaisonAssignment.objects.filter(enterprise=firm).active_on(on).exists()
            else:
                applies = Classification.objects.filter(enterprise=firm, kind=kind).current(on).exists()
            if not applies or (last and last > on - dt.timedelta(days=rule.min_interval_days)):
                continue
            if firm.pk in out:
                out[firm.pk][3].append(str(rule.get_kind_display()))
                continue
            since = last + dt.timedelta(days=rule.min_interval_days) if last else \
                timezone.localtime(firm.created_at).date()
            out[firm.pk] = (rule.min_interval_days, last, min(since, on), [str(rule.get_kind_display())])
    return out


def test_coverage_and_uncovered_firms_equal_a_recomputation(varied, street, manager, admin_user):
    assert_all_current()
    for user in (manager, admin_user):
        rows = selectors.coverage(user)
        assert {(r.street.pk, r.kind): (r.total, r.covered) for r in rows} == naive_coverage(user)
        assert len({r.street.pk for r in rows}) == (1 if user.street_id else 2)
        for kind in ("", *COVERAGE_KINDS):
            kinds = [kind] if kind else list(COVERAGE_KINDS)
            expected = {
                f.pk for f in Enterprise.objects.visible_to(user)
                if not recomputed(f)["covered"] and any(recomputed(f)[KIND_FLAGS[k]] for k in kinds)
            }
            found = selectors.uncovered_firms(user, kind, limit=1000)
            assert {f.pk for f in found} == expected, kind
            assert [(f.street_id, f.name) for f in found] == sorted((f.street_id, f.name) for f in found)


def test_officer_load_equals_a_recomputation(varied, manager, admin_user):
    for user in (manager, admin_user):
        expected: dict[int, set] = {}
        for a in LiaisonAssignment.objects.visible_to(user).active_on(today()):
            expected.setdefault(a.officer_id, set()).add(a.enterprise_id)
        load = selectors.officer_load(user)
        assert {r["officer_id"]: r["firms"] for r in load} == {k: len(v) for k, v in expected.items()}
        assert [r["firms"] for r in load] == sorted((r["firms"] for r in load), reverse=True)


def test_due_visits_equal_a_recomputation(varied, street, manager, admin_user):
    firms, officers = varied
    for user, officer in ((manager, None), (admin_user, None), (manager, officers[street.pk][0])):
        expected = naive_due(user, officer)
        due = selectors.due_visits(user, officer=officer, limit=1000)
        assert {d.enterprise.pk: (d.interval, d.last_visit, d.due_since, d.reasons) for d in due} == expected
        assert [d.due_since for d in due] == sorted(d.due_since for d in due)
        assert expected  # the data has due firms at all
        # A bound keeps the most overdue ones.
        top = selectors.due_visits(user, officer=officer, limit=5)
        assert [(d.due_since, d.enterprise.name) for d in top] == \
            sorted((v[2], Enterprise.objects.get(pk=k).name) for k, v in expected.items())[:5]


def test_the_home_cards_show_a_visit_at_once(street, officer):
    firm = EnterpriseFactory(street=street)
    ClassificationFactory(enterprise=firm, kind="sishang", year=today().year)
    LiaisonFactory(enterprise=firm, officer=officer, start_date=today() - dt.timedelta(days=5))
    # Each request has its own user object (the summary is memoised on it for the page's card and list).
    assert home.due_summary(User.objects.get(pk=officer.pk))["count"] == 1
    visits.log_visit(enterprise=firm, actor=officer)
    assert home.due_summary(User.objects.get(pk=officer.pk))["count"] == 0


def test_the_uncovered_query_can_use_the_partial_indexes(street, manager):
    """The plans PostgreSQL chooses at 1,000,000 firms are in the bench notes; here: the predicates match."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL plans")
    StreetFactory()
    with connection.cursor() as cur:
        cur.execute("SET enable_seqscan = off")
        qs = Enterprise.objects.visible_to(manager).filter(is_sishang=True, covered=False)
        from enterprises.selectors.coverage import _coverage_any

        sql, params = qs.filter(_coverage_any()).order_by("street_id", "name", "pk").values("pk")[:10] \
            .query.sql_with_params()
        cur.execute("EXPLAIN " + sql, params)
        plan = "\n".join(r[0] for r in cur.fetchall())
        cur.execute("SET enable_seqscan = on")
    # On an empty table either partial index serves it (at 1M firms PostgreSQL picks enterprise_uncovered_idx):
    # what matters is that the query's predicates imply a partial index's, so one can be used at all.
    assert "enterprise_uncovered_idx" in plan or "enterprise_coverage_idx" in plan, plan
