"""Reading a name-list file into plain rows: sniff the real format from its bytes, enforce the limits, decode.

Everything here works on bytes and returns `Sheet`s of Python values; it knows nothing of enterprises.
A file that cannot be used raises `FileRejected` with a one-line reason in Chinese.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import re
import zipfile
from dataclasses import dataclass, field

from django.conf import settings

from . import xlsx_parts

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


class FileRejected(Exception):
    """The file cannot be used at all (format, corruption, encryption, limits, no header)."""


@dataclass
class Sheet:
    name: str
    rows: list[tuple | list]  # row i is Excel row i + 1 (leading empty rows kept so numbers match what the user sees)
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    parts: int = 1  # how many parts it was read in, on two cores (see xlsx_parts)


def sniff(data: bytes, filename: str = "") -> str:
    """'xlsx', 'xls' or 'csv' from the content. The extension is only a hint for the error message."""
    if data.startswith(ZIP_MAGIC):
        return "xlsx"
    if data.startswith(OLE2_MAGIC):
        # Legacy .xls and password-protected .xlsx are both OLE2 compound files; the latter holds an
        # "EncryptionInfo" stream whose UTF-16 name appears in the directory.
        if "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode("utf-16-le") in data:
            raise FileRejected("文件已加密（设置了打开密码），请在 Excel 中取消密码后重新上传")
        return "xls"
    head = data[:4096]
    if b"\x00" in head.lstrip(b"\xff\xfe\xef\xbb\xbf") and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRejected("不是电子表格文件（无法识别的二进制格式），请上传 .xlsx、.xls 或 .csv 文件")
    if head[:5] in (b"%PDF-",) or head[:4] in (b"\x89PNG", b"Rar!") or head[:3] == b"\xff\xd8\xff":
        raise FileRejected("不是电子表格文件，请上传 .xlsx、.xls 或 .csv 文件")
    lowered = head.lower()
    if lowered.lstrip().startswith((b"<html", b"<!doctype", b"<?xml")):
        raise FileRejected("不是电子表格文件（似乎是网页/XML），请在 Excel 中另存为 .xlsx 后上传")
    return "csv"


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_size(size: int) -> None:
    limit = settings.NAMELIST_MAX_UPLOAD_BYTES
    if size > limit:
        raise FileRejected(f"文件过大：{size / 1048576:.1f} MB，上限 {limit / 1048576:.0f} MB")
    if size == 0:
        raise FileRejected("文件为空")


def check_zip(data: bytes) -> None:
    """Zip-bomb guard: add up the declared uncompressed sizes before anything decompresses them."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile:
        raise FileRejected("文件已损坏（不是有效的 .xlsx 压缩包）") from None
    names = {i.filename for i in infos}
    if "EncryptedPackage" in names:
        raise FileRejected("文件已加密，请取消密码后重新上传")
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise FileRejected("压缩包不是 Excel 工作簿（缺少 xl/ 内容），请上传 .xlsx、.xls 或 .csv 文件")
    total = sum(i.file_size for i in infos)
    limit = settings.NAMELIST_MAX_UNCOMPRESSED_BYTES
    if total > limit:
        raise FileRejected(f"文件解压后过大（{total / 1048576:.0f} MB，上限 {limit / 1048576:.0f} MB），疑似压缩炸弹，已拒绝")
    for info in infos:
        if info.compress_size and info.file_size / info.compress_size > 1000 and info.file_size > 10 * 1048576:
            raise FileRejected("文件压缩比异常（疑似压缩炸弹），已拒绝")


HEADER_ROWS_SLACK = 50  # title and header rows above the data rows a limit counts
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]+)?(\d+)?(?::([A-Z]+)(\d+))?\"")
_SHEET_MEMBER = re.compile(r"^xl/worksheets/[^/]+\.xml$")


