"""What can be tested of the deployment without a Docker engine: the compose file parses, names real modules
and commands, runs exactly one beat; production settings pass `check --deploy`."""

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_every_service_with_health_checks_and_volumes(compose):
    services = compose["services"]
    assert {"web", "worker", "beat", "db", "redis", "migrate"} <= set(services)
    for name in ("web", "worker", "db", "redis"):
        assert "healthcheck" in services[name], name
    assert {"pgdata", "redisdata", "media"} <= set(compose["volumes"])


def test_exactly_one_beat(compose):
    assert compose["services"]["beat"]["deploy"]["replicas"] == 1
    beats = [n for n, s in compose["services"].items() if "beat" in " ".join(s.get("command", []))]
    assert beats == ["beat"]


def test_compose_commands_name_real_modules_and_commands(compose):
    services = compose["services"]
    web = services["web"]["command"]
    module, _, attribute = web[web.index("gunicorn") + 1].partition(":")
    assert hasattr(importlib.import_module(module), attribute)
    for name in ("worker", "beat"):
        command = services[name]["command"]
        assert command[:3] == ["celery", "-A", "crm"]
        assert hasattr(importlib.import_module(command[2]), "celery_app")
    migrate = services["migrate"]["command"]
    assert migrate[1] == "manage.py" and migrate[2] in get_commands()



def test_dockerfile_runs_the_same_wsgi_module():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert '"crm.wsgi:application"' in dockerfile


def test_check_deploy_is_clean_with_production_settings():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "crm.settings",
        "SECRET_KEY": "a-production-like-secret-key-with-enough-length-and-entropy-0987654321",
        "ALLOWED_HOSTS": "crm.example.gov.cn",
        "DEBUG": "0",
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the Playwright tests for the live server; never in production
    env["VAR_DIR"] = str(ROOT / "var" / "deploycheck")
    proc = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no issues" in proc.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "crm.settings", "DEBUG": "0"}
    env.pop("SECRET_KEY", None)
    proc = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode != 0
    assert "SECRET_KEY" in proc.stderr
