"""What an uploaded attachment (appeal or visit) really is, judged by its first bytes (magic numbers), never by
the name or the browser's Content-Type alone: both are chosen by the sender. The name's extension must agree with the content,
so a renamed executable or an HTML page called “报告.pdf” is refused."""

from __future__ import annotations

import zipfile
from pathlib import PurePath

# detected kind → extensions accepted for it
KINDS: dict[str, tuple[str, ...]] = {
    "jpeg": ("jpg", "jpeg"), "png": ("png",), "gif": ("gif",), "webp": ("webp",), "pdf": ("pdf",),
    "xlsx": ("xlsx",), "docx": ("docx",), "ole2": ("doc", "xls"), "text": ("txt", "csv"),
}
ALLOWED_LABEL = "图片（jpg/png/gif/webp）、PDF、Word/Excel（doc/docx/xls/xlsx）或文本（txt/csv）"
SNIFF_BYTES = 8192
# The attachment size limit shared by visits and appeals.
MAX_ATTACHMENT_BYTES = 15 * 1024 * 1024


class FileTypeError(ValueError):
    pass


def _zip_office_kind(upload) -> str | None:
    """An OOXML file is a zip with [Content_Types].xml and a word/ or xl/ part."""
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        upload.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    if any(n.startswith("word/") for n in names):
        return "docx"
    if any(n.startswith("xl/") for n in names):
        return "xlsx"
    return None


def _is_text(head: bytes) -> bool:
    """Plain text in UTF-8 or GB18030 (what Chinese Windows saves), without NULs or control characters."""
    if not head or b"\x00" in head or any(b < 9 or 13 < b < 32 for b in head):
        return False
    # A multi-byte character may be cut at the end of a full sniffed chunk.
    sample = head[:-4] if len(head) == SNIFF_BYTES else head
    for encoding in ("utf-8", "gb18030"):
        try:
            sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False


def sniff(upload) -> str | None:
    """The kind of the upload's content, or None when it is none of the allowed kinds."""
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole2"
    if head.startswith(b"PK\x03\x04"):
        return _zip_office_kind(upload)
    if _is_text(head):
        return "text"
    return None


def _size(upload) -> int:
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
        upload.seek(0)
    return size


def _megabytes(max_bytes: int) -> str:
    return f"{max_bytes / (1024 * 1024):g}MB"


def check_upload(upload, *, max_bytes: int | None = None) -> str:
    """The one upload check (visit and appeal attachments): size, then type by content, then the name's
    extension against the content. Returns the sniffed kind (what is stored and served, never the browser's
    claimed type) or raises FileTypeError with a message for the user."""
    name = upload.name or ""
    if max_bytes is not None and _size(upload) > max_bytes:
        raise FileTypeError(f"附件“{name}”超过 {_megabytes(max_bytes)}，请压缩或拆分后重新上传。")
    extension = PurePath(name).suffix.lower().lstrip(".")
    kind = sniff(upload)
    if kind is None:
        raise FileTypeError(f"附件“{name}”的文件类型不允许上传：只接受{ALLOWED_LABEL}。")
    if extension not in KINDS[kind]:
        raise FileTypeError(f"附件“{name}”的扩展名与文件内容不符（内容为 {kind.upper()} 文件），请检查后重新上传。")
    return kind
