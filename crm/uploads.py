"""The one way an uploaded (or stored) file leaves the server: `serve_upload`.

A file a user uploaded is served with the type its *content* has (crm.filetypes.sniff), never the type the
uploader's browser claimed and never a type guessed from its name. Only plain raster images (JPEG, PNG, WebP,
GIF) may be shown inline; PDF and office documents are downloads; everything else — SVG, HTML, XML,
JavaScript, text, unknown bytes — is an `application/octet-stream` download. Every response also carries
a sandboxing Content-Security-Policy, `nosniff` and `no-store`, so a file that slips through still cannot run
script as the site (the stored-XSS of issue 15 §1) nor stay in a shared browser's cache.
"""

from __future__ import annotations

import unicodedata
from pathlib import PurePath

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from crm.filetypes import sniff

# sniffed kind → MIME type shown inline (as an <img>)
INLINE_IMAGE_TYPES: dict[str, str] = {
    "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp",
}
# sniffed kind → MIME type of a download
DOWNLOAD_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
# OLE2 (legacy .doc/.xls) looks the same for both: the name's extension picks which.
OLE2_TYPES = {"doc": "application/msword", "xls": "application/vnd.ms-excel"}
FALLBACK_TYPE = "application/octet-stream"

# Headers every served upload carries.
UPLOAD_HEADERS = {
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def content_type_for(kind: str | None, name: str = "") -> str:
    """The MIME type a file of this sniffed kind is served (and recorded) with."""
    if kind in INLINE_IMAGE_TYPES:
        return INLINE_IMAGE_TYPES[kind]
    if kind in DOWNLOAD_TYPES:
        return DOWNLOAD_TYPES[kind]
    if kind == "ole2":
        return OLE2_TYPES.get(PurePath(name).suffix.lower().lstrip("."), FALLBACK_TYPE)
    return FALLBACK_TYPE


def is_inline_image(kind: str | None) -> bool:
    return kind in INLINE_IMAGE_TYPES


def safe_filename(name: str) -> str:
    """The name shown in the download box: no path, no control characters (a header cannot hold them)."""
    name = PurePath((name or "").replace("\\", "/")).name
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    return name[:200] or "download"


def serve_upload(file, *, name: str, as_download: bool | None = None) -> FileResponse:
    """Serve a stored file (a FieldFile, or any seekable binary file-like) safely.

    `as_download=None` shows allowed images inline and downloads the rest; `True` always downloads; `False`
    asks for inline but is honoured only for allowed images (nothing else is ever inline). The filename in
    Content-Disposition is RFC 5987/6266 encoded (`filename*=utf-8''…` for Chinese names)."""
    if hasattr(file, "open") and hasattr(file, "storage"):  # a FieldFile
        if not file:
            raise Http404(_("文件不存在"))
        try:
            handle = file.open("rb")
        except (FileNotFoundError, OSError):
            raise Http404(_("文件不存在")) from None
    else:
        handle = file
    kind = sniff(handle)
    filename = safe_filename(name)
    inline = is_inline_image(kind) and as_download is not True
    response = FileResponse(handle, as_attachment=not inline, filename=filename,
                            content_type=content_type_for(kind, filename))
    for header, value in UPLOAD_HEADERS.items():
        response[header] = value
    return response
