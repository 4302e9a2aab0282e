"""The rule engine: validation, and the SQL matching compared with a plain Python evaluation on varied firms."""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enterprises.models import Classification, Enterprise, IndustryCategory
from policies import rules as R
from policies.matching import explain, matching
from tests.crm.factories import CommunityFactory, StreetFactory
from tests.enterprises.factories import ClassificationFactory, EnterpriseFactory, FigureFactory, ParkFactory
from tests.policies.factories import PolicyFactory

ON = dt.date(2026, 3, 1)
INDUSTRIES = ["3911", "3982", "4011", "4012", "0111", "C", "39"]
PREFIXES = ["C", "A", "F", "C39", "C40", "C398", "C3911", "A01", "3982", "40", "C01"]
STREETS = ["440311006", "440311005", "440311001"]
YEARS = [2023, 2024, 2025]
KINDS = ["sishang", "zjtx", "gaoxin", "pool"]
TIERS = {"sishang": ["industry", "services"], "zjtx": ["innovative", "little_giant"], "pool": ["quality_sme"]}
BOUNDS = [None, 0, 500, 1999.99, 2000, 2000.5, 5000]
ESTABLISHED = [None, dt.date(2020, 2, 29), dt.date(2023, 3, 1), dt.date(2023, 3, 2), dt.date(2016, 3, 1),
               dt.date(2025, 12, 31)]


@pytest.fixture
def firms(db):
    """About 40 firms whose facts cover the edges: bounds met exactly, missing figures, no industry, no date,
    facts of other years, expired and future validity."""
    rng = random.Random(19)
    streets = [StreetFactory(code=code, name=f"街道{code}") for code in STREETS]
    communities = [CommunityFactory(street=s, code=s.code + "001", name=f"社区{s.code}") for s in streets]
    parks = [ParkFactory(street=streets[0], name="甲园"), ParkFactory(street=streets[1], name="乙园")]
    industries = {c.code: c for c in IndustryCategory.objects.filter(code__in=INDUSTRIES)}
    out = []
    for i in range(40):
        street = streets[i % 3]
        firm = EnterpriseFactory(
            street=street, community=communities[i % 3] if i % 4 else None,
            park=parks[i % 2] if i % 5 == 0 and street in streets[:2] else None,
            industry=industries.get(rng.choice(INDUSTRIES + [None])),
            established_on=rng.choice(ESTABLISHED), status=rng.choice(["active", "active", "moved_out"]),
        )
        if firm.park and firm.park.street_id != firm.street_id:
            firm.park = None
            firm.save()
        for year in YEARS:
            if rng.random() < 0.6:
                FigureFactory(enterprise=firm, year=year,
                              revenue=rng.choice([None, Decimal("0"), Decimal("500"), Decimal("1999.99"),
                                                  Decimal("2000"), Decimal("2000.50"), Decimal("8000")]),
                              employees=rng.choice([None, 0, 50, 500]))
        for _ in range(rng.randint(0, 3)):
            kind = rng.choice(KINDS)
            year = rng.choice(YEARS + [2026])
            fields = {"kind": kind, "year": year, "category": rng.choice(TIERS.get(kind, [""]))}
            if kind in ("zjtx", "gaoxin", "pool"):
                start = dt.date(year, rng.choice([1, 3, 6]), 1)
                fields["valid_from"] = rng.choice([None, start])
                fields["valid_to"] = rng.choice([None, dt.date(2026, 2, 28), dt.date(2026, 3, 1), dt.date(2027, 1, 1)])
                if fields["valid_from"] and fields["valid_to"] and fields["valid_to"] < fields["valid_from"]:
                    fields["valid_to"] = None
            if kind == "sishang" and Classification.objects.filter(enterprise=firm, kind=kind, year=year).exists():
                continue
            if kind == "zjtx" and Classification.objects.filter(
                    enterprise=firm, kind=kind, year=year, category=fields["category"]).exists():
                continue
            ClassificationFactory(enterprise=firm, **fields)
        out.append(firm)
    return out


# --- the plain evaluation: Python over each firm's loaded facts, written without the engine --------------------


