"""Streets/communities of 光明区 as DOMAIN.md lists them, and builders for nasty name-list files."""

from __future__ import annotations

import io
import random

from crm.demo import STREETS
from enterprises.uscc import ALPHABET, check_char
from tests.crm.factories import CommunityFactory, StreetFactory


def guangming_streets(codes=("440311001", "440311005", "440311006")) -> dict:
    """Create the given streets with their communities (named "<x>社区") and return {code: Street}."""
    streets = {}
    for code in codes:
        name, communities = STREETS[code]
        street = StreetFactory(code=code, name=name)
        for i, community in enumerate(communities, start=1):
            CommunityFactory(street=street, code=f"{code}{i:03d}", name=f"{community}社区")
        streets[code] = street
    return streets


def make_code(rng: random.Random | None = None, region: str = "440311") -> str:
    rng = rng or random.Random()
    body = "91" + region + "".join(rng.choice(ALPHABET) for _ in range(9))
    return body + check_char(body)


def wrong_check(code: str) -> str:
    return code[:-1] + ALPHABET[(ALPHABET.index(code[-1]) + 1) % 31]


def xlsx_bytes(sheets: dict[str, list[list]], merges: dict[str, list[str]] | None = None) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
        for rng in (merges or {}).get(name, []):
            ws.merge_cells(rng)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list], encoding: str = "utf-8") -> bytes:
    import csv

    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)
