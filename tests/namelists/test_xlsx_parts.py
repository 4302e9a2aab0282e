"""A large worksheet is read in parts on two cores (namelists.xlsx_parts): the rows must be exactly those of reading
it whole, and anything the cutting does not expect must fall back to the whole read."""

import datetime as dt
import io
import re
import tempfile
import zipfile

import pytest
from openpyxl import Workbook

from namelists import reader, xlsx_parts


@pytest.fixture
def small_parts(monkeypatch):
    """Parts of a few kilobytes, so a test-sized sheet is cut many times."""
    monkeypatch.setattr(xlsx_parts, "SPLIT_FROM", 4096)
    monkeypatch.setattr(xlsx_parts, "PART_BYTES", 8192)
    monkeypatch.setattr(xlsx_parts, "READ_SIZE", 1024)


def excel_like_workbook(rows: int = 400) -> bytes:
    """Saved the way Excel saves (shared strings, a <dimension>, styles for dates), with a notes sheet first, a
    merged title, blank rows inside, a last column filled only near the top, and a footnote."""
    wb = Workbook()
    notes = wb.active
    notes.title = "说明"
    notes.append(["本名录由区统计局提供"])
    ws = wb.create_sheet("名录")
    ws.append(["2025年规模以上企业名录"])
    ws.merge_cells("A1:F1")
    ws.append(["序号", "统一社会信用代码", "单位详细名称", "营业收入（万元）", "成立日期", "备注"])
    for i in range(rows):
        if i % 97 == 50:
            ws.append([])
            continue
        ws.append([i + 1, f"91440300MA5{i:07d}", f"深圳市第{i}号科技有限公司", 1234.5 + i, dt.date(2020, 1, 1 + i % 28),
                   "新增" if i < 10 else None])
    ws.append(["注：营业收入为快报数"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def with_shared_strings(data: bytes) -> bytes:
    """The workbook as Excel itself writes text: each distinct string once in xl/sharedStrings.xml, cells by index
    (openpyxl writes inline strings)."""
    strings: dict[bytes, int] = {}

    def share(match: re.Match) -> bytes:
        index = strings.setdefault(match[2], len(strings))
        return match[1] + b' t="s"><v>' + str(index).encode() + b"</v></c>"

    def sheet(xml: bytes) -> bytes:
        return re.sub(rb'(<c r="[A-Z]+\d+"(?: s="\d+")?) t="inlineStr"><is><t>(.*?)</t></is></c>', share, xml)

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info)
            if info.filename.startswith("xl/worksheets/"):
                content = sheet(content)
            elif info.filename == "[Content_Types].xml":
                content = content.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="'
                                          b'application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings'
                                          b'+xml"/></Types>')
            elif info.filename == "xl/_rels/workbook.xml.rels":
                content = content.replace(b"</Relationships>", b'<Relationship Id="rIdSST" Type="http://schemas.'
                                          b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
                                          b'Target="sharedStrings.xml"/></Relationships>')
            dst.writestr(info.filename, content)
        items = b"".join(b"<si><t>" + text + b"</t></si>" for text in strings)
        dst.writestr("xl/sharedStrings.xml", b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                     b'main" count="%d" uniqueCount="%d">' % (len(strings), len(strings)) + items + b"</sst>")
    return out.getvalue()


def read_whole(data: bytes, monkeypatch) -> list[reader.Sheet]:
    with monkeypatch.context() as m:
        m.setattr(xlsx_parts, "SPLIT_FROM", 10**12)
        return reader.read_file(data, "list.xlsx")


