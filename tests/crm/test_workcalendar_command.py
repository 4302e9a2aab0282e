"""The `workcalendar` command-line contract, run as administrators and scripts run it."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def run(*args) -> str:
    out = StringIO()
    call_command("workcalendar", *args, stdout=out)
    return out.getvalue().strip()


def test_check_prints_the_kind_of_day():
    assert "workday" in run("check", "2026-02-14")
    assert "holiday" in run("check", "2026-02-16")
    assert "weekend" in run("check", "2026-03-07")
    assert "provisional" not in run("check", "2026-02-14")


def test_check_says_provisional_for_an_unpublished_year():
    line = run("check", "2027-02-14")
    assert "weekend" in line and "provisional" in line


def test_due_in_working_days_and_hours_matches_the_issue_examples():
    assert run("due", "--from", "2026-02-13T10:00:00+08:00", "--days", "3") == "2026-02-25T18:00:00+08:00"
    assert run("due", "--from", "2026-02-13T17:30:00+08:00", "--hours", "2") == "2026-02-14T10:30:00+08:00"


@pytest.mark.parametrize(
    "args",
    [
        ("check", "2026-02-30"),
        ("check", "tomorrow"),
        ("due", "--from", "2026-02-13T10:00:00+08:00", "--days", "-1"),
        ("due", "--from", "2026-02-13T10:00:00+08:00", "--hours", "-0.5"),
        ("due", "--from", "not-a-date", "--days", "1"),
        ("due", "--from", "2026-02-13T10:00:00+08:00", "--days", "1.5"),
    ],
)
def test_bad_input_is_a_clear_error_with_exit_code_2(args):
    with pytest.raises(CommandError) as excinfo:
        run(*args)
    assert excinfo.value.returncode == 2


def test_the_real_command_line_exits_2_without_a_traceback():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "crm.settings_test"}
    proc = subprocess.run(
        [sys.executable, "manage.py", "workcalendar", "due", "--from", "nonsense", "--days", "2"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "无法识别的时间" in proc.stderr