def _facts():
    firms = Enterprise.objects.select_related("industry", "street", "community", "park").prefetch_related(
        "classifications", "figures")
    return list(firms)


def _age(established: dt.date, on: dt.date) -> int:
    return on.year - established.year - ((on.month, on.day) < (established.month, established.day))


def _holds(c, on):
    if c.kind in ("sishang", "sampled"):
        return c.year in (on.year, on.year - 1)
    return (c.valid_from is None or c.valid_from <= on) and (c.valid_to is None or c.valid_to >= on)


def plain(node, firm, on) -> bool:
    (key, spec), = node.items()
    if key == "all":
        return all(plain(c, firm, on) for c in spec)
    if key == "any":
        return any(plain(c, firm, on) for c in spec)
    if key == "not":
        return not plain(spec, firm, on)
    if key == "classification":
        tiers = spec.get("tier")
        return any(
            c.kind == spec["kind"] and (not tiers or c.category in tiers)
            and (c.year == spec["year"] if spec.get("year") is not None else _holds(c, on))
            for c in firm.classifications.all())
    if key == "industry":
        ind = firm.industry
        if ind is None:
            return False
        for p in spec["prefix"]:
            letter, digits = (p[0], p[1:]) if p[0].isalpha() else ("", p)
            if (not letter or ind.section == letter) and (not digits or ind.code.startswith(digits)):
                return True
        return False
    if key == "street":
        return firm.street.code in spec
    if key == "community":
        return firm.community is not None and firm.community.code in spec
    if key == "park":
        return firm.park is not None and (firm.park.pk in spec or firm.park.name in spec)
    if key == "figure":
        for f in firm.figures.all():
            if f.year == spec["year"]:
                value = getattr(f, spec["field"])
                if value is None:
                    return False
                low, high = spec.get("min"), spec.get("max")
                return (low is None or Decimal(value) >= Decimal(str(low))) and (
                    high is None or Decimal(value) <= Decimal(str(high)))
        return False
    if key == "age":
        if firm.established_on is None:
            return False
        age = _age(firm.established_on, on)
        return (spec.get("min_years") is None or age >= spec["min_years"]) and (
            spec.get("max_years") is None or age <= spec["max_years"])
    if key == "status":
        return firm.status in spec
    raise AssertionError(key)


# --- random trees over the firms' domain ---------------------------------------------------------------------

def _classification():
    def build(kind, year, tier_pick):
        spec = {"kind": kind}
        if year is not None:
            spec["year"] = year
        if tier_pick and kind in TIERS:
            spec["tier"] = sorted(set(tier_pick) & set(TIERS[kind])) or TIERS[kind][:1]
        return {"classification": spec}

    return st.builds(build, st.sampled_from(KINDS), st.sampled_from(YEARS + [2026, None]),
                     st.lists(st.sampled_from(sum(TIERS.values(), [])), max_size=2))


def _figure():
    def build(field, year, low, high):
        if low is not None and high is not None and low > high:
            low, high = high, low
        return {"figure": {"field": field, "year": year, "min": low, "max": high}}

    return st.builds(build, st.sampled_from(["revenue", "employees"]), st.sampled_from(YEARS),
                     st.sampled_from(BOUNDS), st.sampled_from(BOUNDS))


def _age_leaf():
    def build(low, high):
        if low is not None and high is not None and low > high:
            low, high = high, low
        if low is None and high is None:
            low = 3
        return {"age": {"min_years": low, "max_years": high}}

    return st.builds(build, st.sampled_from([None, 0, 2, 3, 10]), st.sampled_from([None, 0, 2, 3, 9]))


