"""SLA policies: edited by administrators with plain data (the view turns its form into a dict), previewed
against the open clocks in a rolled-back savepoint, then saved with a background recompute."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from appeals.models import DeadlineMove, SlaPolicy
from appeals.services.clocks import recompute_open_clocks
from appeals.services.permissions import authorize
from crm.models import User

__all__ = ["POLICY_FIELDS", "ensure_default_policy", "preview_policy_change", "save_policy"]

# The editable fields of a policy, as plain values (category_id: an AppealCategory id, or None for every category).
POLICY_FIELDS = ("category_id", "urgency", "sign", "response", "resolution", "followup", "department",
                 "warning_share", "escalate_after")


class _PreviewRollback(Exception):
    pass


def _write(data: Mapping[str, Any], policy_id: int | None) -> SlaPolicy:
    policy = SlaPolicy.objects.select_for_update().get(pk=policy_id) if policy_id else SlaPolicy()
    for field in POLICY_FIELDS:
        if field in data:
            setattr(policy, field, data[field])
    policy.version = (policy.version or 0) + 1
    policy.save()
    return policy


def preview_policy_change(data: Mapping[str, Any], *, policy_id: int | None, actor: User | None) -> dict:
    """Save the edited policy inside a savepoint, count what would move, roll back: nothing changes."""
    authorize(actor, "edit_policy")
    result: dict = {}
    try:
        with transaction.atomic():
            _write(data, policy_id)
            result = recompute_open_clocks(preview=True, reason=DeadlineMove.Reason.POLICY)
            raise _PreviewRollback
    except _PreviewRollback:
        pass
    return result


def save_policy(data: Mapping[str, Any], *, policy_id: int | None, actor: User | None) -> SlaPolicy:
    authorize(actor, "edit_policy")
    from appeals.tasks import recompute_open_clocks_task  # tasks imports this package: import at call time

    with transaction.atomic():
        policy = _write(data, policy_id)
        transaction.on_commit(lambda: recompute_open_clocks_task.delay(reason=DeadlineMove.Reason.POLICY))
    return policy


def ensure_default_policy() -> None:
    SlaPolicy.objects.get_or_create(category=None, urgency="")
