"""`load_divisions CODE`: a real district is set up from the shipped country-wide division data."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from crm.models import Community, District, Street
from crm.services.divisions import DivisionError, community_name, load_divisions, normalise_code

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def run(*args):
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command("load_divisions", *args, stdout=out, stderr=err)
    return out.getvalue().strip().splitlines(), err.getvalue()


def test_loads_guangming_with_official_codes_and_prints_the_contract():
    lines, _ = run("440311")
    summary = json.loads(lines[-1])
    assert summary == {"district": "440311", "streets": 6, "communities": 31, "created": 38, "updated": 0}
    assert len(lines) == 4  # district, streets, communities, JSON
    assert District.objects.get(code="440311").name == "光明区"
    assert Street.objects.get(code="440311006").name == "马田街道"
    assert Street.objects.get(code="440311005").name == "玉塘街道"
    assert Community.objects.get(code="440311006002").name == "合水口社区"
    assert Community.objects.get(code="440311002003").name == "李松蓢社区"
    assert set(Community.objects.filter(street__code="440311006").values_list("name", flat=True)) == {
        "薯田埔社区", "合水口社区", "根竹园社区", "马山头社区", "石围社区", "将围社区", "石家社区", "新庄社区"}


def test_rerunning_changes_nothing_and_a_rename_is_put_back():
    run("440311")
    Street.objects.filter(code="440311006").update(name="马田")
    Community.objects.filter(code="440311006001").update(name="旧名社区")
    lines, _ = run("440311")
    assert json.loads(lines[-1])["updated"] == 2 and json.loads(lines[-1])["created"] == 0
    assert Street.objects.get(code="440311006").name == "马田街道"
    lines, _ = run("440311")
    assert json.loads(lines[-1]) == {"district": "440311", "streets": 6, "communities": 31, "created": 0,
                                     "updated": 0}
    assert Street.objects.count() == 6 and Community.objects.count() == 31


def test_any_district_of_the_country_and_a_single_street_load():
    # 坪山区 马峦街道 and a village-level district far from Shenzhen: the data covers the whole country.
    result = load_divisions("440310002")
    assert (result.streets, result.communities) == (1, 4)
    assert Street.objects.get(code="440310002").name == "马峦街道"
    assert District.objects.get(code="440310").name == "坪山区"
    assert set(Community.objects.filter(street__code="440310002").values_list("name", flat=True)) == {
        "坪环社区", "江岭社区", "马峦社区", "沙坣社区"}
    beijing = load_divisions("110101000000")  # the statistics bureau's 12-digit form of 东城区
    assert beijing.district == "110101" and beijing.streets > 10 and beijing.communities > 100
    assert Community.objects.filter(code__startswith="110101", code__regex=r"^\d{12}$").count() == beijing.communities


def test_unknown_code_prints_one_chinese_line_and_exits_2():
    with pytest.raises(SystemExit) as exit_info:
        run("999999")
    assert exit_info.value.code == 2
    assert not District.objects.exists() and not Street.objects.exists()


def test_the_command_line_exit_code_and_message_seen_from_outside():
    env = {"DEBUG": "1", "PATH": "/usr/bin:/bin", "DATABASE_URL": "sqlite:////nonexistent/never-opened.sqlite3"}
    proc = subprocess.run([sys.executable, "manage.py", "load_divisions", "440399"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.strip().splitlines() == ["未知的区划代码：440399（随产品提供的全国区划数据中没有这个区/县或街道）"]


@pytest.mark.parametrize("code", ["abc", "44031", "440311006001"])
def test_malformed_codes_are_refused(code):
    with pytest.raises(DivisionError):
        normalise_code(code)


@pytest.mark.parametrize("official,name", [
    ("光明社区居委会", "光明社区"), ("屈庄居民委员会", "屈庄社区"), ("福明家园社区", "福明家园社区"),
    ("小红门村民委员会", "小红门村"), ("牌坊村村民委员会", "牌坊村"), ("楼梓庄村委会", "楼梓庄村"),
])
def test_community_names_read_as_an_office_writes_them(official, name):
    assert community_name(official) == name


def test_the_shipped_file_is_small():
    from crm.services.divisions import DATA_FILE

    assert DATA_FILE.stat().st_size < 5 * 1024 * 1024


def test_the_demo_constants_agree_with_the_shipped_data():
    from crm.demo import STREETS

    load_divisions("440311")
    loaded = {s.code: (s.name, [c.name for c in s.communities.order_by("code")]) for s in Street.objects.all()}
    assert loaded == {code: (name, [f"{c}社区" for c in communities]) for code, (name, communities) in STREETS.items()}
