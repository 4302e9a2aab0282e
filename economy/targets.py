"""Growth-rate targets ("规上工业总产值增长10%") in the 挂图作战 dashboard: one pipelines metric per indicator, whose
value for a period is the street's year-to-date growth (同口径, economy.selectors) as of the last month with figures
up to the period's end. Targets are set per year and street on the existing targets page; the monthly and quarterly
snapshots freeze the growth as it was reported."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from . import selectors
from .models import Indicator, MonthlyFigure

LABELS = {
    Indicator.INDUSTRIAL_OUTPUT: _("规上工业总产值增速"),
    Indicator.REVENUE: _("规上服务业营业收入增速"),
    Indicator.RETAIL_SALES: _("限上零售额增速"),
    Indicator.CONSTRUCTION_OUTPUT: _("建筑业总产值增速"),
}


def metric_code(indicator: str) -> str:
    return f"growth_{indicator}"


def growth_as_of(street_id: int, indicator: str, start: dt.date, end: dt.date):
    """(month, totals) of the last month of start's year up to `end` with figures, or (None, None)."""
    month = (MonthlyFigure.objects.filter(street_id=street_id, indicator=indicator,
                                          month__gte=dt.date(start.year, 1, 1), month__lte=end)
             .order_by("-month").values_list("month", flat=True).first())
    if month is None:
        return None, None
    return month, selectors.totals(month, indicator, street_id)


def _metric(indicator: str):
    def compute(scope, start: dt.date, end: dt.date):
        from enterprises.models import Enterprise
        from pipelines.metrics import MetricResult

        month, total = growth_as_of(scope.street_id, indicator, start, end)
        if month is None:
            return MetricResult(Decimal(0), Enterprise.objects.none())
        rows = Enterprise.objects.filter(
            pk__in=selectors.in_scope(month, indicator, scope.street_id).values("enterprise_id"))
        growth = total.growth if total.growth is not None else Decimal(0)
        return MetricResult(growth.quantize(Decimal("0.0001")), rows)

    return compute


def register_metrics() -> None:
    from pipelines.metrics import register

    for indicator, label in LABELS.items():
        register(metric_code(indicator), label, "%", row_kind="enterprise", rate=True,
                 help=_("本年累计同比增速（统计局同口径），与目标增速比较"))(_metric(indicator))
