"""The stored-XSS of issue 15 §1 retried in a real browser: an officer's script and SVG, opened by an
administrator, are downloads that never run; a real photo is still shown."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from enterprises.services.visits import log_visit
from tests.enterprises.factories import EnterpriseFactory

pytestmark = [pytest.mark.django_db(transaction=True)]

SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" onload="document.title=\'pwned\'">'
       b'<script>document.title="pwned"</script></svg>')
SCRIPT = b"document.title = 'pwned';\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000" "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def test_an_officers_script_and_svg_do_not_run_when_an_administrator_opens_them(page, login, officer, admin_user,
                                                                                  tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    firm = EnterpriseFactory(street=officer.street)
    visit = log_visit(enterprise=firm, actor=officer, files=[
        SimpleUploadedFile("照片.txt", SVG, content_type="image/svg+xml"),
        SimpleUploadedFile("notes.txt", SCRIPT, content_type="text/javascript"),
        SimpleUploadedFile("现场.png", PNG, content_type="text/html"),
    ])
    login(admin_user)
    page.goto(f"/enterprises/visits/{visit.pk}/")
    page.shot("visit")
    images = page.locator(".ent-attachments img")
    assert images.count() == 1  # only the real PNG is shown as a picture
    for attachment in visit.attachments.exclude(original_name="现场.png"):
        with page.expect_download() as download:
            page.evaluate("url => { const a = document.createElement('a'); a.href = url; document.body.append(a); a.click(); }",
                          f"/enterprises/attachments/{attachment.pk}/")
        assert download.value.suggested_filename == attachment.original_name
    assert page.title() != "pwned"
    assert "/admin/" not in page.url
