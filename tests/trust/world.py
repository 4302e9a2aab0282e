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


# --- appeals --------------------------------------------------------------------------------------------------
@builder("appeal")
def _appeal(world: World, user: User, relation: str):
    """For a department handler, "own" = sent to their department, "other" = sent to another department (in
    the same street: departments are not scoped by street). For everyone else own/other = street."""
    from appeals import services
    from tests.appeals.factories import make_appeal

    street_relation = "own" if user.role == Role.DEPARTMENT else relation
    firm = _enterprise(world, user, street_relation)
    text = f"{firm.name}诉求"
    manager = world.stranger(street_relation)
    appeal = make_appeal(enterprise=firm, officer=manager, description=text, title=text, at_=timezone.now())
    if user.role == Role.DEPARTMENT:
        department = world.department if relation == "own" else world.other_department
        services.transfer(appeal, actor=None, department=department)
    return appeal


@builder("appeal_attachment")
def _appeal_attachment(world: World, user: User, relation: str):
    from django.core.files.base import ContentFile

    from appeals.models import AppealAttachment

    att = AppealAttachment(appeal=_appeal(world, user, relation), name="照片.txt")
    att.file.save("photo.txt", ContentFile(b"hello"), save=True)
    att._marker = att.appeal.title
    return att


@builder("extension")
def _extension(world: World, user: User, relation: str):
    from datetime import timedelta

    from appeals import services

    appeal = _appeal(world, user, relation)
    services.respond(appeal, actor=None)
    extension = services.request_extension(appeal, actor=None, requested_due=timezone.now() + timedelta(days=30),
                                           reason=label(relation))
    extension._marker = appeal.title
    return extension


@builder("transferred_appeal")
def _transferred_appeal(world: World, user: User, relation: str):
    """An appeal with an open department task (a department's own = sent to it)."""
    from appeals import services

    appeal = _appeal(world, user, relation)
    if user.role != Role.DEPARTMENT:
        services.transfer(appeal, actor=None, department=world.department)
    return appeal


# --- namelists ------------------------------------------------------------------------------------------------
@builder("import_batch")
def _import_batch(world: World, user: User, relation: str):
    from django.core.files.base import ContentFile

    from namelists.models import ImportBatch

    name = f"{label(relation)}.csv"
    batch = ImportBatch(file_name=name, sha256="0" * 64, size=10, list_kind="sishang", year=2025,
                        street=world.street(relation), created_by=world.stranger(relation))
    batch.file.save(name, ContentFile("统一社会信用代码,企业名称\n".encode()), save=False)
    batch.report.save("report.xlsx", ContentFile(b"PK"), save=True)
    batch._marker = name
    return batch


# --- pipelines ------------------------------------------------------------------------------------------------
@builder("project")
def _project(world: World, user: User, relation: str):
    from tests.pipelines.factories import ProjectFactory

    return ProjectFactory(street=world.street(relation), name=f"{label(relation)}项目",
                          officer=world.stranger(relation))


@builder("confidential_project")
def _confidential_project(world: World, user: User, relation: str):
    """A confidential deal in the user's street that the user is NOT in charge of ("own"), or one elsewhere."""
    project = _project(world, user, relation)
    project.confidential = True
    project.save()
    return project


@builder("vacancy")
def _vacancy(world: World, user: User, relation: str):
    from tests.enterprises.factories import ParkFactory
    from tests.pipelines.factories import VacancyFactory

    vacancy = VacancyFactory(park=ParkFactory(street=world.street(relation), name=f"{label(relation)}园"))
    vacancy._marker = vacancy.park.name
    return vacancy


@builder("park")
def _park(world: World, user: User, relation: str):
    from tests.enterprises.factories import ParkFactory

    park = ParkFactory(street=world.street(relation), name=f"{label(relation)}园区")
    park._marker = park.name
    return park


@builder("demand")
def _demand(world: World, user: User, relation: str):
    from tests.pipelines.factories import SpaceDemandFactory

    demand = SpaceDemandFactory(project=_project(world, user, relation), note=label(relation))
    demand._vacancy = _vacancy(world, user, relation)
    demand._marker = demand.project.name
    return demand


@builder("event")
def _event(world: World, user: User, relation: str):
    from tests.pipelines.factories import EventFactory

    return EventFactory(street=world.street(relation), title=label(relation))


@builder("target")
def _target(world: World, user: User, relation: str):
    from tests.pipelines.factories import TargetFactory

    target = TargetFactory(street=world.street(relation), year=2000 + next(_seq))
    target._marker = str(target.year)
    return target


@builder("classification")
def _classification(world: World, user: User, relation: str):
    from tests.enterprises.factories import ClassificationFactory

    c = ClassificationFactory(enterprise=_enterprise(world, user, relation))
    c._marker = c.enterprise.name
    return c