@pytest.mark.parametrize("strings", ["shared", "inline"])
def test_a_sheet_read_in_parts_has_exactly_the_rows_and_merges_of_the_whole_read(small_parts, monkeypatch, strings):
    data = with_shared_strings(excel_like_workbook()) if strings == "shared" else excel_like_workbook()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        member = xlsx_parts.large_sheets(archive)["名录"]
        parts = list(xlsx_parts.read_in_parts(archive, member, "名录"))
    assert len(parts) >= 4  # really cut, into pairs

    split = reader.read_file(data, "list.xlsx")
    whole = read_whole(data, monkeypatch)

    assert [(s.name, s.parts) for s in split] == [("说明", 1), ("名录", len(parts))]
    assert split[1].rows[1][:3] == ("序号", "统一社会信用代码", "单位详细名称")
    assert split[1].rows == whole[1].rows
    assert split[1].merged == whole[1].merged == [((0, 0), (0, 5))]
    assert split[1].rows[3][4] == dt.date(2020, 1, 2)  # dates keep their style across parts
    assert len({len(row) for row in split[1].rows}) == 1  # one width, as a sheet read whole has


def test_a_sheet_whose_rows_carry_no_number_is_read_whole(small_parts, monkeypatch):
    data = _rewrite_sheet(excel_like_workbook(), lambda xml: re.sub(rb'(<row[^>]*?) r="\d+"', rb"\1", xml))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        with pytest.raises(xlsx_parts.Unsplittable):
            list(xlsx_parts.read_in_parts(archive, "xl/worksheets/sheet2.xml", "名录"))

    assert reader.read_file(data, "list.xlsx")[1].rows == read_whole(data, monkeypatch)[1].rows


def test_a_sheet_whose_rows_are_out_of_order_is_read_whole(small_parts, monkeypatch, tmp_path):
    def move_row_5_to_the_end(xml: bytes) -> bytes:
        row = re.search(rb'<row r="5".*?</row>', xml).group(0)
        return xml.replace(row, b"").replace(b"</sheetData>", row + b"</sheetData>")

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    data = _rewrite_sheet(excel_like_workbook(), move_row_5_to_the_end)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert reader._read_in_parts(archive, "xl/worksheets/sheet2.xml", "名录") == ([], None, 0)  # parts overlap
    rows = reader.read_file(data, "list.xlsx")[1].rows

    assert rows == read_whole(data, monkeypatch)[1].rows
    assert rows[4][1] == "91440300MA50000002"  # Excel row 5 in its place
    assert list(tmp_path.iterdir()) == []


def test_a_sheet_written_with_a_namespace_prefix_is_read_whole(small_parts):
    data = _rewrite_sheet(excel_like_workbook(), lambda xml: xml.replace(b"<sheetData>", b"<x:sheetData>"))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        with pytest.raises(xlsx_parts.Unsplittable):
            list(xlsx_parts.read_in_parts(archive, "xl/worksheets/sheet2.xml", "名录"))


def test_reading_in_parts_leaves_no_temporary_files(small_parts, monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    reader.read_file(excel_like_workbook(), "list.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_a_small_sheet_is_read_whole():
    data = excel_like_workbook(rows=20)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert xlsx_parts.large_sheets(archive) == {}


def _rewrite_sheet(data: bytes, change) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info)
            dst.writestr(info.filename, change(content) if info.filename == "xl/worksheets/sheet2.xml" else content)
    return out.getvalue()


def test_a_damaged_workbook_read_in_parts_is_refused_cleanly_or_read(small_parts, monkeypatch, tmp_path):
    """Bytes flipped anywhere in a large sheet: the user gets the whole read's verdict, never a traceback, and no
    part is left on disk."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    data = excel_like_workbook()
    for position in range(200, len(data) - 200, len(data) // 40):
        damaged = bytearray(data)
        damaged[position:position + 8] = b"\x00garbage"
        try:
            reader.read_file(bytes(damaged), "list.xlsx")
        except reader.FileRejected:
            pass
        assert list(tmp_path.iterdir()) == []


def test_memory_the_parsing_threads_freed_is_given_back_after_a_read_in_parts(small_parts, monkeypatch):
    calls: list = []
    monkeypatch.setattr(xlsx_parts, "give_back_memory", lambda: calls.append(1))
    reader.read_file(excel_like_workbook(rows=3), "small.xlsx")  # under SPLIT_FROM: read whole
    assert calls == []
    reader.read_file(excel_like_workbook(), "large.xlsx")
    assert calls == [1]