LEAF = st.one_of(
    _classification(), _figure(), _age_leaf(),
    st.builds(lambda p: {"industry": {"prefix": sorted(set(p))}}, st.lists(st.sampled_from(PREFIXES), min_size=1,
                                                                             max_size=3)),
    st.builds(lambda s: {"street": sorted(set(s))}, st.lists(st.sampled_from(STREETS), min_size=1, max_size=2)),
    st.builds(lambda s: {"community": [s + "001"]}, st.sampled_from(STREETS)),
    st.builds(lambda p: {"park": [p]}, st.sampled_from(["甲园", "乙园"])),
    st.builds(lambda s: {"status": [s]}, st.sampled_from(["active", "moved_out"])),
)
TREE = st.recursive(
    LEAF,
    lambda children: st.one_of(
        st.builds(lambda c: {"all": c}, st.lists(children, max_size=3)),
        st.builds(lambda c: {"any": c}, st.lists(children, max_size=3)),
        st.builds(lambda c: {"not": c}, children),
    ),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=TREE, on=st.sampled_from([ON, dt.date(2026, 2, 28), dt.date(2024, 2, 29), dt.date(2027, 1, 1)]))
def test_sql_matching_equals_the_plain_evaluation(firms, tree, on):
    facts = _facts()
    expected = sorted(f.uscc for f in facts if plain(tree, f, on))
    got = sorted(matching(tree, on=on).values_list("uscc", flat=True))
    assert got == expected, json.dumps(tree, ensure_ascii=False)


def test_the_firm_set_is_varied_enough_to_mean_something(firms):
    """Guard against a fixture where every tree matches nothing or everything."""
    facts = _facts()
    tree = {"figure": {"field": "revenue", "year": 2024, "min": 2000}}
    hits = sum(plain(tree, f, ON) for f in facts)
    assert 0 < hits < len(facts)
    assert any(f.industry is None for f in facts) and any(f.established_on is None for f in facts)


# --- the edges, spelt out ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_bounds_are_inclusive_and_null_is_unbounded():
    exact = FigureFactory(year=2024, revenue=Decimal("2000")).enterprise
    below = FigureFactory(year=2024, revenue=Decimal("1999.99")).enterprise
    above = FigureFactory(year=2024, revenue=Decimal("5000.01")).enterprise
    FigureFactory(year=2024, revenue=None)  # a row without the figure: no bound makes it count

    def codes(low, high):
        return set(matching({"figure": {"field": "revenue", "year": 2024, "min": low, "max": high}}, on=ON)
                   .values_list("pk", flat=True))

    assert codes(2000, None) == {exact.pk, above.pk}
    assert codes(None, 2000) == {exact.pk, below.pk}
    assert codes(2000, 2000) == {exact.pk}
    assert codes(None, None) == {exact.pk, below.pk, above.pk}


@pytest.mark.django_db
def test_a_missing_fact_is_false_and_its_not_is_true():
    no_figure = EnterpriseFactory()
    null_revenue = FigureFactory(year=2024, revenue=None).enterprise
    no_industry = EnterpriseFactory(industry=None)
    no_date = EnterpriseFactory(established_on=None)
    rich = FigureFactory(year=2024, revenue=9000).enterprise
    figure = {"figure": {"field": "revenue", "year": 2024, "min": 0}}
    assert set(matching(figure, on=ON)) == {rich}
    assert {no_figure, null_revenue, no_industry, no_date} <= set(matching({"not": figure}, on=ON))
    assert rich not in set(matching({"not": figure}, on=ON))
    assert no_industry in set(matching({"not": {"industry": {"prefix": ["C"]}}}, on=ON))
    assert no_date in set(matching({"not": {"age": {"min_years": 0}}}, on=ON))


@pytest.mark.django_db
def test_industry_prefix_is_a_section_letter_then_the_numeric_code():
    computer = EnterpriseFactory(industry=IndustryCategory.objects.get(code="3911"))
    instrument = EnterpriseFactory(industry=IndustryCategory.objects.get(code="4011"))
    farm = EnterpriseFactory(industry=IndustryCategory.objects.get(code="0111"))

    def hits(*prefixes):
        return set(matching({"industry": {"prefix": list(prefixes)}}, on=ON))

    assert hits("C39") == {computer}
    assert hits("C39", "C40") == {computer, instrument}
    assert hits("C") == {computer, instrument}
    assert hits("A") == {farm}
    assert hits("A39") == set()  # 39 lies under C, not A
    assert hits("c3911") == {computer}


