"""Target metrics contributed by this app, registered into pipelines.metrics (imported from SpaceConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from pipelines.metrics import MetricResult, ScopeKind, register


@register("renewal_delivered_area", _("空间整备交付面积"), _("㎡"), row_kind="renewal",
          help=_("城市更新、工改工等空间更新项目节点实际完成时登记的交付面积"))
def renewal_delivered_area(scope, start, end):
    from space.services.renewal import delivered_area

    total, rows = delivered_area(scope.street_id, start, end,
                                 officer_id=scope.officer_id if scope.kind == ScopeKind.OFFICER else None,
                                 team_id=scope.team_id if scope.kind == ScopeKind.TEAM else None)
    return MetricResult(total, rows)
