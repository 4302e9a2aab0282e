"""Eligibility as data: the rule tree of a policy, validated, compiled to one SQL query, and explained.

The format (stored in `Policy.rules`, read by `manage.py policies match`, documented in policies/README.md):

    {"all": [node, ...]}     every child holds (an empty list holds for every firm)
    {"any": [node, ...]}     at least one child holds (an empty list holds for none)
    {"not": node}            the child does not hold
    {"classification": {"kind": "zjtx", "tier": ["little_giant"], "year": 2025}}
    {"industry": {"prefix": ["C39", "C40"]}}
    {"street": ["440311006"]}   {"community": ["440311006001"]}   {"park": [12, "某某产业园"]}
    {"figure": {"field": "revenue", "year": 2024, "min": 2000, "max": null}}
    {"age": {"min_years": 3, "max_years": 10}}
    {"status": ["active"]}

Semantics (the same in SQL, in the explanation and in the tests' plain evaluation):
- `min`/`max` are inclusive and each optional (absent or null: unbounded); figures are 万元 (employees: persons);
- a classification's `year` is the list year it was recorded for; without `year` the fact must hold on the
  evaluation date (`enterprises.selectors.current_facts`: yearly lists this or last year, dated facts covering
  the day); `tier` (or its synonym `category`) narrows to those tiers/categories;
- industry prefix: a 门类 letter alone ("C") or the letter with the leading digits of the code ("C39" = codes
  starting 39 under section C); digits alone ("3911") are accepted too;
- age = whole years since establishment on the evaluation date;
- a condition on a fact the firm lacks (no figure that year, no industry, no establishment date) is false, so its
  `not` is true.

`compile_rules` turns a valid tree into one `Q` over `Enterprise` (EXISTS subqueries for classifications and
figures): the matching is one query, whatever the number of firms.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q

GROUPS = ("all", "any", "not")
LEAVES = ("classification", "industry", "street", "community", "park", "figure", "age", "status")
FIGURE_FIELDS = {
    "revenue": gettext_lazy("营业收入（万元）"),
    "output_value": gettext_lazy("工业总产值（万元）"),
    "employees": gettext_lazy("从业人员（人）"),
    "tax": gettext_lazy("纳税额（万元）"),
}
FIGURE_ALIASES = {"output": "output_value"}
LEAF_LABELS = {
    "all": gettext_lazy("全部满足"), "any": gettext_lazy("满足其一"), "not": gettext_lazy("不满足"),
    "classification": gettext_lazy("企业分类"), "industry": gettext_lazy("行业"), "street": gettext_lazy("街道"),
    "community": gettext_lazy("社区"), "park": gettext_lazy("园区/楼宇"), "figure": gettext_lazy("经营数据"),
    "age": gettext_lazy("成立年限"), "status": gettext_lazy("经营状态"),
}
MAX_DEPTH = 8
MAX_NODES = 200
_PREFIX = re.compile(r"^(?:[A-T]|[A-T]?\d{2,4})$")


class RuleError(ValueError):
    """A rule tree that cannot be used. The message, in Chinese, names the bad node by its path."""


def _kinds():
    from enterprises.models import Classification

    return Classification


@dataclass(frozen=True)
class Leaf:
    path: str
    kind: str
    spec: Any


# --- validation -------------------------------------------------------------------------------------------------


def _where(path: str) -> str:
    return f"规则节点 {path}" if path else "规则根节点"


def _int(value, path: str, name: str, *, low: int, high: int) -> int:
    if isinstance(value, float) and not math.isfinite(value):
        raise RuleError(f"{_where(path)}：“{name}”应为整数，实为 {value!r}")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise RuleError(f"{_where(path)}：“{name}”应为整数，实为 {value!r}")
    value = int(value)
    if not low <= value <= high:
        raise RuleError(f"{_where(path)}：“{name}”应在 {low}–{high} 之间，实为 {value}")
    return value


def _number(value, path: str, name: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise RuleError(f"{_where(path)}：“{name}”应为数字或 null，实为 {value!r}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise RuleError(f"{_where(path)}：“{name}”应为数字或 null，实为 {value!r}") from None
    if not number.is_finite() or abs(number) >= Decimal("1e14"):
        raise RuleError(f"{_where(path)}：“{name}”不是有效数字：{value!r}")
    return number


def _strings(value, path: str, name: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise RuleError(f"{_where(path)}：“{name}”应为非空的字符串列表，实为 {value!r}")
    return [v.strip() for v in value]


def _keys(spec, path: str, leaf: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> dict:
    if not isinstance(spec, dict):
        raise RuleError(f"{_where(path)}：“{leaf}”的内容应为对象（{{...}}），实为 {spec!r}")
    unknown = sorted(set(spec) - set(allowed))
    if unknown:
        raise RuleError(f"{_where(path)}：“{leaf}”中有未知字段 {', '.join(unknown)}（可用：{', '.join(allowed)}）")
    for key in required:
        if spec.get(key) is None:
            raise RuleError(f"{_where(path)}：“{leaf}”缺少必填字段“{key}”")
    return spec


def normalise(tree: Any) -> dict:
    """Validate a tree and return its normal form (lists for single values, canonical field names, Decimals as
    plain numbers kept as given). Raises RuleError naming the first bad node."""
    counter = [0]
    return _normalise(tree, "", 0, counter)


def _normalise(node: Any, path: str, depth: int, counter: list[int]) -> dict:
    counter[0] += 1
    if counter[0] > MAX_NODES:
        raise RuleError(f"规则过大：超过 {MAX_NODES} 个节点")
    if depth > MAX_DEPTH:
        raise RuleError(f"{_where(path)}：嵌套超过 {MAX_DEPTH} 层")
    if not isinstance(node, dict):
        raise RuleError(f"{_where(path)}：应为对象（如 {{\"all\": [...]}}），实为 {node!r}")
    if len(node) != 1:
        keys = ", ".join(map(str, node)) or "（空）"
        raise RuleError(f"{_where(path)}：每个节点只能有一个键（all/any/not 或一个条件），实为 {keys}")
    (key, spec), = node.items()
    if key not in GROUPS + LEAVES:
        raise RuleError(f"{_where(path)}：未知条件“{key}”（可用：{', '.join(GROUPS + LEAVES)}）")
    here = f"{path}.{key}" if path else key
    if key in ("all", "any"):
        if not isinstance(spec, list):
            raise RuleError(f"{_where(here)}：“{key}”后应为列表 [...]，实为 {spec!r}")
        return {key: [_normalise(child, f"{here}[{i}]", depth + 1, counter) for i, child in enumerate(spec)]}
    if key == "not":
        if isinstance(spec, list):
            raise RuleError(f"{_where(here)}：“not”后应为一个节点对象，不是列表")
        return {"not": _normalise(spec, here, depth + 1, counter)}
    return {key: _LEAF_NORMALISERS[key](spec, here)}


def _classification(spec, path: str) -> dict:
    C = _kinds()
    spec = _keys(spec, path, "classification", ("kind", "tier", "category", "year"), ("kind",))
    kind = spec["kind"]
    if kind not in C.Kind.values:
        raise RuleError(f"{_where(path)}：未知的分类“{kind}”（可用：{', '.join(C.Kind.values)}）")
    out: dict[str, Any] = {"kind": kind}
    if spec.get("tier") is not None and spec.get("category") is not None:
        raise RuleError(f"{_where(path)}：“tier”与“category”含义相同，只能写一个")
    tiers = spec.get("tier") if spec.get("tier") is not None else spec.get("category")
    if tiers is not None:
        tiers = _strings(tiers, path, "tier")
        allowed = {"sishang": C.SishangCategory.values, "zjtx": C.ZjtxTier.values, "pool": C.Pool.values}.get(kind)
        if allowed is None:
            raise RuleError(f"{_where(path)}：分类“{kind}”没有级别/细类，不能写“tier”")
        bad = [t for t in tiers if t not in allowed]
        if bad:
            raise RuleError(f"{_where(path)}：分类“{kind}”没有级别 {', '.join(bad)}（可用：{', '.join(allowed)}）")
        out["tier"] = sorted(set(tiers))
    if spec.get("year") is not None:
        out["year"] = _int(spec["year"], path, "year", low=1949, high=2100)
    return out


def _industry(spec, path: str) -> dict:
    spec = _keys(spec, path, "industry", ("prefix",), ("prefix",))
    prefixes = []
    for raw in _strings(spec["prefix"], path, "prefix"):
        code = raw.upper().replace(" ", "")
        if not _PREFIX.match(code):
            raise RuleError(
                f"{_where(path)}：行业代码“{raw}”无效（应为门类字母 A–T，或字母加 2–4 位代码如 C39、C3911，或 2–4 位代码）")
        prefixes.append(code)
    return {"prefix": sorted(set(prefixes))}


def _codes(length: int, what: str):
    def check(spec, path: str) -> list[str]:
        codes = _strings(spec, path, what)
        for code in codes:
            if not (code.isdigit() and len(code) == length):
                raise RuleError(f"{_where(path)}：{LEAF_LABELS[what]}代码“{code}”无效（应为 {length} 位数字区划代码）")
        return sorted(set(codes))

    return check


def _park(spec, path: str) -> list:
    if isinstance(spec, (str, int)) and not isinstance(spec, bool):
        spec = [spec]
    if not isinstance(spec, list) or not spec:
        raise RuleError(f"{_where(path)}：“park”应为园区编号或名称的非空列表，实为 {spec!r}")
    out = []
    for value in spec:
        if isinstance(value, bool) or not isinstance(value, (int, str)) or (isinstance(value, str) and not value.strip()):
            raise RuleError(f"{_where(path)}：园区应为编号（整数）或名称，实为 {value!r}")
        out.append(value.strip() if isinstance(value, str) else value)
    return out


def _figure(spec, path: str) -> dict:
    spec = _keys(spec, path, "figure", ("field", "year", "min", "max"), ("field", "year"))
    field = FIGURE_ALIASES.get(spec["field"], spec["field"])
    if field not in FIGURE_FIELDS:
        raise RuleError(f"{_where(path)}：未知指标“{spec['field']}”（可用：{', '.join(FIGURE_FIELDS)}）")
    low, high = _number(spec.get("min"), path, "min"), _number(spec.get("max"), path, "max")
    if low is not None and high is not None and low > high:
        raise RuleError(f"{_where(path)}：下限 min {low} 大于上限 max {high}")
    out = {"field": field, "year": _int(spec["year"], path, "year", low=1949, high=2100),
           "min": None if low is None else _plain(low), "max": None if high is None else _plain(high)}
    return out


def _plain(number: Decimal):
    return int(number) if number == number.to_integral_value() else float(number)


def _age(spec, path: str) -> dict:
    spec = _keys(spec, path, "age", ("min_years", "max_years"))
    low = None if spec.get("min_years") is None else _int(spec["min_years"], path, "min_years", low=0, high=200)
    high = None if spec.get("max_years") is None else _int(spec["max_years"], path, "max_years", low=0, high=200)
    if low is None and high is None:
        raise RuleError(f"{_where(path)}：“age”至少需要 min_years 或 max_years")
    if low is not None and high is not None and low > high:
        raise RuleError(f"{_where(path)}：min_years {low} 大于 max_years {high}")
    return {"min_years": low, "max_years": high}


def _status(spec, path: str) -> list[str]:
    from enterprises.models import Enterprise

    statuses = _strings(spec, path, "status")
    bad = [s for s in statuses if s not in Enterprise.Status.values]
    if bad:
        raise RuleError(f"{_where(path)}：未知的经营状态 {', '.join(bad)}（可用：{', '.join(Enterprise.Status.values)}）")
    return sorted(set(statuses))


_LEAF_NORMALISERS = {
    "classification": _classification, "industry": _industry, "street": _codes(9, "street"),
    "community": _codes(12, "community"), "park": _park, "figure": _figure, "age": _age, "status": _status,
}


# --- walking ----------------------------------------------------------------------------------------------------


def leaves(tree: dict, path: str = "") -> list[Leaf]:
    """The leaves of a normalised tree, in order, with their paths."""
    (key, spec), = tree.items()
    here = f"{path}.{key}" if path else key
    if key in ("all", "any"):
        return [leaf for i, child in enumerate(spec) for leaf in leaves(child, f"{here}[{i}]")]
    if key == "not":
        return leaves(spec, here)
    return [Leaf(here, key, spec)]


def evaluate(tree: dict, leaf_values: dict[str, bool], path: str = "") -> bool:
    """The tree's value given each leaf's value (by path): the boolean logic only, no firm data."""
    (key, spec), = tree.items()
    here = f"{path}.{key}" if path else key
    if key == "all":
        return all(evaluate(child, leaf_values, f"{here}[{i}]") for i, child in enumerate(spec))
    if key == "any":
        return any(evaluate(child, leaf_values, f"{here}[{i}]") for i, child in enumerate(spec))
    if key == "not":
        return not evaluate(spec, leaf_values, here)
    return leaf_values[here]


# --- compilation ------------------------------------------------------------------------------------------------


def years_before(on: dt.date, years: int) -> dt.date:
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February in a year that has none
        return on.replace(year=on.year - years, day=28)


def leaf_q(leaf_kind: str, spec: Any, on: dt.date) -> Q:
    """One condition as a Q over Enterprise. Every missing fact makes it false (never NULL), so `~` is its
    negation."""
    from crm.models import Community, Street
    from enterprises.models import AnnualFigure, Classification, IndustryCategory, Park
    from enterprises.selectors import current_facts

    if leaf_kind == "classification":
        facts = (Classification.objects.filter(kind=spec["kind"], year=spec["year"]) if spec.get("year") is not None
                 else current_facts(spec["kind"], on))
        if spec.get("tier"):
            facts = facts.filter(category__in=spec["tier"])
        return Q(Exists(facts.filter(enterprise_id=OuterRef("pk"))))
    if leaf_kind == "industry":
        match = Q()
        for prefix in spec["prefix"]:
            letter, digits = (prefix[0], prefix[1:]) if prefix[0].isalpha() else ("", prefix)
            part = Q()
            if letter:
                part &= Q(section=letter)
            if digits:
                part &= Q(code__startswith=digits)
            match |= part
        return Q(Exists(IndustryCategory.objects.filter(match, pk=OuterRef("industry_id"))))
    if leaf_kind == "street":
        return Q(Exists(Street.objects.filter(code__in=spec, pk=OuterRef("street_id"))))
    if leaf_kind == "community":
        return Q(Exists(Community.objects.filter(code__in=spec, pk=OuterRef("community_id"))))
    if leaf_kind == "park":
        ids = [v for v in spec if isinstance(v, int)]
        names = [v for v in spec if isinstance(v, str)]
        return Q(Exists(Park.objects.filter(Q(pk__in=ids) | Q(name__in=names), pk=OuterRef("park_id"))))
    if leaf_kind == "figure":
        field = spec["field"]
        bounds = {f"{field}__isnull": False}
        if spec.get("min") is not None:
            bounds[f"{field}__gte"] = Decimal(str(spec["min"]))
        if spec.get("max") is not None:
            bounds[f"{field}__lte"] = Decimal(str(spec["max"]))
        return Q(Exists(AnnualFigure.objects.filter(enterprise_id=OuterRef("pk"), year=spec["year"], **bounds)))
    if leaf_kind == "age":
        q = Q(established_on__isnull=False)
        if spec.get("min_years") is not None:
            q &= Q(established_on__lte=years_before(on, spec["min_years"]))
        if spec.get("max_years") is not None:
            q &= Q(established_on__gt=years_before(on, spec["max_years"] + 1))
        return q
    if leaf_kind == "status":
        return Q(status__in=spec)
    raise RuleError(f"未知条件“{leaf_kind}”")  # pragma: no cover - normalise() refuses it first


def compile_rules(tree: dict, on: dt.date) -> Q:
    """A normalised tree → one Q over Enterprise."""
    (key, spec), = tree.items()
    if key == "all":
        if not spec:
            return Q(pk__isnull=False)  # true for every firm, and its negation false (~Q() would be true too)
        q = Q()
        for child in spec:
            q &= compile_rules(child, on)
        return q
    if key == "any":
        if not spec:
            return Q(pk__in=[])
        q = Q()
        for child in spec:
            q |= compile_rules(child, on)
        return q
    if key == "not":
        return ~compile_rules(spec, on)
    return leaf_q(key, spec, on)


def leaf_annotations(tree: dict, on: dt.date, prefix: str = "c") -> tuple[dict[str, ExpressionWrapper], dict[str, str]]:
    """Each leaf as a boolean annotation (name → expression) and the name → leaf path map: one query then says,
    for one firm, which conditions it meets."""
    annotations, names = {}, {}
    for i, leaf in enumerate(leaves(tree)):
        name = f"{prefix}_{i}"
        annotations[name] = ExpressionWrapper(leaf_q(leaf.kind, leaf.spec, on), output_field=BooleanField())
        names[name] = leaf.path
    return annotations, names


def check_firm(tree: dict, enterprise_id: int, on: dt.date) -> tuple[bool, list[str]]:
    """One firm against a rule tree, in one query with the same leaf SQL as the matching: (meets it, and when it
    does not, the conditions it does not meet, in words). An empty tree is met by every firm. Used by any app whose rules are
    in this format (bank products' eligibility in matchmaking)."""
    from enterprises.models import Enterprise

    if not tree:
        return True, []
    tree = normalise(tree)
    annotations, names = leaf_annotations(tree, on)
    row = Enterprise.objects.filter(pk=enterprise_id).annotate(**annotations).values(*annotations).first() or {}
    values = {names[name]: bool(row.get(name)) for name in annotations}
    if evaluate(tree, values):
        return True, []
    return False, [describe_leaf(leaf.kind, leaf.spec) for leaf in leaves(tree) if not values[leaf.path]]


# --- words ------------------------------------------------------------------------------------------------------


def describe_leaf(kind: str, spec: Any) -> str:
    """A condition in words, for the explanation on a firm's page and the editor (in the user's language)."""
    C = _kinds()
    sep = _("、")
    if kind == "classification":
        text = str(C.Kind(spec["kind"]).label)
        if spec.get("tier"):
            labels = {**dict(C.SishangCategory.choices), **dict(C.ZjtxTier.choices), **dict(C.Pool.choices)}
            text += _("（%(tiers)s）") % {"tiers": sep.join(str(labels.get(t, t)) for t in spec["tier"])}
        if spec.get("year") is not None:
            return _("%(year)s 年度名单中为%(what)s") % {"year": spec["year"], "what": text}
        return _("当前为%(what)s") % {"what": text}
    if kind == "industry":
        return _("行业代码以 %(prefixes)s 开头") % {"prefixes": sep.join(spec["prefix"])}
    if kind in ("street", "community", "park"):
        return _("%(label)s为 %(values)s") % {"label": LEAF_LABELS[kind], "values": sep.join(map(str, spec))}
    if kind == "figure":
        label = FIGURE_FIELDS[spec["field"]]
        parts = []
        if spec.get("min") is not None:
            parts.append(f"≥ {spec['min']}")
        if spec.get("max") is not None:
            parts.append(f"≤ {spec['max']}")
        bounds = _(" 且 ").join(parts) if parts else _("有数据")
        return _("%(year)s 年%(label)s %(bounds)s") % {"year": spec["year"], "label": label, "bounds": bounds}
    if kind == "age":
        parts = []
        if spec.get("min_years") is not None:
            parts.append(_("满 %(n)s 年") % {"n": spec["min_years"]})
        if spec.get("max_years") is not None:
            parts.append(_("不超过 %(n)s 年") % {"n": spec["max_years"]})
        return _("成立%(parts)s") % {"parts": sep.join(parts)}
    if kind == "status":
        from enterprises.models import Enterprise

        return _("经营状态为 %(statuses)s") % {"statuses": sep.join(str(Enterprise.Status(s).label) for s in spec)}
    return kind
