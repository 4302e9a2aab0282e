"""Header detection: find the header row among title/unit rows and map its columns to fields by synonyms.

The mapping is data the user can correct in the web flow before anything is written, so it is a plain
{column index: field} dict, stored on the batch as JSON.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .reader import FileRejected, Sheet

# field → (label, synonyms matched exactly after normalisation, fragments matched as substrings)
FIELDS: dict[str, tuple] = {
    "uscc": (_("统一社会信用代码"), ("统一社会信用代码", "社会信用代码", "信用代码", "统一代码", "uscc"), ("信用代码",)),
    "name": (
        _("企业名称"),
        ("企业名称", "单位名称", "单位详细名称", "企业（单位）名称", "企业(单位)名称", "公司名称", "名称", "纳税人名称"),
        ("单位详细名称", "企业名称", "单位名称", "公司名称"),
    ),
    "industry": (
        _("行业代码"),
        ("行业代码", "国民经济行业代码", "国民经济行业分类代码", "行业分类代码", "所属行业代码", "行业小类代码", "行业类别代码",
         "国民经济行业分类", "国民经济行业", "所属行业", "行业"),
        ("行业代码", "行业分类代码"),
    ),
    "street": (_("街道"), ("街道", "所属街道", "街道办", "街道办事处", "所在街道", "镇街", "所属镇街"), ("街道",)),
    "community": (_("社区"), ("社区", "所属社区", "所在社区", "社区名称", "村社区"), ("社区",)),
    "revenue": (
        _("营业收入（万元）"),
        ("营业收入", "主营业务收入", "营业总收入", "本年营业收入", "营收"),
        ("营业收入", "主营业务收入", "营业总收入"),
    ),
    "output_value": (_("工业总产值（万元）"), ("产值", "工业总产值", "总产值", "年产值"), ("总产值", "产值")),
    "employees": (
        _("从业人员（人）"),
        ("从业人员", "从业人员期末人数", "从业人数", "年末从业人员", "从业人员平均人数", "职工人数", "员工人数"),
        ("从业人员", "从业人数"),
    ),
    "tax": (_("纳税额（万元）"), ("纳税额", "纳税总额", "税收", "税收总额", "实缴税金"), ("纳税", "税收")),
    "address": (_("地址"), ("地址", "注册地址", "经营地址", "详细地址", "单位地址"), ("地址",)),
    "legal_rep": (_("法定代表人"), ("法定代表人", "法人代表", "法人", "负责人"), ("法定代表人",)),
    "tier": (_("级别/类型"), ("级别", "类型", "认定级别", "企业类型", "层级", "类别", "认定类别"), ("级别",)),
    "certificate_no": (_("证书编号"), ("证书编号", "证书号", "高新技术企业证书编号"), ("证书编号", "证书号")),
    "issued_on": (_("发证/认定日期"), ("发证日期", "发证时间", "认定日期", "认定时间", "批准日期"), ("发证日期", "认定日期")),
    "exchange": (_("交易所/上市地"), ("交易所", "上市地点", "上市地", "上市交易所", "上市板块", "板块"), ("交易所",)),
    "stock_code": (_("股票代码"), ("股票代码", "证券代码", "股票简称代码"), ("股票代码", "证券代码")),
    "listed_on": (_("上市日期"), ("上市日期", "上市时间"), ("上市日期", "上市时间")),
    "entered_on": (_("入库日期"), ("入库日期", "入库时间", "纳入日期"), ("入库",)),
    "clusters": (
        _("产业集群"),
        ("产业集群", "所属集群", "所属产业集群", "战略性新兴产业集群", "20+8产业集群", "集群"),
        ("集群",),
    ),
}
IGNORED = ("序号", "编号", "行号", "备注")
FIELD_CHOICES = [("", _("（不导入）"))] + [(key, spec[0]) for key, spec in FIELDS.items()]
_BRACKETS = re.compile(r"[（(【\[][^）)】\]]*[）)】\]]")
_SPACE = re.compile(r"\s+")
HEADER_SCAN_ROWS = 30


def normalise_header(value: object) -> str:
    """'营业收入（万元）' → '营业收入'; '序 号' → '序号'; full-width → half-width; '*' and ':' dropped."""
    text = unicodedata.normalize("NFKC", str(value if value is not None else ""))
    text = _SPACE.sub("", text).strip("*:：").lower()
    stripped = _BRACKETS.sub("", text)
    return stripped or text


def match_field(header: object) -> str | None:
    norm = normalise_header(header)
    if not norm or len(norm) > 24:
        return None
    raw = _SPACE.sub("", unicodedata.normalize("NFKC", str(header))).lower()
    for key, (_label, exact, _fragments) in FIELDS.items():
        if norm in exact or raw in exact:
            return key
    for key, (_label, _exact, fragments) in FIELDS.items():
        if any(f in norm for f in fragments):
            return key
    return None


@dataclass
class Detection:
    sheet_index: int
    sheet_name: str
    header_row: int  # 0-based index in sheet.rows; the user sees header_row + 1
    headers: list[str]
    mapping: dict[int, str]  # column index → field
    title: str  # text of the rows above the header (used to infer year and tier)


def detect_in_sheet(sheet: Sheet) -> tuple[int, dict[int, str]] | None:
    best = None
    for r, row in enumerate(sheet.rows[:HEADER_SCAN_ROWS]):
        mapping: dict[int, str] = {}
        for c, value in enumerate(row):
            key = match_field(value) if isinstance(value, str) else None
            if key and key not in mapping.values():
                mapping[c] = key
        # A header names at least the code and the firm: a code-like phrase alone in some line of prose (a text
        # file that happens to mention 统一社会信用代码) is not a name list.
        if "uscc" not in mapping.values() or "name" not in mapping.values():
            continue
        score = len(mapping)
        if best is None or score > best[0]:
            best = (score, r, mapping)
    return None if best is None else (best[1], best[2])


def detect(sheets: list[Sheet]) -> Detection:
    """The first sheet (in workbook order) whose header has a code column wins; a notes sheet before it is skipped."""
    candidates = []
    for i, sheet in enumerate(sheets):
        found = detect_in_sheet(sheet)
        if found:
            candidates.append((len(found[1]), -i, i, found))
    if not candidates:
        raise FileRejected(
            "未找到表头：前 30 行中没有同时包含“统一社会信用代码”和“企业名称”的表头行"
            "（可用列名：统一社会信用代码/社会信用代码/信用代码；企业名称/单位名称/单位详细名称）"
        )
    # Most mapped columns wins; ties go to the earlier sheet.
    _, _, index, (header_row, mapping) = max(candidates)
    sheet = sheets[index]
    headers = ["" if v is None else str(v).strip() for v in sheet.rows[header_row]]
    title = " ".join(str(v) for row in sheet.rows[:header_row] for v in row if v not in (None, ""))
    return Detection(index, sheet.name, header_row, headers, mapping, title)


def validate_mapping(mapping: dict[int, str]) -> list[str]:
    """Problems that make a mapping unusable, in Chinese."""
    problems = []
    values = list(mapping.values())
    if "uscc" not in values:
        problems.append("必须指定“统一社会信用代码”列")
    for key in set(values):
        if key and values.count(key) > 1:
            problems.append(f"“{FIELDS[key][0]}”被指定给了多列")
    return problems
