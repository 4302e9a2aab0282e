"""Data rows the office keeps in Chinese — appeal categories, departments, teams, industry clusters and the national
industry classification — have an English name that English mode shows wherever they appear (one rule,
crm.models.bilingual.pick_name), and the pages of the newer apps are wholly English in English mode."""

import re

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from django.utils import timezone, translation

from appeals import services
from appeals.models import AppealCategory
from crm.models import Department, pick_name
from enterprises.models import Cluster, IndustryCategory
from tests.appeals.factories import category, make_appeal
from tests.crm.factories import TeamFactory

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")
GLOSS = re.compile(r"\([\u4e00-\u9fff]+\)")


def english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return client


def main_of(response) -> str:
    """The page's own content: <main> without scripts (the navigation and user menu are checked elsewhere)."""
    assert response.status_code == 200
    body = response.content.decode()
    main = re.search(r"<main.*?</main>", body, re.S).group(0)
    return re.sub(r"<script.*?</script>", "", main, flags=re.S)


# --- the rule ----------------------------------------------------------------------------------------------------


def test_pick_name_follows_the_active_language_and_falls_back_to_chinese():
    with translation.override("en"):
        assert pick_name("融资", "Financing") == "Financing"
        assert pick_name("融资", "") == "融资"  # no English name yet: the Chinese one, not a blank
    with translation.override("zh-hans"):
        assert pick_name("融资", "Financing") == "融资"


def test_a_row_shows_itself_in_the_active_language():
    finance = category("finance")
    assert finance.name_en == "Financing"
    with translation.override("en"):
        assert str(finance) == "Financing"
    with translation.override("zh-hans"):
        assert str(finance) == "融资"


def test_categories_created_during_an_english_request_keep_their_chinese_name():
    AppealCategory.objects.all().delete()
    with translation.override("en"):
        services.ensure_categories()
    row = AppealCategory.objects.get(code="housing")
    assert (row.name, row.name_en) == ("住房", "Housing")


def test_the_migrations_give_the_built_in_rows_their_english_names():
    """The data migrations fill name_en of the 20+8 clusters and the GB/T 4754 sections and divisions (run here
    directly: a test database flushed by another test has lost the migrations' rows)."""
    import importlib

    Cluster.objects.update_or_create(code="quantum", defaults={"name": "量子信息", "name_en": ""})
    IndustryCategory.objects.update_or_create(code="C", defaults={"name": "制造业", "level": "men", "section": "C",
                                                                  "name_en": ""})
    AppealCategory.objects.update_or_create(code="utilities", defaults={"name": "用水用电", "name_en": ""})
    importlib.import_module("enterprises.migrations.0017_cluster_industry_name_en").fill(django_apps, None)
    importlib.import_module("appeals.migrations.0006_category_name_en").fill(django_apps, None)
    assert Cluster.objects.get(code="quantum").name_en == "Quantum information"
    assert IndustryCategory.objects.get(code="C").name_en == "Manufacturing"
    assert AppealCategory.objects.get(code="utilities").name_en == "Water and power"


# --- where they are shown ----------------------------------------------------------------------------------------


def test_appeal_category_and_department_are_english_on_the_list_and_the_record(client_for, officer,
                                                                               department_user):
    department = department_user.department
    Department.objects.filter(pk=department.pk).update(name_en="Housing Bureau")
    appeal = make_appeal(officer=officer, code="finance")
    services.transfer(appeal, actor=officer, department=department, at=timezone.now())
    client = english(client_for(officer))
    listing = main_of(client.get(reverse("appeals:list")))
    assert "Financing" in listing and "融资" not in listing
    assert "Housing Bureau" in listing and department.short_name not in listing
    record = main_of(client.get(reverse("appeals:detail", args=[appeal.pk])))
    assert "Financing" in record and "融资" not in record


def test_the_department_queue_names_the_department_in_english(client_for, officer, department_user):
    department = department_user.department
    Department.objects.filter(pk=department.pk).update(name_en="Housing Bureau")
    appeal = make_appeal(officer=officer)
    services.transfer(appeal, actor=officer, department=department, at=timezone.now())
    queue = main_of(english(client_for(department_user)).get(reverse("appeals:queue")))
    assert "Housing Bureau" in queue


@pytest.mark.parametrize(("by", "english_name", "chinese_name"), [
    ("category", "Financing", "融资"), ("department", "Housing Bureau", None)])
def test_the_sla_dashboard_breakdown_rows_are_english(client_for, manager, officer, department_user, by,
                                                      english_name, chinese_name):
    department = department_user.department
    Department.objects.filter(pk=department.pk).update(name_en="Housing Bureau")
    appeal = make_appeal(officer=officer, code="finance", at_=timezone.now())
    services.transfer(appeal, actor=officer, department=department, at=timezone.now())
    page = main_of(english(client_for(manager)).get(reverse("appeals:dashboard"), {"by": by}))
    assert english_name in page
    assert (chinese_name or department.name) not in page


