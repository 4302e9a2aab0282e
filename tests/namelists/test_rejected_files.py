"""Files that cannot be used are refused with a one-line Chinese reason; nothing is written; exit code 2."""

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command

from enterprises.models import Enterprise
from namelists import services
from namelists.models import ImportBatch
from namelists.reader import OLE2_MAGIC, FileRejected
from tests.namelists.factories import csv_bytes, guangming_streets, make_code

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data"


def encrypted_xlsx() -> bytes:
    # An OLE2 compound file whose directory names the EncryptionInfo stream, as Excel writes password files.
    return OLE2_MAGIC + b"\x00" * 504 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 1000


def zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"0" * (3 * 1024 * 1024))
    return out.getvalue()


CASES = {
    "not_a_sheet.xlsx": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "不是电子表格"),
    "corrupt.xlsx": (b"PK\x03\x04" + b"garbage" * 50, "损坏"),
    "encrypted.xlsx": (encrypted_xlsx(), "加密"),
    "bomb.xlsx": (zip_bomb(), "压缩炸弹"),
    "no_header.csv": (csv_bytes([["名称", "地址"], ["甲公司", "某地"]]), "未找到表头"),
    "empty.csv": (b"", "为空"),
}
# Refused by the upload request's cheap checks; the others only once the worker reads them.
REFUSED_AT_UPLOAD = sorted(set(CASES) - {"no_header.csv"})


@pytest.mark.parametrize("name", REFUSED_AT_UPLOAD)
def test_unusable_files_are_refused_with_a_reason_and_nothing_is_stored(db, settings, name):
    settings.NAMELIST_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    data, reason = CASES[name]
    with pytest.raises(FileRejected, match=reason):
        services.create_batch(None, data, name, "sishang")
    assert not ImportBatch.objects.exists()


def test_a_file_whose_cells_must_be_read_to_be_refused_fails_its_preview_in_the_worker(db):
    guangming_streets(("440311006",))
    data, reason = CASES["no_header.csv"]
    batch = services.create_batch(None, data, "no_header.csv", "sishang")
    assert batch.status == ImportBatch.Status.PENDING and batch.headers == []  # stored, not parsed
    batch = services.preview_batch(batch.pk)
    assert batch.status == ImportBatch.Status.FAILED and reason in batch.message


def test_upload_and_row_limits(db, settings):
    guangming_streets(("440311006",))
    rows = [["统一社会信用代码", "企业名称", "街道"]] + [[make_code(), "甲公司", "马田街道"] for _ in range(30)]
    settings.NAMELIST_MAX_ROWS = 10
    with pytest.raises(FileRejected, match="行数过多"):
        services.analyse(csv_bytes(rows), "x.csv", "sishang", 2025, None)
    settings.NAMELIST_MAX_UPLOAD_BYTES = 100
    with pytest.raises(FileRejected, match="文件过大"):
        services.analyse(csv_bytes(rows), "x.csv", "sishang", 2025, None)


def test_command_exits_2_in_process_without_changing_the_database(db, tmp_path, capsys):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(CASES["corrupt.xlsx"][0])
    with pytest.raises(SystemExit) as exc:
        call_command("import_namelist", str(path), "--list", "sishang")
    assert exc.value.code == 2
    assert "损坏" in capsys.readouterr().err
    assert not ImportBatch.objects.exists() and not Enterprise.objects.exists()


def _run(args, env_extra):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "crm.settings_test", **env_extra}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory):
    """A real database file for the subprocess (the test database is invisible to another process)."""
    db_file = tmp_path_factory.mktemp("cli") / "cli.sqlite3"
    env = {"DATABASE_URL": f"sqlite:///{db_file}", "REDIS_URL": ""}
    result = _run(["migrate", "-v0"], env)
    assert result.returncode == 0, result.stderr
    result = _run(["shell", "-c", "from crm.demo import load; load()"], env)
    assert result.returncode == 0, result.stderr
    return env


@pytest.mark.parametrize("name", ["not_a_sheet.xlsx", "encrypted.xlsx", "no_header.csv"])
def test_command_subprocess_exit_2_one_line_no_traceback(migrated_sqlite, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(CASES[name][0])
    result = _run(["import_namelist", str(path), "--list", "sishang"], migrated_sqlite)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1 and CASES[name][1] in result.stderr


def test_command_subprocess_processes_the_sample_and_prints_json_last(migrated_sqlite, tmp_path):
    report = tmp_path / "report.xlsx"
    result = _run(["import_namelist", str(DATA / "guangming_sishang_2025.xlsx"), "--list", "sishang", "--year", "2025",
                   "--dry-run", "--report", str(report)], migrated_sqlite)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["created"] == 284 and summary["errors"] == 16 and summary["duplicates"] == 8
    assert report.stat().st_size > 0
    result = _run(["import_namelist", str(DATA / "guangming_sishang_2025.xlsx"), "--list", "sishang",
                   "--street", "440311006"], migrated_sqlite)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["created"] > 0 and summary["other_street"] > 0 and summary["dry_run"] is False


def test_prose_that_mentions_the_code_column_is_not_a_name_list(db, tmp_path, capsys):
    notes = tmp_path / "说明.txt"
    notes.write_text(
        "关于报送名录的说明\n- 统一社会信用代码 (USCC) 是企业的唯一标识, 共 18 位\n- 请勿把代码存为数字, 否则末位丢失\n",
        encoding="utf-8",
    )
    with pytest.raises(SystemExit) as exc:
        call_command("import_namelist", str(notes), "--list", "sishang", "--year", "2025")
    assert exc.value.code == 2
    assert "未找到表头" in capsys.readouterr().err
    assert not ImportBatch.objects.exists() and not Enterprise.objects.exists()
