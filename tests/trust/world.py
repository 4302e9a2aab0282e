"""The world the trust tests run in: two streets (马田 = own, 玉塘 = other), one user per role in 马田 (admin
and department handler district-wide), and builders that make one object of a kind for a relation.

A builder is `build(world, user, relation) -> obj`; `relation` is "own" (in the user's scope: their street,
their department, their own notification…) or "other" (outside it). Objects carry MARKER + relation in a
text field so list/search/export pages can be checked for what they show.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Callable

from django.utils import timezone

from crm.models import Notification, Role, SpecialDay, Street, User

MARKER = "信任测"  # common substring: a search for it would find the other street's row if scoping failed
_seq = itertools.count(1)


def label(relation: str) -> str:
    return f"{MARKER}{'本街' if relation == 'own' else '他街'}{next(_seq)}"


@dataclass
class World:
    own_street: Street
    other_street: Street
    users: dict[str, User]
    other_department: object
    cache: dict = field(default_factory=dict)

    def street(self, relation: str) -> Street:
        return self.own_street if relation == "own" else self.other_street

    @property
    def department(self):
        return self.users[Role.DEPARTMENT].department

    def stranger(self, relation: str) -> User:
        """Another officer, in the relation's street (for rows owned by somebody else)."""
        from tests.crm.factories import UserFactory

        key = ("stranger", relation)
        if key not in self.cache:
            self.cache[key] = UserFactory(role=Role.OFFICER, street=self.street(relation),
                                          username=f"stranger_{relation}")
        return self.cache[key]


BUILDERS: dict[str, Callable] = {}


def builder(kind: str):
    def register(fn):
        BUILDERS[kind] = fn
        return fn

    return register


# --- crm ----------------------------------------------------------------------------------------------------
@builder("notification")
def _notification(world: World, user: User, relation: str):
    recipient = user if relation == "own" else world.stranger("own")
    return Notification.objects.create(recipient=recipient, key=label(relation), kind="trust",
                                       title=label(relation), url="/")


@builder("calendar_day")
def _calendar_day(world: World, user: User, relation: str):
    day = dt.date(2031, 1, 6) + dt.timedelta(days=next(_seq))
    return SpecialDay.objects.create(date=day, kind=SpecialDay.Kind.HOLIDAY, name=label(relation))


@builder("none")
def _none(world: World, user: User, relation: str):
    return None


# --- enterprises ----------------------------------------------------------------------------------------------
@builder("enterprise")
def _enterprise(world: World, user: User, relation: str):
    from tests.enterprises.factories import EnterpriseFactory

    return EnterpriseFactory(street=world.street(relation), name=f"深圳市{label(relation)}科技有限公司")


@builder("visit")
def _visit(world: World, user: User, relation: str):
    from tests.enterprises.factories import VisitFactory

    firm = _enterprise(world, user, relation)
    return VisitFactory(enterprise=firm, created_by=world.stranger(relation), notes=firm.name)


@builder("problem")
def _problem(world: World, user: User, relation: str):
    from tests.enterprises.factories import ProblemFactory

    return ProblemFactory(visit=_visit(world, user, relation), description=label(relation))


@builder("attachment")
def _attachment(world: World, user: User, relation: str):
    from django.core.files.base import ContentFile

    from enterprises.models import VisitAttachment

    att = VisitAttachment(visit=_visit(world, user, relation), original_name="note.txt", content_type="text/plain",
                          size=5)
    att.file.save("note.txt", ContentFile(b"hello"), save=True)
    return att


@builder("campaign")
def _campaign(world: World, user: User, relation: str):
    from tests.enterprises.factories import CampaignFactory

    return CampaignFactory(street=world.street(relation), name=label(relation))


@builder("liaison")
def _liaison(world: World, user: User, relation: str):
    from tests.enterprises.factories import LiaisonFactory

    return LiaisonFactory(enterprise=_enterprise(world, user, relation), officer=world.stranger(relation))
