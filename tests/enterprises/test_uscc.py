import pytest
from django.core.exceptions import ValidationError

from enterprises.uscc import USCCError, check_char, django_validator, is_valid, normalise, validate

REAL = ["9144030071526726XG", "91110000710926094P", "91310000631696382C"]


@pytest.mark.parametrize("code", REAL)
def test_real_codes_are_valid_without_warnings(code):
    result = validate(code)
    assert result.code == code
    assert result.warnings == ()


@pytest.mark.parametrize(
    "raw",
    [
        "９１４４０３００７１５２６７２６ＸＧ",  # full-width digits and letters
        "9144030071526726xg",  # lower case
        " 9144030071526726XG\u3000",  # ideographic space
        "9144 0300 7152 6726 XG",  # grouped
        "\ufeff9144030071526726XG\u200b",  # BOM and zero-width space from copy-paste
        "\t9144030071526726XG\n",
    ],
)
def test_normalisation_accepts_how_people_type_and_paste_codes(raw):
    assert validate(raw).code == "9144030071526726XG"


@pytest.mark.parametrize(
    "raw, fragment",
    [
        ("", "为空"),
        (None, "为空"),
        ("   ", "为空"),
        ("9144030071526726X", "长度应为 18 位，实为 17 位"),
        ("9144030071526726XGG", "实为 19 位"),
        ("9144030071526726XH", "校验位错误"),
        ("9144030071526726X0", "末位应为“G”"),
        ("9144030071526726XI", "不允许的字符"),  # I is not in the alphabet
        ("914403007152672OXG", "不允许的字符"),  # O
        ("91440300715267S6XG", "不允许的字符"),  # S
        ("91440300715267V6XG", "不允许的字符"),  # V
        ("91440300715267Z6XG", "不允许的字符"),  # Z
        ("9144030071526726X-", "不允许的字符"),
        ("9144030071526726X测", "不允许的字符"),
        ("0144030071526726XG", "登记管理部门码"),
        ("B144030071526726XG", "登记管理部门码"),
        ("9.144030071526726E+17", "科学计数法"),
        ("9.13101127033980E+17", "科学计数法"),
    ],
)
def test_every_way_a_code_can_be_wrong_has_a_chinese_reason(raw, fragment):
    with pytest.raises(USCCError) as exc:
        validate(raw)
    assert fragment in str(exc.value)


def test_an_excel_float_is_an_error_never_a_guess():
    with pytest.raises(USCCError, match="科学计数法"):
        validate(9.131011270339804e17)


def test_transposed_digits_are_caught_by_the_check_character():
    assert not is_valid("9144030017526726XG")


@pytest.mark.parametrize("first", list("123456789ANY"))
def test_every_legal_first_character_is_accepted(first):
    body = f"{first}1440300MA5ABCDE1"
    assert is_valid(body + check_char(body))


def test_a_failed_embedded_organisation_code_check_is_a_warning_not_a_rejection():
    body = "91440300715267260"  # org code check char "0" is wrong for 71526726
    result = validate(body + check_char(body))
    assert result.code.startswith("914403007152672")
    assert any("组织机构代码" in w for w in result.warnings)


def test_the_django_validator_wants_the_normalised_form():
    django_validator("9144030071526726XG")
    with pytest.raises(ValidationError):
        django_validator("9144030071526726xg")
    with pytest.raises(ValidationError):
        django_validator("9144030071526726XH")


def test_normalise_is_nfkc_upper_and_strips_spaces():
    assert normalise("ａｂ　c") == "ABC"


FAST_PATH_CASES = REAL + [
    "９１４４０３００７１５２６７２６ＸＧ", "9144030071526726xg", " 9144030071526726XG", "9144 0300 7152 6726 XG",
    "9144030071526726XH",  # wrong check character
    "9144030071526726X", "9144030071526726XGG",  # length
    "91440300715267I6XG", "O144030071526726XG", "S144030071526726XG", "V1440300715267Z6XG",  # letters never used
    "0144030071526726XG", "B144030071526726XG",  # registration department
    "A1440300MA5F00000X", "N1440300MA5F00000X", "Y1440300MA5F00000X",
    9.14403007152673e17, 914403007152672, "9.14403E+17", None, "",
]


@pytest.mark.parametrize("raw", FAST_PATH_CASES)
def test_the_fast_path_accepts_exactly_the_valid_codes_already_in_normal_form(raw):
    from enterprises.uscc import valid_as_is

    try:
        full = validate(raw).code
    except USCCError:
        full = None
    fast = valid_as_is(raw)
    assert fast is None or fast == full == raw  # never accepts what the full validator refuses or changes
    assert (fast is not None) == (full is not None and full == raw)  # and accepts every code already clean
