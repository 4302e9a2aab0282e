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
    assert web[:3] == ["gunicorn", "-c", "gunicorn.conf.py"] and (ROOT / "gunicorn.conf.py").is_file()
    module, _, attribute = next(arg for arg in web[1:] if ":" in arg).partition(":")
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
    assert '"-c", "gunicorn.conf.py"' in dockerfile


def production_env(tmp_path, *, manifest: bool) -> dict:
    """DEBUG=0 settings as a real start would see them, with a static root that has (or lacks) the manifest
    `collectstatic` writes."""
    static_root = tmp_path / "static"
    static_root.mkdir(exist_ok=True)
    if manifest:
        (static_root / "staticfiles.json").write_text('{"paths": {}, "version": "1.1", "hash": ""}')
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "crm.settings",
        "SECRET_KEY": "a-production-like-secret-key-with-enough-length-and-entropy-0987654321",
        "ALLOWED_HOSTS": "crm.example.gov.cn,127.0.0.1",
        "DEBUG": "0",
        "STATIC_ROOT": str(static_root),
        "VAR_DIR": str(tmp_path / "var"),
    }
    for name in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "REDIS_URL"):
        env.pop(name, None)
    return env


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = production_env(tmp_path, manifest=True)
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


def test_a_production_start_without_collected_static_files_fails_clearly(tmp_path):
    """Without the manifest every page was a 500; now `check` (run by gunicorn, runserver and migrate at start)
    fails and says what to run."""
    env = production_env(tmp_path, manifest=False)
    proc = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode != 0
    assert "crm.E001" in proc.stderr and "collectstatic" in proc.stderr


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _gunicorn(env, port):
    gunicorn = Path(sys.executable).with_name("gunicorn")
    return subprocess.Popen(
        [str(gunicorn), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "crm.wsgi:application"],
        cwd=ROOT, env={**env, "SECURE_SSL_REDIRECT": "0"}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def test_gunicorn_does_not_name_itself_in_the_server_header(tmp_path):
    import time
    import urllib.request

    port = _free_port()
    server = _gunicorn(production_env(tmp_path, manifest=True), port)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = urllib.request.urlopen(f"http://127.0.0.1:{port}/robots.txt", timeout=5)
                break
            except OSError:
                assert server.poll() is None, server.communicate()[1][-2000:]
                assert time.monotonic() < deadline, "gunicorn did not answer"
                time.sleep(0.3)
        assert response.status == 200
        assert response.headers["Server"] == "street-crm"
        assert "gunicorn" not in str(response.headers).lower()
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_gunicorn_refuses_to_start_without_collected_static_files(tmp_path):
    server = _gunicorn(production_env(tmp_path, manifest=False), _free_port())
    try:
        _, stderr = server.communicate(timeout=90)
    finally:
        if server.poll() is None:
            server.kill()
    assert server.returncode != 0
    assert "collectstatic" in stderr
