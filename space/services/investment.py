"""固投: the year-to-date figures the targets and dashboard read. The monthly report is imported through the
import pipeline as list kind "fai_monthly" (space.importing)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import DecimalField, ExpressionWrapper, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from space.models import InvestmentMonth, InvestmentProject

DEC = DecimalField(max_digits=16, decimal_places=2)


# ---------------------------------------------------------------------------------------------------------------
# Figures


def projects_with_progress(qs: QuerySet, year: int, until: dt.date) -> QuerySet:
    """Annotate projects with investment completed in `year` up to `until` and how far behind the plan they are.

    Behind schedule: completed year-to-date below the plan pro rata to the months elapsed (year_plan × m / 12).
    """
    months = InvestmentMonth.objects.filter(project_id=OuterRef("pk"), month__year=year, month__lte=until)
    done = Coalesce(Subquery(months.order_by().values("project_id").annotate(s=Sum("amount")).values("s")[:1],
                             output_field=DEC), Value(Decimal("0"), output_field=DEC))
    elapsed = Decimal(until.month if until.year == year else (12 if until.year > year else 0))
    return qs.annotate(
        ytd=done,
        expected=ExpressionWrapper(F("year_plan") * Value(elapsed) / Value(Decimal("12")), output_field=DEC),
    ).annotate(
        behind=ExpressionWrapper(F("expected") - F("ytd"), output_field=DEC),
    )


def completed(street_id: int, start: dt.date, end: dt.date, *, officer_id: int | None = None,
              team_id: int | None = None) -> tuple[Decimal, QuerySet]:
    """Investment completed in the months of [start, end] (万元), and the projects behind it."""
    months = InvestmentMonth.objects.filter(project__street_id=street_id, month__gte=start.replace(day=1),
                                            month__lte=end)
    if officer_id:
        months = months.filter(project__officer_id=officer_id)
    if team_id:
        months = months.filter(project__pipeline_project__team_id=team_id)
    total = months.aggregate(s=Sum("amount"))["s"] or Decimal("0")
    return Decimal(total), InvestmentProject.objects.filter(pk__in=months.values("project_id"))
