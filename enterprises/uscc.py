"""统一社会信用代码 (Unified Social Credit Code, GB 32100-2015): the one validator used by forms, imports and APIs.

python-stdnum's `stdnum.cn.uscc` has the right checksum but rejects the legal first characters A, N and Y and
does no NFKC normalisation, so the rule is written out here, short and complete.
"""

from __future__ import annotations

import operator
import re
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 symbols: no I, O, S, V, Z
VALUES = {ch: i for i, ch in enumerate(ALPHABET)}
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
FIRST_CHARS = set("123456789ANY")  # 登记管理部门码
# GB 11714 organisation code (positions 9–17): 8 body chars (0-9A-Z), check char 0-9 or X.
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ORG_BODY = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_WHITESPACE = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?E\+?\d+$")


class USCCError(ValueError):
    """An invalid code, with a reason in Chinese."""


@dataclass(frozen=True)
class USCCResult:
    code: str
    warnings: tuple[str, ...] = field(default_factory=tuple)


def normalise(raw: object) -> str:
    """NFKC (full-width → half-width), strip every kind of space, upper case."""
    if raw is None:
        return ""
    text = unicodedata.normalize("NFKC", str(raw))
    return _WHITESPACE.sub("", text).upper()


def check_char(body17: str) -> str:
    total = sum(map(operator.mul, map(VALUES.__getitem__, body17), WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


# A code already in its normal form: registration-department digit, then 17 characters of the alphabet.
_NORMAL_FORM = re.compile(r"[1-9ANY][0-9A-HJ-NP-RTUW-Y]{17}")


def valid_as_is(raw: object) -> str | None:
    """`raw` itself when it is a valid code in normal form, else None (then `validate` says why or normalises).

    The fast path of a 100,000-row import, where nearly every code is already clean: one regular expression and
    the checksum, ~10× cheaper than `validate`.
    """
    if type(raw) is str and _NORMAL_FORM.fullmatch(raw) and check_char(raw[:17]) == raw[17]:
        return raw
    return None


def org_code_check_char(body8: str) -> str:
    total = sum(ORG_BODY.index(ch) * w for ch, w in zip(body8, ORG_WEIGHTS))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def validate(raw: object) -> USCCResult:
    """Return the normalised code (and warnings) or raise USCCError with the reason.

    A float or a code in scientific notation (Excel stored it as a number) is always an error: its last digits
    are already lost and must not be guessed.
    """
    if isinstance(raw, float):
        raise USCCError("代码被 Excel 存为数字（科学计数法），末位已丢失，请将该列设为文本后重新导出")
    code = normalise(raw)
    if not code:
        raise USCCError("统一社会信用代码为空")
    if _SCIENTIFIC.match(code) or ("E+" in code and code.replace(".", "").replace("E+", "").isdigit()):
        raise USCCError("代码被 Excel 存为数字（科学计数法），末位已丢失，请将该列设为文本后重新导出")
    if len(code) != 18:
        raise USCCError(f"长度应为 18 位，实为 {len(code)} 位")
    bad = sorted({ch for ch in code if ch not in VALUES})
    if bad:
        raise USCCError(f"含有不允许的字符：{'、'.join(bad)}（代码不使用 I、O、S、V、Z）")
    if code[0] not in FIRST_CHARS:
        raise USCCError(f"第 1 位登记管理部门码“{code[0]}”无效（应为 1–9、A、N、Y）")
    expected = check_char(code[:17])
    if code[17] != expected:
        raise USCCError(f"校验位错误：末位应为“{expected}”，实为“{code[17]}”")
    warnings = []
    org = code[8:17]
    if org[:8].isalnum() and all(ch in ORG_BODY for ch in org[:8]) and org_code_check_char(org[:8]) != org[8]:
        warnings.append("内嵌的组织机构代码（第 9–17 位）校验位不符（GB 11714），请核对")
    return USCCResult(code, tuple(warnings))


def is_valid(raw: object) -> bool:
    try:
        validate(raw)
    except USCCError:
        return False
    return True


def django_validator(value: str) -> None:
    """For model and form fields."""
    try:
        result = validate(value)
    except USCCError as exc:
        raise ValidationError(str(exc), code="invalid_uscc") from None
    if result.code != value:
        raise ValidationError("统一社会信用代码应为规范形式：%(code)s", params={"code": result.code}, code="not_normalised")
