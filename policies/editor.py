"""The rule editor: a rule tree as plain form fields and back, so users build `all`/`any`/`not` groups and
conditions with selects and number boxes, never typing JSON.

A node at path "0", "0.2", "0.2.1" … is described by fields named `r<path>-<attr>`: `-t` its type (all, any, not
or a condition), then the condition's own fields. Structural changes are `op` values: "add:<path>:<type>" adds a
child to the group at <path>, "del:<path>" removes a node. The result is a raw tree for `rules.normalise`.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from django.utils import timezone

from django.utils.translation import gettext_lazy as _

from enterprises.models import Classification, Enterprise
from policies import rules as R

CONDITION_TYPES = [
    ("classification", _("企业分类")), ("industry", _("行业")), ("figure", _("经营数据")), ("age", _("成立年限")),
    ("street", _("街道")), ("community", _("社区")), ("park", _("园区/楼宇")), ("status", _("经营状态")),
]
GROUP_TYPES = [("all", _("全部满足（且）")), ("any", _("满足其一（或）")), ("not", _("排除（非）"))]
DEFAULTS: dict[str, Any] = {
    "all": {"all": []}, "any": {"any": []}, "not": {"not": {"all": []}},
    "classification": {"classification": {"kind": "sishang"}},
    "industry": {"industry": {"prefix": []}},
    "figure": {"figure": {"field": "revenue", "year": None, "min": None, "max": None}},
    "age": {"age": {"min_years": None, "max_years": None}},
    "street": {"street": []}, "community": {"community": []}, "park": {"park": []},
    "status": {"status": ["active"]},
}
_PATH = re.compile(r"^r(0(?:\.\d{1,3})*)-t$")
_SPLIT = re.compile(r"[\s,，、;；]+")


def _num(text: str):
    text = (text or "").strip()
    if not text:
        return None
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    return text  # the validator names it: "“min”应为数字"


def _leaf_from_form(kind: str, data, p: str) -> Any:
    get = lambda name: (data.get(f"r{p}-{name}") or "").strip()  # noqa: E731
    many = lambda name: [v for v in data.getlist(f"r{p}-{name}") if v.strip()]  # noqa: E731
    if kind == "classification":
        spec: dict[str, Any] = {"kind": get("kind")}
        tiers = [t for t in many("tier")
                 if t in {"sishang": Classification.SishangCategory.values, "zjtx": Classification.ZjtxTier.values,
                          "pool": Classification.Pool.values}.get(spec["kind"], [])]
        if tiers:
            spec["tier"] = tiers
        if get("year"):
            spec["year"] = _num(get("year"))
        return spec
    if kind == "industry":
        return {"prefix": [p for p in _SPLIT.split(get("prefix")) if p]}
    if kind == "figure":
        return {"field": get("field"), "year": _num(get("year")), "min": _num(get("min")), "max": _num(get("max"))}
    if kind == "age":
        return {"min_years": _num(get("min_years")), "max_years": _num(get("max_years"))}
    if kind == "park":
        return [int(v) if v.isdigit() else v for v in many("codes")]
    return many("codes")


def from_form(data) -> dict:
    """The raw tree the form describes (not validated)."""
    types = {m.group(1): data.get(key) for key in data for m in [_PATH.match(key)] if m}
    if "0" not in types:
        return {"all": []}

    def build(p: str) -> dict:
        kind = types[p]
        if kind in ("all", "any", "not"):
            children = sorted((c for c in types if c.startswith(p + ".") and c.count(".") == p.count(".") + 1),
                              key=lambda c: int(c.rsplit(".", 1)[1]))
            nodes = [build(c) for c in children]
            if kind == "not":
                return {"not": nodes[0] if nodes else {"all": []}}
            return {kind: nodes}
        if kind not in R.LEAVES:
            return {kind: None}
        return {kind: _leaf_from_form(kind, data, p)}

    return build("0")


def _node_at(tree: dict, path: str) -> dict:
    node = tree
    for index in path.split(".")[1:]:
        (key, spec), = node.items()
        node = spec if key == "not" else spec[int(index)]
    return node


def apply_op(tree: dict, op: str) -> dict:
    """Apply an editor operation; an unknown or stale operation changes nothing."""
    parts = op.split(":")
    try:
        if parts[0] == "add" and len(parts) == 3 and parts[2] in DEFAULTS:
            node = _node_at(tree, parts[1])
            (key, spec), = node.items()
            new = copy.deepcopy(DEFAULTS[parts[2]])
            if parts[2] == "figure":
                new["figure"]["year"] = timezone.localdate().year - 1
            if key in ("all", "any"):
                spec.append(new)
            elif key == "not":
                (inner_key, inner), = spec.items()
                if inner_key in ("all", "any"):
                    inner.append(new)
        elif parts[0] == "del" and len(parts) == 2 and "." in parts[1]:
            parent_path, index = parts[1].rsplit(".", 1)
            parent = _node_at(tree, parent_path)
            (key, spec), = parent.items()
            if key in ("all", "any"):
                del spec[int(index)]
            elif key == "not":
                parent["not"] = {"all": []}
    except (IndexError, ValueError, KeyError, AttributeError):
        pass
    return tree


def to_nodes(tree: Any, path: str = "0") -> dict:
    """A view model of the tree for the template: each node with its path, type, values and children."""
    if not isinstance(tree, dict) or len(tree) != 1:
        tree = {"all": []}
    (key, spec), = tree.items()
    node = {"path": path, "type": key, "label": R.LEAF_LABELS.get(key, key), "children": [], "spec": spec,
            "is_group": key in R.GROUPS, "depth": path.count(".")}
    if key in ("all", "any"):
        node["children"] = [to_nodes(child, f"{path}.{i}") for i, child in enumerate(spec or [])]
    elif key == "not":
        node["children"] = [to_nodes(spec if isinstance(spec, dict) else {"all": []}, f"{path}.0")]
    elif key in ("street", "community", "park", "status"):
        node["values"] = [str(v) for v in (spec or [])]
    elif key == "industry":
        node["text"] = " ".join((spec or {}).get("prefix", []))
    elif key == "classification":
        node["tiers"] = list((spec or {}).get("tier") or [])
    return node


def choices(user) -> dict:
    """The options the condition forms offer (scoped to what the user may see)."""
    from crm.models import Community
    from crm.scoping import visible_streets
    from enterprises.models import Park

    streets = list(visible_streets(user))
    return {
        "kinds": Classification.Kind.choices,
        "tiers": {"sishang": Classification.SishangCategory.choices, "zjtx": Classification.ZjtxTier.choices,
                  "pool": Classification.Pool.choices},
        "figure_fields": list(R.FIGURE_FIELDS.items()),
        "streets": [(s.code, s.name) for s in streets],
        "communities": [(c.code, f"{c.street.name}·{c.name}") for c in
                        Community.objects.filter(street__in=streets).select_related("street").order_by("code")],
        "parks": [(str(p.pk), p.name) for p in Park.objects.filter(street__in=streets).order_by("name")[:300]],
        "statuses": Enterprise.Status.choices,
        "condition_types": CONDITION_TYPES,
        "group_types": GROUP_TYPES,
    }


def describe(tree: Any) -> list[tuple[int, str]]:
    """The tree in words, one line per node with its depth, for the detail page."""
    lines: list[tuple[int, str]] = []

    def walk(node, depth):
        (key, spec), = node.items()
        if key in ("all", "any"):
            lines.append((depth, str(dict(GROUP_TYPES)[key])))
            for child in spec:
                walk(child, depth + 1)
        elif key == "not":
            lines.append((depth, str(dict(GROUP_TYPES)["not"])))
            walk(spec, depth + 1)
        else:
            lines.append((depth, R.describe_leaf(key, spec)))

    try:
        walk(R.normalise(tree), 0)
    except R.RuleError as exc:
        lines.append((0, str(exc)))
    return lines
