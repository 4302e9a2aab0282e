"""Hostile and broken files against the name-list importer: every case ends in a clear refusal (FileRejected /
ImportRefused with a Chinese message; the `import_namelist` command exits 2 with one line) or a correct import —
never a traceback, a hang or a partial write."""

from __future__ import annotations

import io
import struct
import time
import zipfile

import openpyxl
import pytest
from django.core.management import call_command
from django.test import override_settings
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from enterprises.models import Enterprise
from namelists import services
from namelists.models import ImportBatch
from namelists.reader import FileRejected
from tests.enterprises.factories import make_uscc

pytestmark = pytest.mark.django_db
REFUSALS = (FileRejected, services.ImportRefused)
HYP = dict(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow], derandomize=True)


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def analyse_or_refuse(data: bytes, name: str, street=None):
    """Returns the analysis, or the refusal message; anything else is a bug."""
    try:
        return services.analyse(data, name, "sishang", 2025, street)
    except REFUSALS as exc:
        message = str(exc)
        assert message and _has_chinese(message) and "\n" not in message.strip(), message
        return message


def valid_xlsx(rows: int = 5, extra=None) -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["统一社会信用代码", "单位详细名称", "行业代码", "营业收入（万元）"])
    for i in range(rows):
        ws.append([make_uscc(500_000 + i), f"深圳市模糊测试{i}科技有限公司", "3982", 3000 + i])
    for row in extra or []:
        ws.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def run_command(tmp_path, data: bytes, name: str, street: str | None = None) -> tuple[int, str]:
    path = tmp_path / name
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    extra = ["--street", street] if street else []
    try:
        call_command("import_namelist", str(path), "--list", "sishang", "--year", "2025", *extra, stdout=out,
                     stderr=err)
    except SystemExit as exc:
        return int(exc.code), err.getvalue()
    return 0, out.getvalue()


def counts() -> tuple[int, int]:
    return Enterprise.objects.count(), ImportBatch.objects.filter(status=ImportBatch.Status.COMMITTED).count()


@given(data=st.binary(max_size=4096), ext=st.sampled_from(["xlsx", "xls", "csv", "txt", ""]))
@hsettings(**HYP)
def test_random_bytes_are_refused_or_read_never_a_traceback(data, ext):
    analyse_or_refuse(data, f"名录.{ext}")


@given(cut=st.floats(min_value=0.0, max_value=0.98))
@hsettings(**HYP)
def test_truncated_xlsx_is_refused_cleanly(cut):
    data = valid_xlsx()
    result = analyse_or_refuse(data[: int(len(data) * cut)], "名录.xlsx")
    assert isinstance(result, str)


@given(positions=st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=8), value=st.integers(0, 255))
@hsettings(**HYP)
def test_corrupted_xlsx_is_refused_or_read(positions, value):
    data = bytearray(valid_xlsx())
    for p in positions:
        data[p % len(data)] = value
    analyse_or_refuse(bytes(data), "名录.xlsx")


@given(junk=st.binary(min_size=1, max_size=2048))
@hsettings(**HYP)
def test_an_xls_header_followed_by_junk_is_refused(junk):
    ole2 = bytes.fromhex("D0CF11E0A1B11AE1")
    result = analyse_or_refuse(ole2 + junk, "名录.xls")
    assert isinstance(result, str)


def test_a_zip_bomb_declaring_gigabytes_is_refused_quickly():
    buffer = io.BytesIO()
    chunk = b"\0" * (16 * 1024 * 1024)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for _ in range(64):  # 1 GiB once expanded, ~1 MB on disk
                member.write(chunk)
    data = buffer.getvalue()
    assert len(data) < 5 * 1024 * 1024
    started = time.monotonic()
    result = analyse_or_refuse(data, "名录.xlsx")
    assert isinstance(result, str) and ("炸弹" in result or "过大" in result), result
    assert time.monotonic() - started < 5


