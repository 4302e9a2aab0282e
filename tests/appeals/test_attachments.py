"""Attachments are judged by their content (magic bytes): allowed kinds pass, anything else is refused in
Chinese and stores nothing."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from appeals import services
from crm.filetypes import sniff
from appeals.models import Appeal, AppealAttachment
from tests.appeals.factories import category, make_appeal
from tests.enterprises.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100


def ooxml(part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<x/>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.exe", "MZ")
    return buffer.getvalue()


@pytest.mark.parametrize("name, content, kind", [
    ("现场.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF", "jpeg"),
    ("现场.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "png"),
    ("现场.gif", b"GIF89a\x01\x00\x01\x00", "gif"),
    ("现场.webp", b"RIFF\x24\x00\x00\x00WEBPVP8 ", "webp"),
    ("函件.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "pdf"),
    ("台账.xlsx", ooxml("xl/workbook.xml"), "xlsx"),
    ("说明.docx", ooxml("word/document.xml"), "docx"),
    ("旧表.xls", OLE2, "ole2"),
    ("旧文.doc", OLE2, "ole2"),
    ("说明.txt", "厂房漏水，请协调维修。\r\n".encode(), "text"),
    ("说明.txt", "厂房漏水".encode("gb18030"), "text"),
])
def test_allowed_kinds_are_accepted_by_content(officer, name, content, kind):
    appeal = make_appeal(officer=officer)
    upload = SimpleUploadedFile(name, content)
    assert sniff(upload) == kind
    services.add_attachment(appeal, actor=officer, upload=upload)
    assert AppealAttachment.objects.filter(appeal=appeal, name=name).exists()


@pytest.mark.parametrize("name, content, fragment", [
    ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00", "文件类型不允许上传"),
    ("照片.jpg", b"MZ\x90\x00\x03\x00\x00\x00", "文件类型不允许上传"),  # renamed executable
    ("报告.pdf", "<html><script>alert(1)</script></html>".encode(), "扩展名与文件内容不符"),
    ("page.html", b"<html></html>", "扩展名与文件内容不符"),
    ("台账.xlsx", plain_zip(), "文件类型不允许上传"),  # a zip that is not an Office document
    ("照片.png", b"\xff\xd8\xff\xe0\x00\x10JFIF", "扩展名与文件内容不符"),
    ("空.txt", b"", "文件类型不允许上传"),
])
def test_other_content_is_refused_in_chinese_and_nothing_is_stored(officer, name, content, fragment):
    appeal = make_appeal(officer=officer)
    with pytest.raises(services.WorkflowError, match=fragment):
        services.add_attachment(appeal, actor=officer, upload=SimpleUploadedFile(name, content))
    assert not AppealAttachment.objects.exists()
    assert not appeal.events.filter(action="attach").exists()


def test_create_page_with_a_forbidden_attachment_shows_the_error_and_creates_no_appeal(client_for, officer):
    enterprise = EnterpriseFactory(street=officer.street)
    response = client_for(officer).post(reverse("appeals:create"), {
        "enterprise": enterprise.pk, "category": category("labour").pk, "source": "phone", "urgency": "normal",
        "description": "招工难", "officer": officer.pk,
        "attachment": SimpleUploadedFile("照片.jpg", b"MZ\x90\x00", content_type="image/jpeg"),
    })
    assert response.status_code == 200 and "文件类型不允许上传" in response.content.decode()
    assert not Appeal.objects.exists() and not AppealAttachment.objects.exists()


def test_attach_action_refuses_a_forbidden_file_with_a_message(client_for, officer):
    appeal = make_appeal(officer=officer)
    response = client_for(officer).post(reverse("appeals:action", args=[appeal.pk, "attach"]),
                                        {"file": SimpleUploadedFile("x.exe", b"MZ\x90\x00")},
                                        HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "文件类型不允许上传" in response.content.decode()
    assert not AppealAttachment.objects.exists()


def test_the_create_service_takes_the_attachments_and_a_refused_one_creates_no_appeal(officer):
    """One service, one transaction: the appeal, its clocks and its files are written together or not at all."""
    enterprise = EnterpriseFactory(street=officer.street)
    args = dict(enterprise=enterprise, category=category("labour"), description="招工难", officer=officer, actor=officer)
    with pytest.raises(services.WorkflowError, match="文件类型不允许上传"):
        services.create_appeal(**args, attachments=[SimpleUploadedFile("照片.jpg", b"MZ\x90\x00")])
    assert not Appeal.objects.exists() and not AppealAttachment.objects.exists()

    appeal = services.create_appeal(**args, attachments=[SimpleUploadedFile("说明.txt", "招工难".encode())])
    assert list(appeal.attachments.values_list("name", flat=True)) == ["说明.txt"]
