"""`manage.py sla replay SCENARIO.json [--now ISO]`: run a timeline through the appeal services in a
transaction that is rolled back, and print the clocks as one JSON object on the last line.

An explicit `sign` after a later handling (respond, transfer, extend, resolve …) is redundant - any handling
signs the appeal - so it is skipped, and a line before the JSON says so. Exit 2 with one line naming the event
when the app would refuse it (or the JSON is unreadable)."""

from __future__ import annotations

import datetime as dt
import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from appeals import services, sla
from appeals.models import Appeal, AppealCategory, SlaClock, SlaPolicy
from crm.models import Department, District, Role, Street, User
from crm.services.workcalendar import local_tz
from enterprises.models import Enterprise

ACTIONS = ("create", "sign", "respond", "transfer", "return", "extend", "resolve", "followup")
# Handling that signs the appeal on the way: a `sign` after one of these has nothing left to do.
SIGNING_HANDLING = ("respond", "transfer", "return", "extend", "resolve", "followup")


class ReplayError(Exception):
    pass


class _Rollback(Exception):
    pass


def parse_instant(value, label: str) -> dt.datetime:
    if not isinstance(value, str):
        raise ReplayError(f"{label}：缺少时间（at）")
    try:
        instant = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise ReplayError(f"{label}：无法识别的时间“{value}”") from exc
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=local_tz())
    return instant


def iso(instant: dt.datetime | None) -> str | None:
    return instant.astimezone(local_tz()).isoformat() if instant else None


def clock_json(clock, now: dt.datetime) -> dict | None:
    if clock is None:
        return None
    state, at = clock.outcome, clock.met_at or clock.breached_at
    if state == "running" and now > clock.due_at:
        state, at = "breached", clock.due_at
    if state == "cancelled":
        state = "running"
    return {"due": iso(clock.due_at), "original_due": iso(clock.original_due_at), "state": state,
            "at": iso(at) if state != "running" else None, "provisional": clock.provisional}


