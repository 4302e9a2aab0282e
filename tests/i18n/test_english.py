"""The four apps speak English when the user picks it in the user menu, and Chinese otherwise.

Each page case names a label from the page's own template (not the navigation, which every page shares), so a
pass proves the app's catalogue is loaded, not just the shell's."""

import re
from gettext import GNUTranslations
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.enterprises.factories import EnterpriseFactory

APPS = ("enterprises", "namelists", "appeals", "pipelines", "economy", "policies", "space", "matchmaking")

# (url name, role fixture, English label, its Chinese original)
PAGES = [
    ("enterprises:list", "officer", "More filters", "更多筛选"),
    ("enterprises:visit_create", "officer", "Visit date", "走访日期"),
    ("enterprises:due_visits", "officer", "No enterprises to visit", "没有待走访企业"),
    ("enterprises:coverage", "manager", "Liaison staff workload", "挂点人员负荷"),
    ("enterprises:campaign_list", "officer", "Visit campaigns", "走访活动"),
    ("namelists:index", "statistician", "Upload name list", "上传名录"),
    ("namelists:upload", "statistician", "Upload and preview", "上传并预览"),
    ("appeals:list", "officer", "Register appeal", "登记诉求"),
    ("appeals:queue", "department_user", "Nothing to do.", "暂无待办。"),
    ("appeals:dashboard", "manager", "Appeal handling SLA dashboard", "诉求办理 SLA 看板"),
    ("appeals:extensions", "manager", "No extension requests pending approval.", "没有待审批的延期申请。"),
    ("pipelines:board", "officer", "Investment attraction project board", "招商项目看板"),
    ("pipelines:dashboard", "manager", "Export report", "导出报表"),
    ("pipelines:vacancy_list", "officer", "Industrial space supply pool", "产业空间供给资源库"),
    ("pipelines:event_list", "officer", "Register event", "登记活动"),
]


def _in_english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return client


def _body(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(("url_name", "role", "english", "chinese"), PAGES, ids=[p[0] for p in PAGES])
def test_app_page_is_in_english_once_the_user_picks_english(request, client_for, url_name, role, english, chinese):
    client = _in_english(client_for(request.getfixturevalue(role)))
    body = _body(client, reverse(url_name))
    assert '<html lang="en"' in body
    assert english in body
    assert chinese not in body


@pytest.mark.parametrize(("url_name", "role", "english", "chinese"), PAGES, ids=[p[0] for p in PAGES])
def test_app_page_is_in_chinese_without_the_language_cookie(request, client_for, url_name, role, english, chinese):
    body = _body(client_for(request.getfixturevalue(role)), reverse(url_name))
    assert '<html lang="zh-hans"' in body
    assert chinese in body
    assert english not in body


def test_model_labels_and_choices_are_translated_on_a_record_page(client_for, officer):
    firm = EnterpriseFactory(street=officer.street)
    body = _body(_in_english(client_for(officer)), reverse("enterprises:detail", args=[firm.pk]))
    assert "Basic information" in body and "基本信息" not in body


def test_switching_back_to_chinese_restores_the_chinese_labels(client_for, officer):
    client = _in_english(client_for(officer))
    assert "Register appeal" in _body(client, reverse("appeals:list"))
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    body = _body(client, reverse("appeals:list"))
    assert "登记诉求" in body and "Register appeal" not in body


# --- the committed catalogues themselves ---------------------------------------------------------------------


def _unquote(line: str) -> str:
    return line[line.index('"') + 1 : line.rindex('"')].encode("raw_unicode_escape").decode("unicode_escape")


def _po_entries(path: Path) -> list[dict]:
    """A minimal .po reader (no gettext tools needed on the test machine): msgctxt/msgid/msgid_plural/msgstr[n],
    flags, continuation lines."""
    entries, entry, field = [], {"flags": ""}, None
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            if "msgid" in entry:
                entries.append(entry)
            entry, field = {"flags": ""}, None
        elif line.startswith("#,"):
            entry["flags"] += line[2:]
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[field] += _unquote(line)
        else:
            field = line.split(" ", 1)[0]
            entry[field] = _unquote(line)
    return entries


PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%%|\{[a-z_0-9]*\}")


@pytest.mark.parametrize("app", APPS)
def test_catalogue_is_complete_and_keeps_every_placeholder(app):
    entries = [e for e in _po_entries(settings.BASE_DIR / app / "locale/en/LC_MESSAGES/django.po") if e["msgid"]]
    assert entries
    for e in entries:
        assert "fuzzy" not in e["flags"], e["msgid"]
        translations = [v for k, v in e.items() if k.startswith("msgstr")]
        assert translations and all(translations), f"untranslated: {e['msgid']}"
        for source, target in ((e["msgid"], translations[0]), (e.get("msgid_plural", e["msgid"]), translations[-1])):
            assert sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(target)), e["msgid"]


@pytest.mark.parametrize("app", APPS)
def test_compiled_catalogue_matches_its_source(app):
    """The committed .mo (fresh machines need no gettext) was compiled from the current .po."""
    folder = settings.BASE_DIR / app / "locale/en/LC_MESSAGES"
    with open(folder / "django.mo", "rb") as fh:
        compiled = GNUTranslations(fh)
    for e in _po_entries(folder / "django.po"):
        if not e["msgid"] or "msgid_plural" in e:
            continue
        key = f"{e['msgctxt']}\x04{e['msgid']}" if "msgctxt" in e else e["msgid"]
        assert compiled._catalog.get(key) == e["msgstr"], e["msgid"]


def test_a_msgid_shared_by_several_catalogues_has_one_translation():
    """Django merges the catalogues and the first app in INSTALLED_APPS wins for a shared msgid: a different
    translation in a later app would never show, so the catalogues must agree."""
    seen: dict[str, tuple[str, str]] = {}
    for app in ("crm", *APPS):
        for e in _po_entries(settings.BASE_DIR / app / "locale/en/LC_MESSAGES/django.po"):
            if not e["msgid"] or "msgid_plural" in e or "msgctxt" in e:
                continue
            first = seen.setdefault(e["msgid"], (app, e["msgstr"]))
            assert e["msgstr"] == first[1], f"{e['msgid']}: {first[0]} says {first[1]!r}, {app} says {e['msgstr']!r}"


def test_a_confirmation_message_follows_the_users_language(client_for, manager):
    import datetime as dt

    client = _in_english(client_for(manager))
    response = client.post(reverse("pipelines:targets"), {"year": dt.date.today().year, "metric": "signed_10",
                                                          "scope_kind": "street", "target_value": "3"}, follow=True)
    body = response.content.decode()
    assert "Target saved" in body and "目标已保存" not in body


FLASH_LITERAL = re.compile(r"messages\.(?:success|error|warning|info)\(\s*request,\s*f?[\"'][^\"']*[\u4e00-\u9fff]")


@pytest.mark.parametrize("app", ("crm", *APPS))
def test_confirmation_and_error_messages_are_marked_for_translation(app):
    """A flash message written as a bare Chinese literal would stay Chinese in the English interface."""
    for path in (settings.BASE_DIR / app).rglob("*.py"):
        assert not FLASH_LITERAL.search(path.read_text(encoding="utf-8")), path


def test_a_word_with_two_meanings_is_translated_by_its_context(client_for, officer):
    """主办 is an event's organiser on the event list and an appeal's lead department elsewhere."""
    body = _body(_in_english(client_for(officer)), reverse("pipelines:event_list"))
    assert "<th>Organiser</th>" in body and "<th>Lead</th>" not in body
