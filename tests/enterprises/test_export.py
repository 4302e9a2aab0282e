"""The enterprise export carries the columns the list was filtered on, sized for Chinese text."""

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse

from crm.exports import column_widths, display_width
from enterprises.models import Classification
from tests.enterprises.factories import ClassificationFactory, EnterpriseFactory, LiaisonFactory, VisitFactory

pytestmark = pytest.mark.django_db


def _sheet(response):
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return ws, [list(r) for r in ws.iter_rows(values_only=True)]


def test_the_export_carries_category_and_year_liaison_and_last_visit(client_for, manager, street):
    firm = EnterpriseFactory(street=street, name="深圳市导出测试科技有限公司")
    ClassificationFactory(enterprise=firm, year=2024, category=Classification.SishangCategory.WHOLESALE)
    ClassificationFactory(enterprise=firm, year=2025, category=Classification.SishangCategory.INDUSTRY)
    liaison = LiaisonFactory(enterprise=firm, start_date=dt.date(2025, 1, 1))
    liaison.officer.last_name, liaison.officer.first_name = "王", "芳"
    liaison.officer.save()
    VisitFactory(enterprise=firm, date=dt.date(2025, 6, 3))
    VisitFactory(enterprise=firm, date=dt.date(2025, 9, 18))
    never = EnterpriseFactory(street=street, name="深圳市导出测试未走访有限公司")
    ClassificationFactory(enterprise=never, year=2024, category=Classification.SishangCategory.RETAIL)

    response = client_for(manager).get(reverse("enterprises:export"), {"kind": "sishang", "year": "2024",
                                                                        "q": "导出测试"})
    ws, rows = _sheet(response)
    header = rows[0]
    assert header[-3:] == ["四上企业（2024年）", "挂点人员", "最近走访"]
    by_name = {r[1]: dict(zip(header, r)) for r in rows[1:]}
    assert by_name[firm.name]["四上企业（2024年）"] == "四上企业·限额以上批发业（2024）"  # the filtered year's fact
    assert by_name[firm.name]["挂点人员"] == "王芳（企业服务专员）"
    assert by_name[firm.name]["最近走访"] == "2025-09-18"
    assert by_name[never.name]["最近走访"] == "从未走访" and by_name[never.name]["挂点人员"] in ("", None)
    assert ws.freeze_panes == "A2"
    # The name column fits the longest Chinese name (two widths a character), the code column its 18 characters.
    assert ws.column_dimensions["B"].width >= display_width(never.name) == 2 * len(never.name)
    assert 18 <= ws.column_dimensions["A"].width < 2 * 18


def test_display_width_counts_a_cjk_character_twice():
    assert display_width("ABC") == 3
    assert display_width("四上企业") == 8
    assert display_width("（２０２５）") == 12  # full-width brackets and digits
    widths = column_widths([["统一社会信用代码", "x"], ["91440300MA5F000000", "深圳市某某有限公司"]])
    assert widths["A"] == 18 + 2 and widths["B"] == 18 + 2
