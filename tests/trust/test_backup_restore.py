"""The README's backup procedure, run for real: pg_dump -Fc the database, restore it into an empty database with
pg_restore --no-owner, and find the same rows there (PostgreSQL only)."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid

import pytest
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

KEY_TABLES = ["crm_user", "crm_street", "enterprises_enterprise", "enterprises_visit", "appeals_appeal",
              "appeals_appealevent", "pipelines_project", "namelists_importbatch", "crm_exportlog",
              "enterprises_historicalenterprise", "django_migrations"]


@pytest.fixture
def pg():
    if connection.vendor != "postgresql":
        pytest.skip("backup/restore is a PostgreSQL procedure (set DATABASE_URL to run it)")
    if not shutil.which("pg_dump") or not shutil.which("pg_restore"):
        pytest.skip("pg_dump/pg_restore not installed")
    s = connection.settings_dict
    env = {**os.environ, "PGHOST": s.get("HOST") or "127.0.0.1", "PGPORT": str(s.get("PORT") or 5432),
           "PGUSER": s.get("USER") or "postgres"}
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = s["PASSWORD"]
    return s["NAME"], env


def _counts(dbname: str, env: dict) -> dict[str, int]:
    import psycopg

    with psycopg.connect(dbname=dbname, host=env["PGHOST"], port=env["PGPORT"], user=env["PGUSER"],
                         password=env.get("PGPASSWORD")) as conn:
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in KEY_TABLES}


def test_a_dump_restores_into_an_empty_database_with_every_row(pg, tmp_path, officer, manager):
    from crm.audit import log_export
    from tests.appeals.factories import make_appeal
    from tests.enterprises.factories import EnterpriseFactory, VisitFactory
    from tests.pipelines.factories import ProjectFactory

    source, env = pg
    firms = [EnterpriseFactory(street=officer.street, name=f"深圳市备份测试{i}有限公司") for i in range(5)]
    VisitFactory(enterprise=firms[0], created_by=officer)
    make_appeal(enterprise=firms[1], officer=officer, description="厂房漏水（备份测试）")
    ProjectFactory(street=officer.street, officer=officer, name="备份测试项目")
    log_export(manager, what="企业名录", rows=5, personal_data=True)

    dump = tmp_path / "crm.dump"
    target = f"crm_restore_{uuid.uuid4().hex[:8]}"
    subprocess.run(["pg_dump", "-Fc", "-f", str(dump), source], env=env, check=True, timeout=120)
    assert dump.stat().st_size > 0
    subprocess.run(["createdb", target], env=env, check=True, timeout=60)
    try:
        subprocess.run(["pg_restore", "--no-owner", "-d", target, str(dump)], env=env, check=True, timeout=300,
                       capture_output=True)
        expected, restored = _counts(source, env), _counts(target, env)
        assert restored == expected
        assert expected["enterprises_enterprise"] >= 5 and expected["appeals_appeal"] >= 1
        import psycopg

        with psycopg.connect(dbname=target, host=env["PGHOST"], port=env["PGPORT"], user=env["PGUSER"],
                             password=env.get("PGPASSWORD")) as conn:
            names = {r[0] for r in conn.execute("SELECT name FROM enterprises_enterprise")}
            assert {f.name for f in firms} <= names  # Chinese text survives byte for byte
            extensions = {r[0] for r in conn.execute("SELECT extname FROM pg_extension")}
            assert "pg_trgm" in extensions  # the trigram indexes need it
    finally:
        subprocess.run(["dropdb", "--if-exists", target], env=env, check=False, timeout=60)