def _lying_zip(real_size: int) -> bytes:
    """A workbook whose sheet member declares 1 KB but inflates to `real_size` bytes."""
    good = valid_xlsx()
    src = zipfile.ZipFile(io.BytesIO(good))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                body = src.read(info) + b"<!--" + b"A" * real_size + b"-->"
                zf.writestr(info.filename, body)
            else:
                zf.writestr(info.filename, src.read(info))
    data = bytearray(buffer.getvalue())
    # Patch the declared uncompressed size (local header offset 22, central directory offset 24).
    name = b"xl/worksheets/sheet1.xml"
    for signature, offset, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            if data[start + name_at:start + name_at + len(name)] == name:
                data[start + offset:start + offset + 4] = struct.pack("<I", 1024)
            start += 4
    return bytes(data)


def test_a_zip_bomb_that_lies_about_its_size_is_refused_or_read_without_blowing_up():
    data = _lying_zip(200 * 1024 * 1024)
    started = time.monotonic()
    before = counts()
    analyse_or_refuse(data, "名录.xlsx")
    assert time.monotonic() - started < 60
    assert counts() == before


def test_formulas_in_cells_never_become_formulas_in_the_registry(tmp_path, street):
    data = valid_xlsx(rows=2, extra=[[make_uscc(600_001), "=HYPERLINK(\"http://evil\",\"点我\")", "3982", "=1+1"]])
    code, message = run_command(tmp_path, data, "名录.xlsx", street=street.code)
    assert code in (0, 2), message
    for name in Enterprise.objects.values_list("name", flat=True):
        assert not name.startswith(("=", "+", "-", "@")), name


def test_gbk_csv_imports_with_correct_chinese(tmp_path, street):
    text = "统一社会信用代码,单位详细名称,行业代码\n" + f"{make_uscc(700_001)},深圳市国标编码测试有限公司,3982\n"
    code, message = run_command(tmp_path, text.encode("gbk"), "名录.csv", street=street.code)
    assert code == 0, message
    assert Enterprise.objects.filter(name="深圳市国标编码测试有限公司").exists()


@pytest.mark.parametrize("data, name", [
    ("统一社会信用代码,单位详细名称\n".encode("utf-16-be"), "utf16_without_bom.csv"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "looks_like.xlsx"),
    (b"%PDF-1.7\n...", "report.xlsx"),
    (b"<html><body>not a sheet</body></html>", "saved_from_web.xls"),
    (b"", "empty.csv"),
    (b"\xff\xfe\x00\xd8" * 100, "broken_utf16.csv"),
])
def test_unusable_files_exit_2_with_one_line_and_write_nothing(tmp_path, data, name):
    before = counts()
    code, message = run_command(tmp_path, data, name)
    assert code == 2, message
    assert message.strip().startswith("错误：") and len(message.strip().splitlines()) == 1, message
    assert "Traceback" not in message
    assert counts() == before


def test_a_sheet_over_the_row_limit_is_refused_before_anything_is_written(tmp_path):
    data = valid_xlsx(rows=60)
    before = counts()
    with override_settings(NAMELIST_MAX_ROWS=50):
        code, message = run_command(tmp_path, data, "名录.xlsx")
    assert code == 2 and "Traceback" not in message, message
    assert counts() == before


def test_content_not_extension_decides_the_format(street):
    """A real workbook named .csv is read as a workbook; a CSV named .xlsx as CSV."""
    # The lists have no street column: the import is restricted to a street (a district-level list of new firms
    # without one is refused up front).
    as_csv_name = analyse_or_refuse(valid_xlsx(rows=3), "名录.csv", street)
    assert not isinstance(as_csv_name, str), as_csv_name
    csv = f"统一社会信用代码,单位详细名称\n{make_uscc(800_001)},深圳市扩展名测试有限公司\n".encode()
    as_xlsx_name = analyse_or_refuse(csv, "名录.xlsx", street)
    assert not isinstance(as_xlsx_name, str), as_xlsx_name
