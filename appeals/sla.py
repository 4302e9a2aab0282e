"""SLA durations and policies: parsing "2wh"/"3wd"/"same_day", computing due times on the working-day calendar,
and choosing the policy for a category × urgency. Pure functions over a calendar snapshot."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Q

from appeals.models import SlaPolicy
from crm.services.workcalendar import WorkCalendar, local_tz

METRICS = ("sign", "response", "resolution", "followup")
DEFAULT_TARGETS = {"sign": "2wh", "response": "same_day", "resolution": "3wd", "followup": "2wd",
                   "department": "2wd", "escalate_after": "1wd"}
DEFAULT_WARNING_SHARE = 75

_DURATION = re.compile(r"^(\d{1,4})(m|h|wh|wd)$")


class DurationError(ValueError):
    pass


def parse_duration(spec: str) -> tuple[str, int]:
    """'same_day' → ('same_day', 0); '2wh' → ('wh', 2). Anything else raises DurationError (in Chinese)."""
    spec = (spec or "").strip()
    if spec == "same_day":
        return "same_day", 0
    match = _DURATION.match(spec)
    if not match or int(match.group(1)) == 0:
        raise DurationError(f"无法识别的时限“{spec}”：应为 same_day、N m（分钟）、N h（小时）、N wh（工作小时）或 N wd（工作日）")
    return match.group(2), int(match.group(1))


def compute_due(calendar: WorkCalendar, start: dt.datetime, spec: str) -> dt.datetime:
    unit, amount = parse_duration(spec)
    if unit == "same_day":
        return calendar.same_day_deadline(start)
    if unit == "m":
        return start + dt.timedelta(minutes=amount)
    if unit == "h":
        return start + dt.timedelta(hours=amount)
    if unit == "wh":
        return calendar.add_working_hours(start, amount)
    return calendar.add_working_days(start, amount)


def compute_warn_at(start: dt.datetime, due: dt.datetime, share: int) -> dt.datetime:
    """The instant `share` % of the way from start to due (elapsed wall time: simple and monotonic)."""
    return start + (due - start) * (share / 100)


def calendar_version(calendar: WorkCalendar, start: dt.datetime, due: dt.datetime) -> str:
    """The versions of every year the clock spans, e.g. '2026:3' or '2026:3,2027:1'."""
    years = range(start.astimezone(local_tz()).year, due.astimezone(local_tz()).year + 1)
    return ",".join(f"{y}:{calendar.year_versions.get(y, 0)}" for y in years)[:40]


@dataclass(frozen=True)
class Targets:
    sign: str = DEFAULT_TARGETS["sign"]
    response: str = DEFAULT_TARGETS["response"]
    resolution: str = DEFAULT_TARGETS["resolution"]
    followup: str = DEFAULT_TARGETS["followup"]
    department: str = DEFAULT_TARGETS["department"]
    escalate_after: str = DEFAULT_TARGETS["escalate_after"]
    warning_share: int = DEFAULT_WARNING_SHARE
    policy_id: int | None = None
    version: int = 0

    def for_metric(self, metric: str) -> str:
        return getattr(self, metric)


def targets_for(category_id: int | None, urgency: str) -> Targets:
    """The most specific policy: category+urgency, category, urgency, the default row, then built-in defaults."""
    rows = {(p.category_id, p.urgency): p
            for p in SlaPolicy.objects.filter(Q(category_id=category_id) | Q(category__isnull=True))}
    for key in ((category_id, urgency), (category_id, ""), (None, urgency), (None, "")):
        policy = rows.get(key)
        if policy is not None:
            return targets_from_policy(policy)
    return Targets()


def targets_from_policy(policy) -> Targets:
    return Targets(sign=policy.sign, response=policy.response, resolution=policy.resolution,
                   followup=policy.followup, department=policy.department, escalate_after=policy.escalate_after,
                   warning_share=policy.warning_share, policy_id=policy.pk, version=policy.version)
