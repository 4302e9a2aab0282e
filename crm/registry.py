"""Small registries the apps fill from their AppConfig.ready(): navigation, home-page cards, demo data, the
sections other apps add to the enterprise 360° page and the handler that turns a visit's problem into an appeal.

They keep the shell in crm/ free of knowledge about the apps, and let an app add a page without editing
shared files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

from .permissions import ALL_ROLES, user_has_role


@dataclass(frozen=True)
class NavItem:
    """A menu entry. `group` names a NavGroup: the desktop menu shows each group as one dropdown, so the bar stays
    one row however many pages the apps add; an item without a group (首页) stands alone."""

    label: str
    url_name: str
    roles: tuple[str, ...] = ALL_ROLES
    order: int = 100
    group: str = ""


@dataclass(frozen=True)
class NavGroup:
    """A top-level menu entry holding the items registered with its key, in `order` across the bar. An app
    registers the groups its items use (the same key from two apps is one group: the first registration wins)."""

    key: str
    label: str
    order: int = 100


@dataclass(frozen=True)
class EnterpriseSection:
    """A section another app adds to the enterprise 360° page. `provider(enterprise, user)` returns None (nothing
    to show this user) or a dict with at least "title" and "template" (an include rendered with `section` = the
    dict, so the app's own template links its own rows)."""

    order: int
    name: str
    provider: Callable


@dataclass(frozen=True)
class VisitTopicField:
    """An optional input of the visit form, shown under its topic (e.g. 融资 → 金额); posted as `name`, handed to the
    topic handler as data[key]."""

    topic: str
    key: str
    label: str
    inputmode: str = "text"
    placeholder: str = ""

    @property
    def name(self) -> str:
        return f"topic_{self.topic}_{self.key}"


@dataclass
class Registry:
    nav: list[NavItem] = field(default_factory=list)
    nav_groups: dict[str, NavGroup] = field(default_factory=dict)
    # (order, loader) where loader(stdout) loads the app's demo data idempotently.
    demo_loaders: list[tuple[int, str, Callable]] = field(default_factory=list)
    # Home cards: callables (user) -> dict(title, value, url, hint) | None
    home_cards: list[tuple[int, Callable]] = field(default_factory=list)
    # Home work lists: callables (user) -> dict(title, url, rows, empty) | None; see crm/templates/crm/_worklist.html
    home_lists: list[tuple[int, Callable]] = field(default_factory=list)
    # Pages that must follow a calendar edit (e.g. the appeals' preview of moved SLA deadlines): (url_name, label)
    calendar_follow_ups: list[tuple[str, str]] = field(default_factory=list)
    # Sections of the enterprise 360° page contributed by other apps.
    enterprise_sections: list[EnterpriseSection] = field(default_factory=list)
    # Sections of a 招商 project's page (pipelines) contributed by other apps: the same shape, provider(project, user).
    project_sections: list[EnterpriseSection] = field(default_factory=list)
    # provider(enterprise, limit) -> timeline entries {"when", "who", "what", "type", "object", "changes"} that
    # another app keeps for a firm (the name-list imports' own change rows).
    enterprise_history: list[Callable] = field(default_factory=list)
    # handler(problem, actor) -> the appeal raised from a visit's problem (the appeals app registers it).
    visit_problem_handler: Callable | None = None
    # The need a visit's topic records (the matchmaking app registers it): an object with
    #   fields(user) -> [VisitTopicField, ...]  the optional inputs the visit form shows under a ticked topic, and
    #   handle(visit, topic, data, actor)       called inside the visit's service transaction with {key: text}.
    visit_topic_handler: object | None = None
    # provider(event, user) -> {"label", "url"} | None: pages another app keeps about a pipelines event (the
    # matchmaking app's 对接成效 of a 对接会), linked from the event's page.
    event_links: list[Callable] = field(default_factory=list)

    def add_nav(self, *items: NavItem) -> None:
        for item in items:
            if item not in self.nav:
                self.nav.append(item)

    def add_nav_group(self, *groups: NavGroup) -> None:
        for group in groups:
            self.nav_groups.setdefault(group.key, group)

    def nav_for(self, user) -> list[NavItem]:
        if not user.is_authenticated:
            return []
        return sorted(
            (i for i in self.nav if user_has_role(user, i.roles)), key=lambda i: (i.order, i.label)
        )

    def nav_groups_for(self, user) -> list[tuple[NavGroup | None, list[NavItem]]]:
        """The user's menu as the bar shows it: (group, its items) in the groups' order, and (None, [item]) for an
        item without a registered group, placed by the item's own order. Groups with no item for this role are
        left out."""
        entries: dict[str, tuple[NavGroup | None, list[NavItem]]] = {}
        for item in self.nav_for(user):
            group = self.nav_groups.get(item.group)
            key = group.key if group else f"item:{item.url_name}"
            entries.setdefault(key, (group, []))[1].append(item)
        return sorted(entries.values(), key=lambda e: (e[0].order if e[0] else e[1][0].order, e[1][0].order))

    def add_demo(self, order: int, name: str, loader: Callable) -> None:
        if all(n != name for _, n, _ in self.demo_loaders):
            self.demo_loaders.append((order, name, loader))

    def demo_in_order(self) -> Iterable[tuple[str, Callable]]:
        return [(n, f) for _, n, f in sorted(self.demo_loaders, key=lambda t: t[0])]

    def add_home_card(self, order: int, provider: Callable) -> None:
        if all(p is not provider for _, p in self.home_cards):
            self.home_cards.append((order, provider))

    def cards_for(self, user) -> list[dict]:
        cards = []
        for _, provider in sorted(self.home_cards, key=lambda t: t[0]):
            card = provider(user)
            if card:
                cards.append(card)
        return cards


    def add_home_list(self, order: int, provider: Callable) -> None:
        """A work list on the home page: provider(user) returns None (not this user's work) or
        {"title", "url" (the full list), "rows": [{"name", "url", "light", "meta", "due", "due_class", "action",
        "action_url", "action_post"}], "empty"}; rows come most urgent first and bounded (LIMIT)."""
        if all(p is not provider for _, p in self.home_lists):
            self.home_lists.append((order, provider))

    def lists_for(self, user) -> list[dict]:
        lists = []
        for _, provider in sorted(self.home_lists, key=lambda t: t[0]):
            work = provider(user)
            if work:
                lists.append(work)
        return lists

    def add_enterprise_section(self, order: int, name: str, provider: Callable) -> None:
        if all(s.name != name for s in self.enterprise_sections):
            self.enterprise_sections.append(EnterpriseSection(order, name, provider))

    def enterprise_sections_for(self, enterprise, user) -> list[dict]:
        sections = []
        for section in sorted(self.enterprise_sections, key=lambda s: (s.order, s.name)):
            content = section.provider(enterprise, user)
            if content:
                sections.append({"name": section.name, **content})
        return sections

    def add_project_section(self, order: int, name: str, provider: Callable) -> None:
        if all(s.name != name for s in self.project_sections):
            self.project_sections.append(EnterpriseSection(order, name, provider))

    def project_sections_for(self, project, user) -> list[dict]:
        sections = []
        for section in sorted(self.project_sections, key=lambda s: (s.order, s.name)):
            content = section.provider(project, user)
            if content:
                sections.append({"name": section.name, **content})
        return sections

    def add_enterprise_history(self, provider: Callable) -> None:
        if provider not in self.enterprise_history:
            self.enterprise_history.append(provider)

    def enterprise_history_for(self, enterprise, limit: int) -> list[dict]:
        return [entry for provider in self.enterprise_history for entry in provider(enterprise, limit)]

    def set_visit_problem_handler(self, handler: Callable) -> None:
        self.visit_problem_handler = handler

    def add_event_link(self, provider: Callable) -> None:
        if provider not in self.event_links:
            self.event_links.append(provider)

    def event_links_for(self, event, user) -> list[dict]:
        return [link for provider in self.event_links if (link := provider(event, user))]

    def set_visit_topic_handler(self, handler) -> None:
        self.visit_topic_handler = handler

    def visit_topic_fields(self, user) -> list[VisitTopicField]:
        return list(self.visit_topic_handler.fields(user)) if self.visit_topic_handler is not None else []

    def add_calendar_follow_up(self, url_name: str, label: str) -> None:
        if all(u != url_name for u, _ in self.calendar_follow_ups):
            self.calendar_follow_ups.append((url_name, label))



registry = Registry()
