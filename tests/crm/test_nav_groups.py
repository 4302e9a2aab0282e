"""The desktop menu is one row of groups (企业 / 诉求 / 招商 / 经济 / 政策 / 空间 / 对接 / 系统), each a <details> dropdown of
the pages its apps registered with that group key, with the open page's group marked; the phone menu still lists
every page."""

import re

import pytest
from django.urls import reverse

from crm.registry import NavGroup, NavItem, Registry
from crm.permissions import ALL_ROLES

pytestmark = pytest.mark.django_db


def desktop_nav(html: str) -> str:
    start = html.index('class="app-nav')
    return html[start:html.index("</div>", start)]


def phone_menu(html: str) -> str:
    start = html.index('class="phone-menu"')
    return html[start:html.index("</ul>", start)]


def groups_of(nav: str) -> list[str]:
    return re.findall(r'<details class="nav-menu" name="app-nav" data-group="([a-z]+)">', nav)


def test_the_registry_groups_items_by_their_group_key_in_the_groups_order(officer):
    reg = Registry()
    reg.add_nav_group(NavGroup("b", "乙", order=20), NavGroup("a", "甲", order=10))
    reg.add_nav_group(NavGroup("a", "另一个名字", order=99))  # the same key again: the first registration wins
    reg.add_nav(NavItem("首页", "home", order=0), NavItem("甲二", "x2", order=2, group="a"),
                NavItem("乙一", "y1", order=1, group="b"), NavItem("甲一", "x1", order=1, group="a"),
                NavItem("无组", "z", order=50, group="nowhere"))
    shown = [(g.label if g else None, [i.label for i in items]) for g, items in reg.nav_groups_for(officer)]
    assert shown == [(None, ["首页"]), ("甲", ["甲一", "甲二"]), ("乙", ["乙一"]), (None, ["无组"])]


def test_every_registered_page_belongs_to_a_registered_group_except_home():
    from crm.registry import registry

    loose = [i.url_name for i in registry.nav if i.group not in registry.nav_groups and i.url_name != "home"]
    assert not loose


def test_the_desktop_menu_is_grouped_and_marks_the_open_pages_group(client_for, manager):
    html = client_for(manager).get(reverse("appeals:dashboard")).content.decode()
    nav = desktop_nav(html)
    assert groups_of(nav)[:3] == ["enterprises", "appeals", "investment"]
    current = re.findall(r'<li class="nav-group current"><details class="nav-menu" name="app-nav" data-group="(\w+)">'
                         r'<summary aria-current="true">', nav)
    assert current == ["appeals"]
    assert nav.count('aria-current="page"') == 1
    assert re.search(r'href="/appeals/dashboard/" aria-current="page"', nav)


def test_a_group_with_one_page_for_the_role_is_a_plain_link(client_for, department_user):
    """A department handler has only 消息 under 系统: a dropdown of one would be one click too many."""
    nav = desktop_nav(client_for(department_user).get(reverse("notifications:inbox")).content.decode())
    assert "system" not in groups_of(nav) and "appeals" in groups_of(nav)
    assert re.search(r'<li><a href="/notifications/" aria-current="page">', nav)


def test_the_phone_menu_still_lists_every_page_of_the_role(client_for, admin_user):
    from crm.registry import registry

    html = client_for(admin_user).get(reverse("home")).content.decode()
    links = re.findall(r'<a href="([^"]+)"', phone_menu(html))
    assert links == [reverse(i.url_name) for g, items in registry.nav_groups_for(admin_user) for i in items]
    assert len(links) == len(registry.nav_for(admin_user))


def test_the_group_titles_follow_the_language(client_for, manager):
    client = client_for(manager)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    nav = desktop_nav(client.get(reverse("home")).content.decode())
    titles = re.findall(r"<summary[^>]*>([^<]+)</summary>", nav)
    assert titles[:3] == ["Enterprises", "Appeals", "Investment"]
