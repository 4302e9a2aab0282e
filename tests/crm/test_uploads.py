"""Uploaded files are served by one function (crm.uploads.serve_upload) with the type their content has, and
with headers that keep a hostile file from running as the site (issue 15 §1: stored XSS through attachments)."""

import importlib
import io
from urllib.parse import quote

import pytest
from django.apps import apps as django_apps
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm import filetypes
from crm.uploads import serve_upload
from enterprises.models import VisitAttachment
from enterprises.services.visits import log_visit
from tests.enterprises.factories import EnterpriseFactory

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
SCRIPT = b"fetch('/admin/crm/user/1/change/', {method: 'POST'});\n"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script href="/enterprises/attachments/1/"></script></svg>'


@pytest.fixture(autouse=True)
def _media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def firm(street):
    return EnterpriseFactory(street=street, name="深圳市星下科技有限公司")


def assert_sandboxed(response):
    assert "sandbox" in response["Content-Security-Policy"] or "default-src 'none'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"


def download(client, att):
    return client.get(reverse("enterprises:attachment", args=[att.pk]))


def test_a_script_uploaded_as_text_javascript_is_served_as_an_inert_download(client_for, officer, firm):
    upload = SimpleUploadedFile("notes.txt", SCRIPT, content_type="text/javascript")
    att = log_visit(enterprise=firm, actor=officer, files=[upload]).attachments.get()
    assert att.content_type == "application/octet-stream" and not att.is_image  # the claimed type is not stored
    response = download(client_for(officer), att)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert "javascript" not in response["Content-Type"]
    assert_sandboxed(response)


def test_an_svg_claimed_as_an_image_is_never_shown_inline(client_for, officer, firm):
    upload = SimpleUploadedFile("photo.txt", SVG, content_type="image/svg+xml")
    att = log_visit(enterprise=firm, actor=officer, files=[upload]).attachments.get()
    assert not att.is_image and att.content_type == "application/octet-stream"
    response = download(client_for(officer), att)
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert_sandboxed(response)
    # and the visit page does not put it in an <img>
    page = client_for(officer).get(reverse("enterprises:visit_detail", args=[att.visit_id])).content.decode()
    assert "<img" not in page.split("ent-attachments", 1)[1].split("</div>", 1)[0]


def test_a_stored_row_that_trusted_the_claimed_type_is_still_served_by_its_content(client_for, officer, firm):
    """A row written before the fix (claimed image/svg+xml, .svg name) is served by what its bytes are."""
    visit = log_visit(enterprise=firm, actor=officer)
    att = VisitAttachment.objects.create(visit=visit, file=ContentFile(SVG, name="logo.svg"), original_name="logo.svg",
                                         content_type="image/svg+xml", size=len(SVG))
    response = download(client_for(officer), att)
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert_sandboxed(response)


def test_the_data_migration_replaces_claimed_types_with_sniffed_ones(officer, firm):
    visit = log_visit(enterprise=firm, actor=officer)
    svg = VisitAttachment.objects.create(visit=visit, file=ContentFile(SVG, name="logo.svg"), original_name="logo.svg",
                                         content_type="image/svg+xml")
    photo = VisitAttachment.objects.create(visit=visit, file=ContentFile(JPEG, name="a.jpg"), original_name="a.jpg",
                                           content_type="text/html")
    gone = VisitAttachment.objects.create(visit=visit, file="visits/missing.png", original_name="missing.png",
                                          content_type="image/png")
    migration = importlib.import_module("enterprises.migrations.0010_visit_attachment_sniffed_type")
    migration.resniff(django_apps, None)
    svg.refresh_from_db(), photo.refresh_from_db(), gone.refresh_from_db()
    assert (svg.content_type, photo.content_type, gone.content_type) == (
        "application/octet-stream", "image/jpeg", "application/octet-stream")
    assert photo.is_image and not svg.is_image and not gone.is_image


def test_a_photo_is_shown_inline_as_the_image_its_bytes_are(client_for, officer, firm):
    upload = SimpleUploadedFile("现场照片.jpg", JPEG, content_type="text/html")
    att = log_visit(enterprise=firm, actor=officer, files=[upload]).attachments.get()
    assert att.is_image and att.content_type == "image/jpeg"
    response = download(client_for(officer), att)
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == f"inline; filename*=utf-8''{quote('现场照片.jpg')}"
    assert_sandboxed(response)


def test_serve_upload_never_inlines_anything_but_allowed_images():
    cases = {
        b"%PDF-1.7\n": ("application/pdf", "attachment"),
        b"<html><script>alert(1)</script></html>": ("application/octet-stream", "attachment"),
        b"<?xml version='1.0'?><x/>": ("application/octet-stream", "attachment"),
        b"\x00\x01binary": ("application/octet-stream", "attachment"),
        b"GIF89a" + b"\x00" * 10: ("image/gif", "inline"),
    }
    for content, (content_type, disposition) in cases.items():
        response = serve_upload(io.BytesIO(content), name="x.html", as_download=False)
        assert (response["Content-Type"], response["Content-Disposition"].split(";")[0]) == (content_type, disposition)
        assert_sandboxed(response)
    forced = serve_upload(io.BytesIO(JPEG), name="a.jpg", as_download=True)
    assert forced["Content-Disposition"].startswith("attachment")


def test_a_filename_cannot_break_the_header_and_chinese_names_are_rfc5987_encoded():
    response = serve_upload(io.BytesIO(b"%PDF-1.4"), name='../报告"\r\nX-Evil: 1.pdf')
    header = response["Content-Disposition"]
    assert "\r" not in header and "\n" not in header and ".." not in header
    assert header.startswith("attachment; filename*=utf-8''") and "X-Evil" not in response


def test_appeal_attachments_are_served_by_the_same_function(client_for, officer):
    from appeals import services
    from appeals.models import AppealAttachment
    from tests.appeals.factories import make_appeal

    appeal = make_appeal(officer=officer)
    services.add_attachment(appeal, actor=officer, upload=SimpleUploadedFile("说明.txt", SCRIPT,
                                                                              content_type="text/html"))
    response = client_for(officer).get(reverse("appeals:attachment", args=[AppealAttachment.objects.get().pk]))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert_sandboxed(response)


def test_the_one_upload_check_limits_size_and_returns_the_sniffed_kind():
    assert filetypes.check_upload(SimpleUploadedFile("a.jpg", JPEG), max_bytes=1024) == "jpeg"
    with pytest.raises(filetypes.FileTypeError, match="超过 1MB"):
        filetypes.check_upload(SimpleUploadedFile("a.jpg", JPEG + b"\x00" * 1024 * 1024), max_bytes=1024 * 1024)
    with pytest.raises(filetypes.FileTypeError, match="扩展名与文件内容不符"):
        filetypes.check_upload(SimpleUploadedFile("a.svg", SVG))


def test_an_oversized_visit_attachment_is_refused_in_chinese_and_nothing_is_saved(officer, firm, settings):
    from django.core.exceptions import ValidationError

    from enterprises.services import visits

    big = SimpleUploadedFile("a.jpg", JPEG + b"\x00" * visits.MAX_ATTACHMENT_BYTES)
    with pytest.raises(ValidationError, match="超过 15MB"):
        log_visit(enterprise=firm, actor=officer, files=[big])
    assert not VisitAttachment.objects.exists()