@builder("contact")
def _contact(world: World, user: User, relation: str):
    from tests.enterprises.factories import ContactFactory

    c = ContactFactory(enterprise=_enterprise(world, user, relation), name=label(relation))
    return c


# --- economy --------------------------------------------------------------------------------------------------
@builder("monthly_figure")
def _monthly_figure(world: World, user: User, relation: str):
    from economy.models import MonthlyFigure
    from tests.enterprises.factories import EnterpriseFactory

    firm = EnterpriseFactory(street=world.street(relation), name=f"深圳市{label(relation)}科技有限公司")
    MonthlyFigure.objects.create(enterprise=firm, indicator="industrial_output", month=dt.date(2026, 5, 1),
                                 street=world.street(relation), value=2, ytd=20, ytd_last_year=10)
    from economy.rollup import refresh

    refresh("industrial_output", dt.date(2026, 5, 1))
    return firm
# --- policies -------------------------------------------------------------------------------------------------
@builder("policy")
def _policy(world: World, user: User, relation: str):
    """A street's own policy (营商环境七条): "other" belongs to the other street."""
    from tests.policies.factories import PolicyFactory

    return PolicyFactory(street=world.street(relation), title=f"{label(relation)}政策")


@builder("policy_import")
def _policy_import(world: World, user: User, relation: str):
    from policies.models import PaymentImport

    name = f"{label(relation)}兑现名单.csv"
    batch = PaymentImport.objects.create(policy=_policy(world, user, relation), kind="payments", file_name=name,
                                         street=world.street(relation), created_by=world.stranger(relation))
    batch._marker = name
    return batch


@builder("policy_attachment")
def _policy_attachment(world: World, user: User, relation: str):
    from django.core.files.base import ContentFile

    from policies.models import PolicyAttachment

    att = PolicyAttachment(policy=_policy(world, user, relation), original_name="政策原文.txt", size=5)
    att.file.save("policy.txt", ContentFile(b"hello"), save=True)
    att._marker = att.policy.title
    return att


@builder("delivery")
def _delivery(world: World, user: User, relation: str):
    """A district-wide policy delivered to a firm of the relation's street."""
    from tests.policies.factories import DeliveryFactory, PolicyFactory

    firm = _enterprise(world, user, relation)
    delivery = DeliveryFactory(policy=PolicyFactory(street=None), enterprise=firm, officer=world.stranger(relation))
    delivery._marker = firm.name
    return delivery
# --- matchmaking ----------------------------------------------------------------------------------------------
@builder("mm_need")
def _mm_need(world: World, user: User, relation: str):
    from tests.matchmaking.factories import NeedFactory

    return NeedFactory(enterprise=_enterprise(world, user, relation), title=label(relation))


@builder("mm_product")
def _mm_product(world: World, user: User, relation: str):
    from tests.matchmaking.factories import ProductFactory

    return ProductFactory(enterprise=_enterprise(world, user, relation), name=label(relation))


@builder("mm_fp")
def _mm_fp(world: World, user: User, relation: str):
    from tests.matchmaking.factories import FinancialProductFactory

    return FinancialProductFactory(name=label(relation)[:100])


@builder("mm_event")
def _mm_event(world: World, user: User, relation: str):
    """A 对接会 of the street with one invited firm (its outcome page lists it)."""
    from matchmaking.models import Invitation
    from pipelines.models import Event
    from tests.pipelines.factories import EventFactory

    event = EventFactory(street=world.street(relation), title=label(relation), kind=Event.Kind.MATCHMAKING)
    Invitation.objects.create(event=event, enterprise=_enterprise(world, user, relation), role="supplier",
                              invited_by=world.stranger(relation), invited_on=event.held_on)
    return event


@builder("mm_intro")
def _mm_intro(world: World, user: User, relation: str):
    from tests.matchmaking.factories import IntroductionFactory

    need = _mm_need(world, user, relation)
    return IntroductionFactory(need=need, party_b=_enterprise(world, user, relation),
                               introduced_by=world.stranger(relation), note=label(relation))


@builder("space_investment")
def _space_investment(world: World, user: User, relation: str):
    from tests.space.factories import InvestmentProjectFactory

    return InvestmentProjectFactory(street=world.street(relation), name=f"{label(relation)}固投")


@builder("renewal")
def _renewal(world: World, user: User, relation: str):
    from tests.space.factories import RenewalProjectFactory

    return RenewalProjectFactory(street=world.street(relation), name=f"{label(relation)}更新")


@builder("renewal_milestone")
def _renewal_milestone(world: World, user: User, relation: str):
    from tests.space.factories import RenewalMilestoneFactory

    return RenewalMilestoneFactory(project=_renewal(world, user, relation), name=label(relation))