class Command(BaseCommand):
    help = "SLA tools. replay SCENARIO.json [--now ISO]: what would the clocks say for this timeline?"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        replay = sub.add_parser("replay", help="在回滚事务中重放诉求时间线，最后一行输出 JSON")
        replay.add_argument("scenario")
        replay.add_argument("--now", default=None)

    def handle(self, *args, **options):
        if options["subcommand"] != "replay":
            raise CommandError("未知子命令")
        try:
            result, notes = self.replay(options["scenario"], options.get("now"))
        except ReplayError as exc:
            self.stderr.write(str(exc))
            sys.exit(2)
        for note in notes:
            self.stdout.write(note)
        self.stdout.write(json.dumps(result, ensure_ascii=False))

    # --- the replay ---------------------------------------------------------------------------------------------
    def replay(self, path: str, now_arg: str | None) -> tuple[dict, list[str]]:
        try:
            with open(path, encoding="utf-8") as handle:
                scenario = json.load(handle)
        except (OSError, ValueError) as exc:
            raise ReplayError(f"无法读取场景文件 {path}：{exc}") from exc
        if not isinstance(scenario, dict) or not isinstance(scenario.get("events"), list):
            raise ReplayError("场景文件格式错误：需要 {\"policy\": {...}, \"events\": [...]}")
        policy = scenario.get("policy") or {}
        if not isinstance(policy, dict):
            raise ReplayError("policy 必须是对象")
        for metric, spec in policy.items():
            if metric not in sla.METRICS:
                raise ReplayError(f"policy：未知指标“{metric}”")
            try:
                sla.parse_duration(spec)
            except sla.DurationError as exc:
                raise ReplayError(f"policy.{metric}：{exc}") from exc
        now = parse_instant(now_arg, "--now") if now_arg else None
        holder: dict = {}
        notes: list[str] = []
        try:
            with transaction.atomic():
                holder["result"] = self._run(policy, scenario["events"], now, notes)
                raise _Rollback
        except _Rollback:
            pass
        return holder["result"], notes

    def _run(self, policy: dict, events: list, now: dt.datetime | None, notes: list[str]) -> dict:
        # Throwaway rows, rolled back with everything else.
        district = District.objects.create(code="R00000", name="回放区")
        street = Street.objects.create(district=district, code="R00000001", name="回放街道")
        officer = User.objects.create(username="__replay_officer", role=Role.OFFICER, street=street)
        manager = User.objects.create(username="__replay_manager", role=Role.MANAGER, street=street)
        enterprise = Enterprise.objects.create(uscc="91440300MA5REPLAY0", name="回放企业", street=street)
        category = AppealCategory.objects.create(code="__replay", name="回放类别")
        SlaPolicy.objects.create(category=category, urgency="", **{m: policy.get(m, sla.DEFAULT_TARGETS[m])
                                                                   for m in sla.METRICS})
        departments: dict[str, Department] = {}

        def department(name: str) -> Department:
            if name not in departments:
                departments[name] = Department.objects.create(name=f"__replay {name}", short_name=name[:20])
            return departments[name]

        appeal = None
        handled: set[str] = set()
        previous: dt.datetime | None = None
        for index, event in enumerate(events, start=1):
            if not isinstance(event, dict):
                raise ReplayError(f"第 {index} 个事件格式错误")
            action = event.get("action")
            label = f"第 {index} 个事件（{action}）"
            at = parse_instant(event.get("at"), label)
            if action not in ACTIONS:
                raise ReplayError(f"{label}：未知动作“{action}”")
            if previous and at < previous:
                raise ReplayError(f"{label}：时间 {event.get('at')} 早于上一个事件，事件顺序错误")
            previous = at
            if action != "create" and appeal is None:
                raise ReplayError(f"{label}：诉求尚未创建（create），不能执行该动作")
            try:
                if action == "create":
                    if appeal is not None:
                        raise ReplayError(f"{label}：诉求已创建")
                    appeal = services.create_appeal(
                        enterprise=enterprise, category=category, description=event.get("description") or "回放诉求",
                        officer=officer, actor=officer, urgency=event.get("urgency", "normal"), at=at)
                elif action == "sign":
                    if handled & set(SIGNING_HANDLING) and appeal.status != Appeal.Status.NEW:
                        notes.append(f"{label}：诉求已由此前的办理签收，本次签收无需执行（已忽略）")
                    else:
                        services.sign(appeal, actor=officer, at=at)
                elif action == "respond":
                    services.respond(appeal, actor=officer, comment="首次响应", at=at)
                elif action == "transfer":
                    name = event.get("department")
                    if not name:
                        raise ReplayError(f"{label}：缺少 department")
                    services.transfer(appeal, actor=officer, department=department(str(name)), at=at)
                elif action == "return":
                    services.department_return(appeal, actor=None, reason=event.get("reason") or "非本部门职责",
                                               at=at)
                elif action == "extend":
                    due = parse_instant(event.get("due"), label)
                    request = services.request_extension(appeal, actor=officer, requested_due=due,
                                                          reason=event.get("reason") or "回放延期", at=at)
                    services.decide_extension(request, actor=manager, approve=True, at=at)
                elif action == "resolve":
                    services.resolve(appeal, actor=officer, answer=event.get("answer") or "已答复企业", at=at)
                elif action == "followup":
                    services.record_followup(appeal, actor=officer, result=str(event.get("result")), at=at)
            except services.WorkflowError as exc:
                raise ReplayError(f"{label}：{exc}") from exc
            handled.add(action)
        # Clocks are judged as of --now; a --now before the last event would judge a timeline that has not
        # happened yet (a met clock shown as met before it was met), so it is refused like any bad input.
        if now is not None and previous is not None and now < previous:
            raise ReplayError(f"--now {iso(now)} 早于最后一个事件的时间 {iso(previous)}：无法在事件发生前评判时限")
        judge_at = now or previous
        if appeal is None:
            return {"sign": None, "response": None, "resolution": None, "followup": None, "reopened": []}
        clocks = {(c.metric, c.round): c for c in SlaClock.objects.filter(appeal=appeal)}
        reopened = sorted((c for (m, r), c in clocks.items() if m == "resolution" and r > 1), key=lambda c: c.round)
        return {
            "sign": clock_json(clocks.get(("sign", 1)), judge_at),
            "response": clock_json(clocks.get(("response", 1)), judge_at),
            "resolution": clock_json(clocks.get(("resolution", 1)), judge_at),
            "followup": clock_json(clocks.get(("followup", 1)), judge_at),
            "reopened": [clock_json(c, judge_at) for c in reopened],
        }