def column_number(letters: str) -> int:
    """"A" → 1, "Z" → 26, "AA" → 27, "ALL" → 1000."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def check_width(columns: int, where: str) -> None:
    limit = settings.NAMELIST_MAX_COLUMNS
    if columns > limit:
        raise FileRejected(f"列数过多：{where}有 {columns} 列，名录最多 {limit} 列。请删除多余的列（只保留代码、名称、街道等所需列）后重新上传")


def check_declared_dimensions(data: bytes) -> None:
    """Every worksheet's declared size (its <dimension ref="A1:AD5000"/>, in the first bytes of its XML), read without
    parsing a cell: too many columns or rows is refused at once, in the upload request."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = sorted((i.filename for i in zf.infolist() if _SHEET_MEMBER.match(i.filename)))
        for number, member in enumerate(members, start=1):
            try:
                with zf.open(member) as fh:
                    head = fh.read(4096)
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
                raise FileRejected("文件已损坏（工作表无法解压）") from None
            m = _DIMENSION.search(head)
            if not m:
                continue  # no declaration: the worker checks the sheet as it reads it
            last_col, last_row = (m[3], m[4]) if m[3] else (m[1], m[2])
            if last_col:
                check_width(column_number(last_col.decode()), f"第 {number} 个工作表")
            if last_row and int(last_row) > settings.NAMELIST_MAX_ROWS + HEADER_ROWS_SLACK:
                raise FileRejected(f"行数过多：第 {number} 个工作表有 {int(last_row)} 行，上限 {settings.NAMELIST_MAX_ROWS} 行，"
                                   "请拆分后导入")


def check_csv_head(data: bytes) -> None:
    """The widest of a CSV's first lines, from its first 64 KB only."""
    head = data[:65536]
    try:
        text = decode_csv(head)
    except (FileRejected, UnicodeDecodeError):
        text = head.decode("gb18030", errors="ignore")  # a multi-byte character cut at the end of the head
    lines = text.splitlines()[:60]
    if len(data) > len(head) and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines[:30]), delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel
    width = max((len(r) for r in csv.reader(lines, dialect)), default=0)
    check_width(width, "CSV 文件")


def check_upload(data: bytes, filename: str = "") -> str:
    """The cheap checks an upload request makes before it stores a file: size, real format, encryption, the
    archive's declared sizes and ratio, the sheets' declared dimensions (xlsx) or the first lines' width (CSV).
    No cell is parsed: that is the worker's. Returns the format."""
    check_size(len(data))
    kind = sniff(data, filename)
    if kind == "xlsx":
        check_zip(data)
        check_declared_dimensions(data)
    elif kind == "csv":
        check_csv_head(data)
    return kind


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of GBK and GB2312)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:  # a BOM followed by broken UTF-16: refuse, never a traceback
            raise FileRejected("CSV 文件的 UTF-16 编码已损坏，请在 Excel 中另存为 .xlsx 后上传") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise FileRejected("CSV 编码无法识别（既不是 UTF-8 也不是 GBK/GB18030）") from None


def read_csv(data: bytes) -> list[Sheet]:
    text = decode_csv(data)
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel
    rows = [list(r) for r in csv.reader(io.StringIO(text, newline=""), dialect)]
    return [Sheet("CSV", rows)]


def read_workbook(data: bytes, kind: str) -> list[Sheet]:
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises its own error types for every kind of corruption
        text = str(exc).lower()
        if "password" in text or "encrypt" in text:
            raise FileRejected("文件已加密（设置了打开密码），请取消密码后重新上传") from None
        raise FileRejected(f"文件已损坏或不是有效的 {'.xlsx' if kind == 'xlsx' else '.xls'} 文件") from None
    sheets = []
    archive = zipfile.ZipFile(io.BytesIO(data)) if kind == "xlsx" else None  # check_zip() has opened it already
    large = xlsx_parts.large_sheets(archive) if archive else {}
    try:
        for meta in wb.sheets_metadata:
            if str(getattr(meta, "typ", "WorkSheet")).endswith("ChartSheet"):
                continue
            rows, part, parts = (_read_in_parts(archive, large[meta.name], meta.name) if meta.name in large
                                 else ([], None, 0))
            if part is None:
                part, parts = wb.get_sheet_by_name(meta.name), 1
                rows = _compact_rows(part, {})
            merged = []
            try:
                merged = list(part.merged_cell_ranges or [])  # a sheet's tail lists them: a split sheet's last part
            except Exception:  # .xls merged ranges are not always available; title merges matter little
                merged = []
            sheets.append(Sheet(meta.name, rows, merged, parts))
    except FileRejected:
        raise
    except Exception:
        raise FileRejected("文件已损坏，无法读取工作表") from None
    finally:
        try:
            wb.close()
        except Exception:
            pass
        if archive is not None:
            archive.close()
    return sheets


