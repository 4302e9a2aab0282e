"""Reading one large .xlsx worksheet on two cores.

calamine parses a worksheet's XML on one core, and releases the GIL while it does. A bureau's name list is one big
sheet, so its XML is cut at row boundaries into parts of about PART_BYTES; each part becomes a stored
(uncompressed) copy of the workbook in a temporary folder, with every other member as it was, and two threads
have calamine parse the parts at once. The first part is parsed while the rest is still being cut.

Every `<row>` of the sheet carries its Excel number (`r="…"`), so each part's rows keep their numbers and the
parts simply follow each other. Whatever this does not expect (a namespace prefix, a row without its number, rows
out of order, a part calamine refuses, a full disk) gives `Unsplittable`, and the caller reads the sheet whole, as
before. The parts live only while they are parsed; the folder is removed in every case.
"""

from __future__ import annotations

import contextlib
import ctypes
import re
import shutil
import tempfile
import zipfile
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from xml.etree import ElementTree

SPLIT_FROM = 16 * 1024 * 1024  # bytes of sheet XML from which a sheet is read in parts (below: whole)
PART_BYTES = 96 * 1024 * 1024  # about this much per part, in pairs, one per core
READ_SIZE = 1024 * 1024
MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
DOC_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
SHEET_DATA = b"<sheetData>"
PART_END = b"</sheetData></worksheet>"
ROW_NAME_ENDS = (b" ", b">", b"/", b"\n", b"\r", b"\t")
ROW_NUMBER = re.compile(rb'\sr="\d+"')
DIMENSION = re.compile(rb"<dimension [^>]*/>")
# What a damaged archive or a full disk raises while its members are read or the parts written.
BROKEN = (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError, NotImplementedError, ValueError)


class Unsplittable(Exception):
    """The sheet cannot be cut safely: read it whole."""


def large_sheets(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its XML member, for the worksheets big enough to be read in parts."""
    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError, *BROKEN):  # the whole read tells the user what is wrong
        return {}
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{PKG_REL_NS}Relationship")}
    sizes = {info.filename: info.file_size for info in archive.infolist()}
    found = {}
    for sheet in workbook.iter(f"{MAIN_NS}sheet"):
        target = targets.get(sheet.get(f"{DOC_REL_NS}id"), "")
        member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        if sizes.get(member, 0) >= SPLIT_FROM:
            found[sheet.get("name")] = member
    return found


def read_in_parts(archive: zipfile.ZipFile, member: str, sheet_name: str):
    """Yield the sheet's parts as calamine sheets, in row order, each as soon as it is parsed (the caller converts one
    while the next is parsed). Raises Unsplittable, possibly after some parts: the caller then starts over."""
    from python_calamine import CalamineWorkbook

    def parse(path: Path):
        workbook = CalamineWorkbook.from_path(str(path))
        try:
            return workbook.get_sheet_by_name(sheet_name)
        finally:
            workbook.close()

    size = archive.getinfo(member).file_size
    pairs = max(1, round(size / (2 * PART_BYTES)))
    part_bytes = size // (2 * pairs) + 1
    futures: list[Future] = []  # parts not yet handed on (a part handed on is the caller's to free)
    folder = None
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="namelist-read")
    try:
        try:
            folder = Path(tempfile.mkdtemp(prefix="namelist-"))
            others = [(info.filename, archive.read(info)) for info in archive.infolist() if info.filename != member]
            for path in _cut(archive, member, others, folder, part_bytes):
                futures.append(pool.submit(parse, path))
        except BROKEN:  # a corrupt member, a full disk…
            raise Unsplittable from None  # …the whole read says which, in the user's words
        while futures:
            try:
                sheet = futures.pop(0).result()
            except Exception:  # a part calamine refuses: reading the whole sheet tells what is wrong
                raise Unsplittable from None
            yield sheet
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # parts not started are dropped, the running ones end first
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def give_back_memory() -> None:
    """Return to the system what the parsing threads freed. glibc keeps memory freed by a thread in that thread's
    arena, where the rest of the import, on the caller's thread, cannot reuse it: for a 100,000-row list read in
    parts that is ~100–200 MB more at the import's peak. Only glibc has malloc_trim; elsewhere this does nothing."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError, TypeError):  # no glibc (musl, macOS), or no CDLL(None) (Windows)
        pass


def _cut(archive: zipfile.ZipFile, member: str, others: list[tuple[str, bytes]], folder: Path, part_bytes: int):
    """Write the parts as small workbooks in `folder`, yielding each one's path as soon as it is complete."""
    with archive.open(member) as source:
        head = source.read(READ_SIZE)
        start = head.find(SHEET_DATA)
        if start < 0 or b"<worksheet" not in head[:start]:
            raise Unsplittable("no plain <sheetData> near the top")
        # Each part repeats the sheet's opening; a <dimension> would make calamine size every part for the whole.
        opening = DIMENSION.sub(b"", head[:start + len(SHEET_DATA)])
        number = 0
        part = _Part(folder, number, member, others, opening + head[start + len(SHEET_DATA):])
        try:
            while chunk := source.read(READ_SIZE):
                cut = _row_start(chunk) if part.size >= part_bytes else -1
                if cut < 0:
                    part.write(chunk)
                    continue
                part.write(chunk[:cut])
                yield part.close(PART_END)
                number += 1
                part = _Part(folder, number, member, others, opening)
                part.write(chunk[cut:])
            if number == 0:
                raise Unsplittable("no row to cut at")
            yield part.close(b"")
        finally:
            part.discard()


def _row_start(chunk: bytes) -> int:
    """Where the first <row> tag that is whole in `chunk` begins (-1: none). Raises Unsplittable for a row without
    its number."""
    pos = chunk.find(b"<row")
    while pos >= 0:
        end = chunk.find(b">", pos)
        if end < 0:
            return -1  # the tag goes on in the next chunk
        if chunk[pos + 4:pos + 5] in ROW_NAME_ENDS:  # <row …>, not <rowBreaks>
            if not ROW_NUMBER.search(chunk, pos, end):
                raise Unsplittable("a row without its number")
            return pos
        pos = chunk.find(b"<row", end)
    return -1


class _Part:
    """One part as a stored workbook: the other members as they were, then the sheet's XML written as it comes."""

    def __init__(self, folder: Path, number: int, member: str, others: list[tuple[str, bytes]], first: bytes):
        self.path = folder / f"part{number}.xlsx"
        self.archive = zipfile.ZipFile(self.path, "w", zipfile.ZIP_STORED)
        for name, data in others:
            self.archive.writestr(name, data)
        self.sheet = self.archive.open(member, "w", force_zip64=True)
        self.size = 0
        self.write(first)

    def write(self, data: bytes) -> None:
        self.sheet.write(data)
        self.size += len(data)

    def discard(self) -> None:
        """Let go of a part an error left half-written (its folder is removed anyway); a closed part is left as is."""
        with contextlib.suppress(Exception):
            self.sheet.close()
            self.archive.close()

    def close(self, ending: bytes) -> Path:
        self.sheet.write(ending)
        self.sheet.close()
        self.archive.close()
        return self.path
