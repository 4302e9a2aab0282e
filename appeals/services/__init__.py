"""The appeal services, by topic: workflow (intake, handling, extensions, resolution, merge), clocks (lights,
recompute after a policy or calendar change, the reminder sweep), policies, attachments, and the one table of
who may do which action (permissions). `from appeals import services; services.sign(...)` keeps working."""

from appeals.services.attachments import MAX_ATTACHMENT_BYTES, add_attachment
from appeals.services.clocks import (
    RECOMPUTE_REASONS, clocks_for, light, new_clock, open_statuses, preview_recompute, recompute_open_clocks,
    start_recompute, sweep, targets_for_appeal,
)
from appeals.services.common import OPEN_WORKING
from appeals.services.permissions import ACTION_ROLES, ActionNotAllowed, WorkflowError, allowed, authorize
from appeals.services.policies import POLICY_FIELDS, ensure_default_policy, preview_policy_change, save_policy
from appeals.services.workflow import (
    CATEGORIES, create_appeal, create_appeal_from_visit_problem, decide_extension, department_reply,
    department_return, department_sign, ensure_categories, followup_required, merge, record_followup,
    request_extension, resolve, respond, sign, transfer,
)

__all__ = [
    "ACTION_ROLES", "CATEGORIES", "MAX_ATTACHMENT_BYTES", "OPEN_WORKING", "POLICY_FIELDS", "RECOMPUTE_REASONS",
    "ActionNotAllowed", "WorkflowError", "add_attachment", "allowed", "authorize", "clocks_for", "create_appeal",
    "create_appeal_from_visit_problem", "decide_extension", "department_reply", "department_return",
    "department_sign", "ensure_categories", "ensure_default_policy", "followup_required", "light", "merge",
    "new_clock", "open_statuses", "preview_policy_change", "preview_recompute", "record_followup",
    "recompute_open_clocks", "request_extension", "resolve", "respond", "save_policy", "sign", "start_recompute",
    "sweep", "targets_for_appeal", "transfer",
]
