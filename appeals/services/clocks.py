"""SLA clocks: starting, settling and moving them, the appeal's light, the recompute after a policy or calendar
change, and the reminder sweep."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction

from appeals import reminders, sla
from appeals.models import Appeal, DeadlineMove, SlaClock
from appeals.services.common import OPEN_WORKING, now_or
from appeals.services.permissions import WorkflowError, recompute_street
from crm.models import User
from crm.services.workcalendar import get_calendar

__all__ = [
    "RECOMPUTE_REASONS", "clocks_for", "light", "new_clock", "open_statuses", "preview_recompute",
    "recompute_open_clocks", "start_recompute", "sweep", "targets_for_appeal",
]

RECOMPUTE_REASONS = tuple(DeadlineMove.Reason.values)


def targets_for_appeal(appeal: Appeal) -> sla.Targets:
    return sla.targets_for(appeal.category_id, appeal.urgency)


def new_clock(appeal: Appeal, metric: str, start: dt.datetime, targets: sla.Targets, round_: int = 1,
              calendar=None) -> SlaClock:
    calendar = calendar or get_calendar()
    spec = targets.for_metric(metric)
    due = sla.compute_due(calendar, start, spec)
    return SlaClock.objects.create(
        appeal=appeal, metric=metric, round=round_, target=spec, started_at=start, due_at=due,
        warn_at=sla.compute_warn_at(start, due, targets.warning_share),
        escalate_at=sla.compute_due(calendar, due, targets.escalate_after),
        policy_id=targets.policy_id, policy_version=targets.version,
        calendar_version=sla.calendar_version(calendar, start, due),
        provisional=calendar.span_is_provisional(start, due),
    )


def running(appeal: Appeal, metric: str) -> SlaClock | None:
    return (SlaClock.objects.select_for_update().filter(appeal=appeal, metric=metric, state=SlaClock.State.RUNNING)
            .order_by("-round").first())


def settle(appeal: Appeal, clock: SlaClock, at: dt.datetime) -> SlaClock:
    """Stop a running clock at `at`: met when on time, else breached at its due instant. Final either way."""
    if clock.state != SlaClock.State.RUNNING:
        return clock
    if at > clock.due_at:
        clock.state, clock.breached_at = SlaClock.State.BREACHED, clock.due_at
        Appeal.objects.filter(pk=appeal.pk).update(has_breach=True)
    else:
        clock.state, clock.met_at = SlaClock.State.MET, at
    clock.save(update_fields=["state", "met_at", "breached_at"])
    _record_outcome(appeal, clock)
    return clock


def _record_outcome(appeal: Appeal, clock: SlaClock) -> None:
    if clock.round != 1:
        return
    if clock.metric == SlaClock.Metric.RESPONSE:
        appeal.response_outcome = clock.outcome
        appeal.save(update_fields=["response_outcome"])
    elif clock.metric == SlaClock.Metric.RESOLUTION:
        appeal.resolution_outcome = clock.outcome
        appeal.save(update_fields=["resolution_outcome"])


def meet(appeal: Appeal, at: dt.datetime, *metrics: str) -> None:
    for metric in metrics:
        clock = running(appeal, metric)
        if clock is not None:
            settle(appeal, clock, at)


def unbreach(appeal: Appeal, clock: SlaClock) -> None:
    """Turn a breach that was pending an extension decision back into a running clock, and take back what the
    breach set on the appeal (first-round outcome, overdue flag, 督办 when nothing else is breached)."""
    clock.state, clock.breached_at, clock.breach_notified, clock.escalated_at = (
        SlaClock.State.RUNNING, None, False, None)
    clock.save(update_fields=["state", "breached_at", "breach_notified", "escalated_at"])
    others = SlaClock.objects.filter(appeal=appeal, state=SlaClock.State.BREACHED).exclude(pk=clock.pk)
    appeal.has_breach = others.exists()
    appeal.escalated = others.filter(escalated_at__isnull=False).exists()
    if clock.round == 1:
        appeal.resolution_outcome = ""
    appeal.save(update_fields=["has_breach", "escalated", "resolution_outcome"])


def move_due(clock: SlaClock, due: dt.datetime, targets: sla.Targets, calendar) -> None:
    clock.due_at = due
    clock.warn_at = sla.compute_warn_at(clock.started_at, due, targets.warning_share)
    clock.escalate_at = sla.compute_due(calendar, due, targets.escalate_after)
    clock.provisional = calendar.span_is_provisional(clock.started_at, due)
    clock.calendar_version = sla.calendar_version(calendar, clock.started_at, due)
    clock.due_version += 1


# --- lights ------------------------------------------------------------------------------------------------------
def light(appeal: Appeal, clocks: Iterable[SlaClock], now: dt.datetime | None = None) -> str:
    """The appeal's light from its clocks' (SlaClock.light): grey closed · purple 督办 (escalated) · red when a
    clock of the current round is red · yellow when one is yellow · else green. A breach of an earlier round
    (before a reopening) no longer colours the appeal."""
    now = now_or(now)
    if not appeal.is_open:
        return "grey"
    if appeal.escalated:
        return "purple"
    colour = "green"
    for clock in clocks:
        if clock.state == SlaClock.State.BREACHED and clock.round != appeal.round:
            continue
        clock_light = clock.light(now)
        if clock_light == "red":
            return "red"
        if clock_light == "yellow":
            colour = "yellow"
    return colour


def clocks_for(appeal: Appeal) -> list[SlaClock]:
    return list(appeal.clocks.all().order_by("metric", "round"))


def open_statuses() -> tuple[str, ...]:
    return tuple(OPEN_WORKING)


# --- policy and calendar changes ----------------------------------------------------------------------------------
def _check_reason(reason: str) -> None:
    if reason not in RECOMPUTE_REASONS:
        choices = "、".join(f"{value}（{label}）" for value, label in DeadlineMove.Reason.choices)
        raise WorkflowError(f"重算原因“{reason}”无效：应为 {choices}。")


def preview_recompute(*, actor: User | None, now: dt.datetime | None = None) -> dict:
    """What a recompute would move, limited to the clocks the actor may recompute (their street, or all)."""
    street_id = recompute_street(actor)
    return recompute_open_clocks(preview=True, street_id=street_id, now=now)


def start_recompute(*, actor: User | None, reason: str) -> int | None:
    """Queue the recompute of the actor's street (or the district for district-wide roles); returns the street
    queued (None = every street). An unknown reason is refused before anything is queued."""
    _check_reason(reason)
    street_id = recompute_street(actor)
    from appeals.tasks import recompute_open_clocks_task  # tasks imports this package: import at call time

    transaction.on_commit(lambda: recompute_open_clocks_task.delay(reason=reason, street_id=street_id))
    return street_id


def recompute_open_clocks(*, preview: bool = True, reason: str = DeadlineMove.Reason.CALENDAR,
                          now: dt.datetime | None = None, batch_size: int = 2000,
                          street_id: int | None = None) -> dict:
    """Recompute the due time of every running clock (of one street, or all when `street_id` is None) from its
    start with today's policy and calendar.

    Preview counts what would change; apply writes it in batches, bumps each moved clock's due version (which
    re-arms its reminders) and records a DeadlineMove row per moved clock for the managers' list. Clocks moved
    by an approved extension keep their approved due time. Met, breached and cancelled clocks never change.
    """
    _check_reason(reason)
    now = now_or(now)
    calendar = get_calendar()
    targets_cache: dict[tuple[int, str], sla.Targets] = {}
    summary = {"checked": 0, "changed": 0, "breaches_appear": 0, "breaches_disappear": 0,
               "provisional_cleared": 0, "samples": []}
    clocks = SlaClock.objects.filter(state=SlaClock.State.RUNNING)
    if street_id is not None:
        clocks = clocks.filter(appeal__street_id=street_id)
    last_id = 0
    while True:
        batch = list(clocks.filter(pk__gt=last_id).select_related("appeal").order_by("pk")[:batch_size])
        if not batch:
            break
        last_id = batch[-1].pk
        changed, moves = [], []
        for clock in batch:
            summary["checked"] += 1
            key = (clock.appeal.category_id, clock.appeal.urgency)
            if key not in targets_cache:
                targets_cache[key] = sla.targets_for(*key)
            targets = targets_cache[key]
            spec = clock.target if clock.original_due_at else targets.for_metric(clock.metric)
            new_due = clock.due_at if clock.original_due_at else sla.compute_due(calendar, clock.started_at, spec)
            new_provisional = calendar.span_is_provisional(clock.started_at, new_due)
            new_cal_version = sla.calendar_version(calendar, clock.started_at, new_due)
            if (new_due == clock.due_at and new_provisional == clock.provisional
                    and new_cal_version == clock.calendar_version and targets.version == clock.policy_version
                    and spec == clock.target):
                continue
            if clock.provisional and not new_provisional:
                summary["provisional_cleared"] += 1
            if new_due != clock.due_at:
                summary["changed"] += 1
                if clock.due_at >= now > new_due:
                    summary["breaches_appear"] += 1
                elif clock.due_at < now <= new_due:
                    summary["breaches_disappear"] += 1
                if len(summary["samples"]) < 20:
                    summary["samples"].append({"appeal_id": clock.appeal_id, "metric": clock.get_metric_display(),
                                               "old_due": clock.due_at, "new_due": new_due})
                moves.append(DeadlineMove(appeal_id=clock.appeal_id, clock=clock, old_due_at=clock.due_at,
                                          new_due_at=new_due, was_provisional=clock.provisional, reason=reason))
                move_due(clock, new_due, targets, calendar)
            clock.provisional, clock.calendar_version = new_provisional, new_cal_version
            clock.target, clock.policy_id, clock.policy_version = spec, targets.policy_id, targets.version
            changed.append(clock)
        if not preview and changed:
            with transaction.atomic():
                # Only clocks still running: a clock met or breached meanwhile stays final.
                still_running = set(SlaClock.objects.select_for_update().filter(
                    pk__in=[c.pk for c in changed], state=SlaClock.State.RUNNING).values_list("pk", flat=True))
                SlaClock.objects.bulk_update(
                    [c for c in changed if c.pk in still_running],
                    ["due_at", "warn_at", "escalate_at", "provisional", "calendar_version", "due_version",
                     "target", "policy", "policy_version"],
                )
                DeadlineMove.objects.bulk_create([m for m in moves if m.clock_id in still_running])
    return summary


# --- the reminder sweep -------------------------------------------------------------------------------------------
def sweep(*, now: dt.datetime | None = None, batch_size: int = 50000, pause_for_test: float = 0) -> dict:
    """Warn, breach, notify and escalate, set-based. Safe to run twice at once and to kill half-way: every
    notification has a unique key (clock, kind, threshold, due version) and markers are set after sending."""
    return reminders.sweep(now=now_or(now), batch_size=batch_size, pause_for_test=pause_for_test)