def _read_in_parts(archive: zipfile.ZipFile, member: str, name: str) -> tuple[list[tuple], object | None, int]:
    """A large sheet read on two cores (see xlsx_parts) → its rows, last part and number of parts, or ([], None, 0)
    to read it whole."""
    rows: list[tuple] = []
    seen: dict[str, str] = {}
    part, count = None, 0
    parts = xlsx_parts.read_in_parts(archive, member, name)
    try:
        for count, part in enumerate(parts, start=1):
            rows += _compact_rows(part, seen, skip=len(rows))
    except xlsx_parts.Unsplittable:
        return [], None, 0
    finally:
        parts.close()  # stops the parsing and removes the parts at once, also when a part was refused
    _pad_right(rows)
    return rows, part, count


INTERN_MAX_LENGTH = 12


def _compact_rows(sheet, seen: dict[str, str], skip: int = 0) -> list[tuple]:
    """The sheet's rows as tuples, numbered as Excel numbers them, from row `skip` on (a later part of a sheet read
    in parts: its earlier rows are the earlier parts'). A short text repeated down a column (street, community,
    industry, 营业状态…) becomes one shared object (`seen`) instead of one per row: a 100,000-row, 30-column list
    then takes ~110 MB of Python objects instead of ~250 MB."""
    if sheet.start and sheet.start[0] < skip:
        raise xlsx_parts.Unsplittable("parts overlap: the sheet's rows are not in order")
    pad = ("",) * sheet.start[1] if sheet.start else ()  # iter_rows() starts at row 0 but at the first used column
    share = seen.setdefault
    return [pad + tuple([share(v, v) if type(v) is str and len(v) <= INTERN_MAX_LENGTH else v for v in row])
            for row in itertools.islice(sheet.iter_rows(), skip, None)]


def _pad_right(rows: list[tuple]) -> None:
    """Rows of one width, as a sheet read whole has them: a part whose last columns are empty is narrower."""
    width = max(map(len, rows), default=0)
    for i, row in enumerate(rows):
        if len(row) < width:
            rows[i] = row + ("",) * (width - len(row))


def fill_merged(sheet: Sheet) -> None:
    """Copy a merged range's top-left value into every cell of the range (a street merged over ten firms)."""
    for (r0, c0), (r1, c1) in sheet.merged:
        if r0 >= len(sheet.rows) or (r1 - r0 + 1) * (c1 - c0 + 1) > 100_000:
            continue
        top = sheet.rows[r0]
        value = top[c0] if c0 < len(top) else ""
        for r in range(r0, min(r1, len(sheet.rows) - 1) + 1):
            row = list(sheet.rows[r])
            for c in range(c0, c1 + 1):
                if c < len(row) and (r, c) != (r0, c0):
                    row[c] = value
            sheet.rows[r] = row


def read_file(data: bytes, filename: str = "") -> list[Sheet]:
    """Bytes → sheets, or FileRejected. Applies every limit before parsing."""
    check_size(len(data))
    kind = sniff(data, filename)
    if kind == "xlsx":
        check_zip(data)
        sheets = read_workbook(data, kind)
        if any(sheet.parts > 1 for sheet in sheets):
            xlsx_parts.give_back_memory()  # the parts, parsed on other threads, are all freed by now
    elif kind == "xls":
        sheets = read_workbook(data, kind)
    else:
        sheets = read_csv(data)
    max_rows = settings.NAMELIST_MAX_ROWS
    for sheet in sheets:
        check_width(max(map(len, sheet.rows), default=0), f"工作表“{sheet.name}”")
        if len(sheet.rows) > max_rows + HEADER_ROWS_SLACK:
            raise FileRejected(f"行数过多：工作表“{sheet.name}”有 {len(sheet.rows)} 行，上限 {max_rows} 行，请拆分后导入")
        fill_merged(sheet)
    return sheets
