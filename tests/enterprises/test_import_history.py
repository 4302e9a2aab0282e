"""Changes made by a name-list import appear in the enterprise page's change history, with the file's name."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from enterprises.models import Enterprise

pytestmark = pytest.mark.django_db


def write_list(path, revenue):
    path.write_text(
        "统一社会信用代码,企业名称,国民经济行业代码,街道,营业收入(万元)\n"
        f"9144030071526726XG,腾讯科技（深圳）有限公司,6513,马田街道,{revenue}\n",
        encoding="utf-8",
    )


def test_import_changes_show_on_the_enterprise_page(tmp_path, street, manager):
    first, second = tmp_path / "四上名录2025.csv", tmp_path / "四上名录2025-修订.csv"
    write_list(first, "1000")
    write_list(second, "2500")
    call_command("import_namelist", str(first), "--list", "sishang", "--year", "2025", "--street", street.code)
    call_command("import_namelist", str(second), "--list", "sishang", "--year", "2025", "--street", street.code)
    firm = Enterprise.objects.get(uscc="9144030071526726XG")

    from django.test import Client

    client = Client()
    client.force_login(manager)
    body = client.get(reverse("enterprises:history", args=[firm.pk])).content.decode()
    assert "名录导入" in body
    assert "四上名录2025-修订.csv" in body
    assert "1000" in body and "2500" in body