@pytest.mark.django_db
def test_classification_year_is_the_list_year_and_without_it_the_fact_must_hold_on_the_date():
    giant = ClassificationFactory(kind="zjtx", category="little_giant", year=2023,
                                  valid_from=dt.date(2023, 7, 1), valid_to=dt.date(2026, 6, 30)).enterprise
    expired = ClassificationFactory(kind="zjtx", category="little_giant", year=2021,
                                    valid_from=dt.date(2021, 7, 1), valid_to=dt.date(2024, 6, 30)).enterprise
    held = {"classification": {"kind": "zjtx", "tier": ["little_giant"]}}
    assert set(matching(held, on=ON)) == {giant}
    assert set(matching(held, on=dt.date(2026, 7, 1))) == set()
    assert set(matching({"classification": {"kind": "zjtx", "tier": "little_giant", "year": 2021}}, on=ON)) == {expired}


@pytest.mark.django_db
def test_age_counts_whole_years_on_the_date():
    three = EnterpriseFactory(established_on=dt.date(2023, 3, 1))
    almost = EnterpriseFactory(established_on=dt.date(2023, 3, 2))
    assert set(matching({"age": {"min_years": 3}}, on=ON)) == {three}
    assert set(matching({"age": {"max_years": 2}}, on=ON)) == {almost}


@pytest.mark.parametrize("tree, words", [
    ({"all": [{"figure": {"field": "profit", "year": 2024}}]}, "all[0].figure：未知指标“profit”"),
    ({"all": [{"any": [{"colour": "red"}]}]}, "all[0].any[0]：未知条件“colour”"),
    ({"figure": {"field": "revenue", "year": 2024, "minimum": 3}}, "未知字段 minimum"),
    ({"figure": {"field": "revenue", "year": 2024, "min": "很多"}}, "“min”应为数字"),
    ({"figure": {"field": "revenue", "min": 1}}, "缺少必填字段“year”"),
    ({"figure": {"field": "revenue", "year": 2024, "min": 5, "max": 1}}, "大于上限"),
    ({"classification": {"kind": "zjtx", "tier": ["giant"]}}, "没有级别 giant"),
    ({"classification": {"kind": "unicorn"}}, "未知的分类“unicorn”"),
    ({"industry": {"prefix": ["C3"]}}, "行业代码“C3”无效"),
    ({"street": ["马田"]}, "街道代码“马田”无效"),
    ({"age": {}}, "至少需要"),
    ({"all": {"street": ["440311006"]}}, "应为列表"),
    ({"not": [{"street": ["440311006"]}]}, "不是列表"),
    ({"all": [], "any": []}, "只能有一个键"),
    ([1, 2], "应为对象"),
    ({"status": ["bankrupt"]}, "未知的经营状态"),
])
def test_malformed_rules_are_refused_naming_the_node(tree, words):
    with pytest.raises(R.RuleError) as info:
        R.normalise(tree)
    assert words in str(info.value)


# --- the command-line contract --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_command_prints_matched_and_sorted_codes_as_its_last_line(tmp_path, capsys):
    street = StreetFactory(code="440311006", name="马田街道")
    elsewhere = StreetFactory(code="440311005", name="玉塘街道")
    firms = [FigureFactory(enterprise=EnterpriseFactory(street=s), year=2024, revenue=r).enterprise
             for s, r in [(street, 3000), (street, 2000), (street, 100), (elsewhere, 9000)]]
    path = tmp_path / "rules.json"
    path.write_text(json.dumps({"all": [{"figure": {"field": "revenue", "year": 2024, "min": 2000, "max": None}}]}))
    call_command("policies", "match", str(path), "--on", "2026-03-01")
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert last == {"matched": 3, "codes": sorted([firms[0].uscc, firms[1].uscc, firms[3].uscc])}
    call_command("policies", "match", str(path), "--street", "440311006")
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert last["codes"] == sorted([firms[0].uscc, firms[1].uscc]) and last["matched"] == 2


