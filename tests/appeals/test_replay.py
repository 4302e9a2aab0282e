"""The `sla replay` contract, on the 2026 Spring Festival example from the issue."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from appeals.models import Appeal
from enterprises.models import Enterprise

pytestmark = pytest.mark.django_db

SPRING_FESTIVAL = {
    "events": [
        {"at": "2026-02-13T10:00", "action": "create"},
        {"at": "2026-02-13T11:00", "action": "sign"},
        {"at": "2026-02-13T16:00", "action": "respond"},
        {"at": "2026-02-14T09:30", "action": "transfer", "department": "住建"},
        {"at": "2026-02-24T11:00", "action": "extend", "due": "2026-03-03T18:00"},
        {"at": "2026-02-26T15:00", "action": "resolve"},
        {"at": "2026-02-27T10:00", "action": "followup", "result": "satisfied"},
    ]
}
EXPECTED = {
    "sign": {"due": "2026-02-13T12:00:00+08:00", "original_due": None, "state": "met",
             "at": "2026-02-13T11:00:00+08:00", "provisional": False},
    "response": {"due": "2026-02-13T18:00:00+08:00", "original_due": None, "state": "met",
                 "at": "2026-02-13T16:00:00+08:00", "provisional": False},
    "resolution": {"due": "2026-03-03T18:00:00+08:00", "original_due": "2026-02-25T18:00:00+08:00",
                   "state": "met_extended", "at": "2026-02-26T15:00:00+08:00", "provisional": False},
    "followup": {"due": "2026-02-28T18:00:00+08:00", "original_due": None, "state": "met",
                 "at": "2026-02-27T10:00:00+08:00", "provisional": False},
    "reopened": [],
}


def write(tmp_path: Path, scenario) -> str:
    path = tmp_path / "scenario.json"
    path.write_text(scenario if isinstance(scenario, str) else json.dumps(scenario), encoding="utf-8")
    return str(path)


def replay(tmp_path, scenario, *extra) -> dict:
    from io import StringIO

    out = StringIO()
    call_command("sla", "replay", write(tmp_path, scenario), *extra, stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def test_spring_festival_example_gives_the_contract_answer(tmp_path):
    assert replay(tmp_path, SPRING_FESTIVAL) == EXPECTED


def test_replay_rolls_everything_back(tmp_path):
    replay(tmp_path, SPRING_FESTIVAL)
    assert not Appeal.objects.exists()
    assert not Enterprise.objects.filter(name="回放企业").exists()


def test_now_judges_running_clocks(tmp_path):
    scenario = {"events": [{"at": "2026-02-13T10:00", "action": "create"}]}
    result = replay(tmp_path, scenario, "--now", "2026-02-13T12:30+08:00")
    assert result["sign"]["state"] == "breached"
    assert result["sign"]["at"] == "2026-02-13T12:00:00+08:00"
    assert result["response"]["state"] == "running" and result["response"]["at"] is None
    assert result["followup"] is None


def test_partial_policy_and_calendar_units(tmp_path):
    scenario = {"policy": {"sign": "30m", "resolution": "1wd"},
                "events": [{"at": "2026-02-13T17:50", "action": "create"}]}
    result = replay(tmp_path, scenario)
    assert result["sign"]["due"] == "2026-02-13T18:20:00+08:00"
    assert result["response"]["due"] == "2026-02-13T18:00:00+08:00"
    assert result["resolution"]["due"] == "2026-02-14T18:00:00+08:00"  # Sat 14 Feb is a make-up working day


def test_unsatisfied_followup_reopens_a_new_resolution_round(tmp_path):
    scenario = {"events": [
        {"at": "2026-03-02T09:00", "action": "create"},
        {"at": "2026-03-02T10:00", "action": "resolve"},
        {"at": "2026-03-03T10:00", "action": "followup", "result": "unsatisfied"},
    ]}
    result = replay(tmp_path, scenario)
    assert result["resolution"]["state"] == "met"
    assert result["sign"]["state"] == "met" and result["response"]["state"] == "met"
    assert result["followup"]["state"] == "met"
    assert len(result["reopened"]) == 1
    assert result["reopened"][0]["due"] == "2026-03-06T18:00:00+08:00"
    assert result["reopened"][0]["state"] == "running"


def test_provisional_year_is_flagged(tmp_path):
    result = replay(tmp_path, {"events": [{"at": "2027-12-30T10:00", "action": "create"}]})
    assert result["resolution"]["provisional"] is True


def run_cli(tmp_path, scenario):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the subprocess needs a database it can share: PostgreSQL only (call_command covers SQLite)")
    name = connection.settings_dict["NAME"]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "crm.settings_test",
           "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{name}"}
    return subprocess.run([sys.executable, "manage.py", "sla", "replay", write(tmp_path, scenario)],
                          capture_output=True, text=True, env=env, cwd=Path(__file__).resolve().parents[2],
                          timeout=120)


@pytest.mark.parametrize("events, fragment", [
    ([{"at": "2026-02-13T10:00", "action": "create"},
      {"at": "2026-02-26T10:00", "action": "extend", "due": "2026-03-03T18:00"}], "第 2 个事件（extend）"),
    ([{"at": "2026-02-13T10:00", "action": "create"},
      {"at": "2026-02-14T10:00", "action": "extend", "due": "2026-02-25T18:00"}], "第 2 个事件（extend）"),
    ([{"at": "2026-02-13T10:00", "action": "sign"}], "第 1 个事件（sign）"),
    ([{"at": "2026-02-13T10:00", "action": "create"}, {"at": "2026-02-13T09:00", "action": "sign"}], "顺序"),
    ([{"at": "2026-02-13T10:00", "action": "create"}, {"at": "2026-02-13T11:00", "action": "dance"}], "dance"),
])
def test_refused_events_exit_2_through_call_command(tmp_path, events, fragment, capsys):
    from io import StringIO

    err = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("sla", "replay", write(tmp_path, {"events": events}), stdout=StringIO(), stderr=err)
    assert exit_info.value.code == 2
    lines = [line for line in err.getvalue().splitlines() if line.strip()]
    assert len(lines) == 1 and fragment in lines[0]


@pytest.mark.parametrize("events, fragment", [
    ([{"at": "2026-02-13T10:00", "action": "create"},
      {"at": "2026-02-26T10:00", "action": "extend", "due": "2026-03-03T18:00"}], "第 2 个事件（extend）"),
    ([{"at": "2026-02-13T10:00", "action": "create"}, {"at": "2026-02-13T11:00", "action": "dance"}], "dance"),
])
def test_refused_events_exit_2_with_one_line_in_a_subprocess(tmp_path, events, fragment):
    result = run_cli(tmp_path, {"events": events})
    assert result.returncode == 2, result.stdout + result.stderr
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert len(lines) == 1 and fragment in lines[0]


def test_unknown_duration_and_unreadable_json_exit_2(tmp_path):
    bad_policy = run_cli(tmp_path, {"policy": {"sign": "2 fortnights"}, "events": []})
    assert bad_policy.returncode == 2 and "2 fortnights" in bad_policy.stderr
    assert run_cli(tmp_path, "{not json").returncode == 2


def test_now_before_the_last_event_is_refused_with_exit_2_and_one_line(tmp_path):
    from io import StringIO

    err = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("sla", "replay", write(tmp_path, SPRING_FESTIVAL), "--now", "2026-02-26T12:00+08:00",
                     stdout=StringIO(), stderr=err)
    assert exit_info.value.code == 2
    lines = [line for line in err.getvalue().splitlines() if line.strip()]
    assert len(lines) == 1 and "--now" in lines[0] and "早于最后一个事件" in lines[0]


def test_now_equal_to_the_last_event_is_accepted(tmp_path):
    assert replay(tmp_path, SPRING_FESTIVAL, "--now", "2026-02-27T10:00+08:00") == EXPECTED


@pytest.mark.parametrize("handling", [
    {"at": "2026-02-13T10:30", "action": "respond"},
    {"at": "2026-02-13T10:30", "action": "transfer", "department": "住建"},
    {"at": "2026-02-13T10:30", "action": "resolve"},
])
def test_a_sign_after_a_later_handling_is_a_no_op_noted_before_the_json(tmp_path, handling):
    """Any handling signs the appeal; replaying another system's log that signs afterwards must not stop there."""
    from io import StringIO

    scenario = {"events": [{"at": "2026-02-13T10:00", "action": "create"}, handling,
                           {"at": "2026-02-13T11:00", "action": "sign"}]}
    out = StringIO()
    call_command("sla", "replay", write(tmp_path, scenario), stdout=out)
    lines = out.getvalue().strip().splitlines()
    result = json.loads(lines[-1])
    assert result["sign"]["state"] == "met" and result["sign"]["at"] == "2026-02-13T10:30:00+08:00"
    assert len(lines) == 2 and "第 3 个事件（sign）" in lines[0] and "已忽略" in lines[0]


def test_a_second_explicit_sign_is_still_refused(tmp_path):
    from io import StringIO

    events = [{"at": "2026-02-13T10:00", "action": "create"}, {"at": "2026-02-13T10:30", "action": "sign"},
              {"at": "2026-02-13T11:00", "action": "sign"}]
    err = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("sla", "replay", write(tmp_path, {"events": events}), stdout=StringIO(), stderr=err)
    assert exit_info.value.code == 2 and "第 3 个事件（sign）" in err.getvalue()