def test_the_same_rows_stay_chinese_without_english_mode(client_for, officer):
    make_appeal(officer=officer, code="finance")
    listing = main_of(client_for(officer).get(reverse("appeals:list")))
    assert "融资" in listing and "Financing" not in listing


def test_cluster_and_industry_filters_of_the_enterprise_list_are_english(client_for, officer):
    Cluster.objects.update_or_create(code="quantum", defaults={"name": "量子信息", "name_en": "Quantum information"})
    IndustryCategory.objects.update_or_create(code="C", defaults={
        "name": "制造业", "level": "men", "section": "C", "name_en": "Manufacturing"})
    page = main_of(english(client_for(officer)).get(reverse("enterprises:list")))
    assert ">Quantum information<" in page and "量子信息" not in page
    assert "C Manufacturing" in page and "制造业" not in page


def test_team_and_cluster_filters_of_the_project_board_are_english(client_for, officer, street):
    TeamFactory(street=street, name="招商一组", name_en="Investment team 1")
    Cluster.objects.update_or_create(code="quantum", defaults={"name": "量子信息", "name_en": "Quantum information"})
    page = main_of(english(client_for(officer)).get(reverse("pipelines:board")))
    assert "Investment team 1" in page and "招商一组" not in page
    assert "Quantum information" in page and "量子信息" not in page


def test_administrators_edit_the_english_name_of_a_category(client_for, admin_user):
    finance = category("finance")
    page = client_for(admin_user).get(reverse("admin:appeals_appealcategory_change", args=[finance.pk]))
    assert page.status_code == 200 and 'name="name_en"' in page.content.decode()


# --- the newer apps' pages are wholly English --------------------------------------------------------------------

# (url name, role): pages whose own content must carry no Chinese in English mode once user data is taken out.
WHOLE_PAGES = [
    ("policies:list", "manager"), ("policies:create", "manager"), ("policies:deliveries", "officer"),
    ("policies:amounts", "manager"),
    ("space:park_list", "manager"), ("space:park_map", "manager"), ("space:investment_list", "manager"),
    ("space:renewal_list", "manager"), ("space:rule_edit", "manager"),
    ("namelists:upload", "manager"),  # where the park ledger and the 固投 report are imported
    ("matchmaking:need_list", "officer"), ("matchmaking:report", "manager"), ("matchmaking:fp_list", "admin_user"),
    ("matchmaking:fp_create", "admin_user"),
    ("economy:street", "manager"), ("economy:upload", "statistician"),
]


@pytest.mark.parametrize(("url_name", "role"), WHOLE_PAGES, ids=[p[0] for p in WHOLE_PAGES])
def test_a_page_of_the_newer_apps_is_wholly_english(request, client_for, street, url_name, role):
    user = request.getfixturevalue(role)
    main = main_of(english(client_for(user)).get(reverse(url_name)))
    user_data = {street.name, *(str(s) for s in (user.street, user.department) if s)}
    # A term of art keeps its Chinese as a gloss in brackets, e.g. "Specialised & innovative (专精特新)".
    main = GLOSS.sub("", main)
    left = sorted(set(CJK.findall(main)) - user_data)
    assert not left, f"Chinese left on {url_name}: {left}"


@pytest.mark.parametrize("role", ["officer", "manager", "admin_user"])
def test_english_pages_use_english_brackets(request, client_for, role):
    """A bracket around a translated word belongs to the translation: "(provisional calendar)", not "（…）"."""
    from crm.models import CalendarYear
    from crm.services.workcalendar import invalidate_calendar

    CalendarYear.objects.all().delete()  # this year provisional: the home page says so in brackets
    invalidate_calendar()
    main = main_of(english(client_for(request.getfixturevalue(role))).get(reverse("home")))
    assert "(provisional calendar)" in main
    assert "（" not in main and "）" not in main


def test_a_delivered_milestone_reads_in_english(client_for, manager, street):
    import datetime as dt

    from space.models import RenewalMilestone, RenewalProject

    project = RenewalProject.objects.create(street=street, name="Old works upgrade", kind="industrial",
                                            area=5000)
    RenewalMilestone.objects.create(project=project, name="Phase 1", planned_on=dt.date(2026, 3, 1),
                                    actual_on=dt.date(2026, 3, 5), delivered_area=1200)
    main = main_of(english(client_for(manager)).get(reverse("space:renewal_list")))
    assert "(1200 ㎡ delivered)" in main and "交付" not in main
