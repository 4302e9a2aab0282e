"""Read queries for the registry's pages and exports. Every query starts from `.visible_to(user)`.

By topic: `listing` (the list, search, keyset pages, 四上 filters), `detail` (the 360° page and its history),
`coverage` (全覆盖), `visits` (visit rules: due and over-visited firms, visit list, campaigns). Import from here
(`from enterprises import selectors`) or from the module.
"""

from enterprises.selectors.common import COVERAGE_KINDS, YEARLY_KINDS, current_facts, today
from enterprises.selectors.coverage import CoverageRow, coverage, officer_load, uncovered_firms
from enterprises.selectors.detail import change_history, enterprise_detail, profile_in_year
from enterprises.selectors.pools import pool_report
from enterprises.selectors.listing import (
    ListFilters,
    Page,
    autocomplete,
    became_sishang,
    decode_cursor,
    encode_cursor,
    enterprise_page,
    filtered_enterprises,
    firms_in_kind,
    search,
    sishang_candidates,
)
from enterprises.selectors.visits import (
    DueFirm,
    OverVisited,
    campaign_totals,
    due_in_streets,
    due_visits,
    over_visited,
    rules_for,
    visit_list,
)

__all__ = [
    "pool_report",
    "COVERAGE_KINDS", "YEARLY_KINDS", "CoverageRow", "DueFirm", "ListFilters", "OverVisited", "Page", "autocomplete",
    "became_sishang", "campaign_totals", "coverage", "current_facts", "decode_cursor", "due_in_streets",
    "change_history", "due_visits", "encode_cursor", "enterprise_detail", "enterprise_page", "filtered_enterprises",
    "firms_in_kind",
    "officer_load", "over_visited", "profile_in_year", "rules_for", "search", "sishang_candidates", "today",
    "uncovered_firms", "visit_list",
]
