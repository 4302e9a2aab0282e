"""The street × indicator × month rollup (StreetMonthTotal): the one place it is computed, from MonthlyFigure."""

from __future__ import annotations

import datetime as dt

from django.db import connection

from .models import MonthlyFigure, StreetMonthTotal


def refresh(indicator: str | None = None, month: dt.date | None = None) -> None:
    """Recompute the rollup rows of one indicator and month (both None: everything), set-based."""
    where, params = [], []
    if indicator is not None:
        where.append("indicator = %s")
        params.append(indicator)
    if month is not None:
        where.append("month = %s")
        params.append(month)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    total, figures = StreetMonthTotal._meta.db_table, MonthlyFigure._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {total} {clause}", params)
        cursor.execute(f"""
            INSERT INTO {total} (street_id, indicator, month, firms, ytd, ytd_last_year, value)
            SELECT street_id, indicator, month, count(*), sum(ytd), sum(coalesce(ytd_last_year, 0)),
                   sum(coalesce(value, 0))
            FROM {figures} {clause}
            GROUP BY street_id, indicator, month""", params)