@pytest.mark.django_db
@pytest.mark.parametrize("content, args", [
    ('{"all": [{"figure": {"field": "profit", "year": 2024}}]}', []),
    ('{"all": [', []),
    ('{"all": []}', ["--on", "2026-02-30"]),
    ('{"all": []}', ["--street", "999999999"]),
])
def test_command_exits_2_with_one_line_on_bad_input(tmp_path, content, args):
    path = tmp_path / "rules.json"
    path.write_text(content)
    with pytest.raises(CommandError) as info:
        call_command("policies", "match", str(path), *args)
    assert info.value.returncode == 2
    assert "\n" not in str(info.value) and str(info.value)


# --- explanation and "nearly meets" -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_explanation_lists_met_conditions_and_nearly_meets_is_all_but_one():
    firm = FigureFactory(year=2024, revenue=1500, enterprise=EnterpriseFactory(
        established_on=dt.date(2015, 1, 1), industry=IndustryCategory.objects.get(code="3911"))).enterprise
    qualifies = PolicyFactory(rules={"all": [{"industry": {"prefix": ["C39"]}}, {"age": {"min_years": 3}}]})
    nearly = PolicyFactory(rules={"all": [{"industry": {"prefix": ["C39"]}},
                                          {"figure": {"field": "revenue", "year": 2024, "min": 2000}}]})
    far = PolicyFactory(rules={"all": [{"industry": {"prefix": ["A"]}},
                                       {"figure": {"field": "revenue", "year": 2024, "min": 2000}}]})
    result = {e.policy: e for e in explain(firm, [qualifies, nearly, far], on=ON)}
    assert result[qualifies].qualifies and not result[qualifies].nearly
    assert result[qualifies].met == ["行业代码以 C39 开头", "成立满 3 年"]
    assert not result[nearly].qualifies and result[nearly].nearly
    assert result[nearly].unmet == ["2024 年营业收入（万元） ≥ 2000"]
    assert not result[far].qualifies and not result[far].nearly


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=TREE)
def test_the_firm_page_explanation_agrees_with_the_set_matching(firms, tree):
    """The 360° page evaluates each condition as a column of the firm's row; the verdict must be the matching's."""
    policy = PolicyFactory.build(pk=1, rules=tree)
    matched = set(matching(tree, on=ON).values_list("pk", flat=True))
    for firm in firms[::4]:
        (verdict,) = explain(firm, [policy], on=ON)
        assert verdict.qualifies == (firm.pk in matched), json.dumps(tree, ensure_ascii=False)
        if verdict.nearly:
            (key, children), = R.normalise(tree).items()
            assert key == "all" and sum(not plain(c, _facts_of(firm), ON) for c in children) == 1


def _facts_of(firm):
    return Enterprise.objects.select_related("industry", "street", "community", "park").prefetch_related(
        "classifications", "figures").get(pk=firm.pk)


@pytest.mark.django_db
def test_the_firm_page_compiles_a_rule_set_once_and_a_changed_rule_again(monkeypatch):
    """The 360° page's policy section (issue 17, capacity): the statement for a set of rules is built once per
    process and day, then only the firm changes; a changed rule is a new statement, never a stale answer."""
    street = StreetFactory(code="440311006")
    small = EnterpriseFactory(street=street)
    big = EnterpriseFactory(street=street)
    FigureFactory(enterprise=big, year=2024, revenue=5000)
    policy = PolicyFactory(rules={"all": [{"figure": {"field": "revenue", "year": 2024, "min": 2000}}]})
    built = []
    real = R.leaf_annotations
    monkeypatch.setattr(R, "leaf_annotations", lambda *a, **kw: built.append(1) or real(*a, **kw))
    on = ON + dt.timedelta(days=1)  # a day no other test compiled these rules for
    assert [explain(firm, [policy], on=on)[0].qualifies for firm in (small, big, small, big)] == [False, True] * 2
    assert len(built) == 1
    policy.rules = {"all": [{"figure": {"field": "revenue", "year": 2024, "min": 9000}}]}
    assert [explain(firm, [policy], on=on)[0].qualifies for firm in (small, big)] == [False, False]
    assert len(built) == 2
