"""Per-park rollups (space.models.ParkRollup, ParkYearRollup): recomputed set-based from the registry.

`refresh(park_ids, years)` replaces the rows of the given parks (all parks when None) in a few statements whatever
the number of firms: a DELETE and an INSERT … SELECT … GROUP BY per table. Who calls it:

- space.signals, on a single firm, annual figure, classification or vacancy save/delete (forms, admin, services):
  the parks concerned, immediately, inside the writer's transaction;
- after a committed name-list import (figures, classifications, firms closed) and after a vacancy import: every park,
  once the import's transaction commits;
- nightly (space.refresh_park_rollups), a backstop for writes that bypass both (raw SQL, bulk updates).

The figures follow the rules the pages always used: tenants are firms in the park that are neither moved out nor
deregistered; a year's sums are over the annual figures of the firms in the park; 四上 counts that year's facts,
专精特新 (provincial or little giant, recognised by that year) and 高新 count the facts valid at some time in it;
vacant area is the open (available or reserved) vacancies'.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from enterprises.models import AnnualFigure, Classification, Enterprise, Park
from pipelines.models import Vacancy
from space.models import ParkRollup, ParkYearRollup

OPEN_VACANCY = (Vacancy.Status.AVAILABLE.value, Vacancy.Status.RESERVED.value)
NOT_TENANT = (Enterprise.Status.DEREGISTERED.value, Enterprise.Status.MOVED_OUT.value)
ZJTX_COUNTED = ("provincial", "little_giant")
#: Years always kept, counted back from this one: the years the pages offer.
WINDOW = 6
#: Beyond this many parks a scoped refresh becomes a whole one (no huge IN lists; same statements).
SCOPE_LIMIT = 2000


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _in(column: str, ids: list[int]) -> tuple[str, list]:
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def rollup_years(parks: list[int] | None = None, today: dt.date | None = None) -> list[int]:
    """The years a refresh writes: the pages' window, and every year the parks' firms (all firms when `parks` is
    None) have figures or facts for."""
    this_year = (today or timezone.localdate()).year
    years = set(range(this_year - WINDOW + 1, this_year + 1))
    figures, facts = AnnualFigure.objects.order_by(), Classification.objects.order_by()
    if parks is not None:
        figures = figures.filter(enterprise__park_id__in=parks)
        facts = facts.filter(enterprise__park_id__in=parks)
    years.update(figures.values_list("year", flat=True).distinct())
    years.update(y for y in facts.values_list("year", flat=True).distinct() if y)
    return sorted(years)


@transaction.atomic
def refresh(park_ids: Iterable[int] | None = None, years: Iterable[int] | None = None) -> None:
    """Recompute the rollups of `park_ids` (None: every park) for `years` (None: rollup_years(); the year-free
    ParkRollup is always recomputed for those parks)."""
    parks = None if park_ids is None else sorted({pk for pk in park_ids if pk is not None})
    if parks is not None and len(parks) > SCOPE_LIMIT:
        parks = None
    if parks == []:
        return
    years = sorted(set(years)) if years is not None else rollup_years(parks)
    now = timezone.now()
    with connection.cursor() as cursor:
        _refresh_current(cursor, parks, now)
        if years:
            _refresh_years(cursor, parks, years, now)


def _refresh_current(cursor, parks: list[int] | None, now) -> None:
    rollup, park, ent, vac = _table(ParkRollup), _table(Park), _table(Enterprise), _table(Vacancy)
    scope_p, scope_e, scope_v, params_p = "", "", "", []
    if parks is not None:
        clause, params_p = _in("park_id", parks)
        scope_e = scope_v = f" AND {clause}"
        scope_p = f" WHERE {_in('p.id', parks)[0]}"
        cursor.execute(f"DELETE FROM {rollup} WHERE {clause}", params_p)
    else:
        cursor.execute(f"DELETE FROM {rollup}")
    cursor.execute(
        f"INSERT INTO {rollup} (park_id, tenants, vacant_area, refreshed_at) "
        f"SELECT p.id, COALESCE(t.n, 0), COALESCE(v.area, 0), %s FROM {park} p "
        f"LEFT JOIN (SELECT park_id, COUNT(*) AS n FROM {ent} WHERE park_id IS NOT NULL "
        f"AND status NOT IN (%s, %s){scope_e} GROUP BY park_id) t ON t.park_id = p.id "
        f"LEFT JOIN (SELECT park_id, SUM(area) AS area FROM {vac} WHERE status IN (%s, %s){scope_v} "
        f"GROUP BY park_id) v ON v.park_id = p.id{scope_p}",
        [now, *NOT_TENANT, *params_p, *OPEN_VACANCY, *params_p, *params_p])


def _refresh_years(cursor, parks: list[int] | None, years: list[int], now) -> None:
    rollup, ent, fig, fact = _table(ParkYearRollup), _table(Enterprise), _table(AnnualFigure), _table(Classification)
    year_in, year_params = _in("year", years)
    scope, scope_params = ("", [])
    if parks is not None:
        clause, scope_params = _in("e.park_id", parks)
        scope = f" AND {clause}"
        cursor.execute(f"DELETE FROM {rollup} WHERE {_in('park_id', parks)[0]} AND {year_in}",
                       [*scope_params, *year_params])
    else:
        cursor.execute(f"DELETE FROM {rollup} WHERE {year_in}", year_params)
    # The years as a derived table (y, first day, last day): portable (no generate_series, no make_date).
    years_sql = " UNION ALL ".join(["SELECT %s AS y, %s AS y_start, %s AS y_end"] * len(years))
    years_params = [v for y in years for v in (y, dt.date(y, 1, 1), dt.date(y, 12, 31))]
    valid = "(c.valid_from IS NULL OR c.valid_from <= yr.y_end) AND (c.valid_to IS NULL OR c.valid_to >= yr.y_start)"
    zjtx = f"c.kind = 'zjtx' AND c.category IN ('provincial', 'little_giant') AND c.year <= yr.y AND {valid}"
    gaoxin = f"c.kind = 'gaoxin' AND {valid}"
    sishang = "c.kind = 'sishang' AND c.year = yr.y"
    cursor.execute(
        f"INSERT INTO {rollup} (park_id, year, revenue, output, tax, sishang, zjtx, gaoxin, refreshed_at) "
        f"SELECT park_id, year, SUM(revenue), SUM(output), SUM(tax), SUM(sishang), SUM(zjtx), SUM(gaoxin), %s FROM ("
        # the year's annual figures of the firms in each park
        f"SELECT e.park_id AS park_id, f.year AS year, COALESCE(SUM(f.revenue), 0) AS revenue, "
        f"COALESCE(SUM(f.output_value), 0) AS output, COALESCE(SUM(f.tax), 0) AS tax, "
        f"0 AS sishang, 0 AS zjtx, 0 AS gaoxin "
        f"FROM {fig} f JOIN {ent} e ON e.id = f.enterprise_id "
        f"WHERE e.park_id IS NOT NULL AND f.{year_in}{scope} GROUP BY e.park_id, f.year "
        f"UNION ALL "
        # the firms holding each kind of fact in the year
        f"SELECT e.park_id, yr.y, 0, 0, 0, "
        f"COUNT(DISTINCT CASE WHEN {sishang} THEN c.enterprise_id END), "
        f"COUNT(DISTINCT CASE WHEN {zjtx} THEN c.enterprise_id END), "
        f"COUNT(DISTINCT CASE WHEN {gaoxin} THEN c.enterprise_id END) "
        f"FROM ({years_sql}) yr JOIN {fact} c ON ({sishang}) OR ({zjtx}) OR ({gaoxin}) "
        f"JOIN {ent} e ON e.id = c.enterprise_id WHERE e.park_id IS NOT NULL{scope} GROUP BY e.park_id, yr.y"
        f") parts GROUP BY park_id, year",
        [now, *year_params, *scope_params, *years_params, *scope_params])


def refresh_after_commit(park_ids: Iterable[int] | None = None, years: Iterable[int] | None = None) -> None:
    """refresh() once the current transaction commits (imports: keep their transaction short)."""
    ids = None if park_ids is None else list(park_ids)
    yrs = None if years is None else list(years)
    transaction.on_commit(lambda: refresh(ids, yrs))
