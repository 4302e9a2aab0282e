import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from crm.models import Role
from pipelines.models import Project, Stage, StageChange, Tier, tier_for
from pipelines.services.projects import create_project, move_stage
from tests.crm.factories import TeamFactory, UserFactory
from tests.pipelines.factories import ProjectFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


@pytest.mark.parametrize("amount, tier", [
    (Decimal("150"), Tier.HUNDRED), (Decimal("100"), Tier.HUNDRED), (Decimal("99.9999"), Tier.TEN),
    (Decimal("10"), Tier.TEN), (Decimal("9.99"), Tier.ONE), (Decimal("1"), Tier.ONE), (Decimal("0.5"), Tier.BELOW),
    (None, Tier.BELOW),
])
def test_tier_boundaries(amount, tier):
    assert tier_for(amount) == tier


def test_tier_is_stored_on_save_and_follows_changes(street):
    project = ProjectFactory(street=street, planned_investment=Decimal("12"))
    assert project.tier == Tier.TEN
    project.planned_investment = Decimal("120")
    project.save()
    assert Project.objects.get(pk=project.pk).tier == Tier.HUNDRED


def test_create_project_records_first_stage_and_requires_next_action(street, officer):
    with pytest.raises(ValidationError):
        create_project(actor=officer, street_id=street.pk, name="X", investor_name="Y",
                       planned_investment=Decimal("2"), officer=officer)
    project = create_project(actor=officer, street_id=street.pk, name="X", investor_name="Y",
                             planned_investment=Decimal("2"), officer=officer, next_action="拜访",
                             next_action_due=TODAY)
    change = project.stage_changes.get()
    assert (change.from_stage, change.to_stage, change.by) == ("", Stage.LEAD, officer)


def test_stage_moves_are_dated_and_kept_and_drive_milestones(street, officer):
    project = ProjectFactory(street=street, stage=Stage.NEGOTIATION)
    d1, d2 = TODAY - dt.timedelta(days=20), TODAY - dt.timedelta(days=5)
    move_stage(project, Stage.SIGNED, actor=officer, on=d1, note="签约仪式")
    move_stage(project, Stage.REGISTERED, actor=officer, on=d2)
    project.refresh_from_db()
    assert project.stage == Stage.REGISTERED
    assert project.signed_on == d1 and project.registered_on == d2 and project.counted_on is None
    history = list(project.stage_changes.values_list("from_stage", "to_stage", "on", "by"))
    assert history == [(Stage.NEGOTIATION, Stage.SIGNED, d1, officer.pk), (Stage.SIGNED, Stage.REGISTERED, d2, officer.pk)]


def test_signed_on_is_first_entry_into_signed_even_after_pause(street, officer):
    project = ProjectFactory(street=street, stage=Stage.NEGOTIATION)
    first = TODAY - dt.timedelta(days=30)
    move_stage(project, Stage.SIGNED, actor=officer, on=first)
    move_stage(project, Stage.PAUSED, actor=officer, on=TODAY - dt.timedelta(days=20), reason="资金未到位")
    move_stage(project, Stage.SIGNED, actor=officer, on=TODAY)
    project.refresh_from_db()
    assert project.signed_on == first
    assert project.stage_reason == ""


def test_skipping_a_stage_dates_the_skipped_milestone(street, officer):
    project = ProjectFactory(street=street, stage=Stage.NEGOTIATION)
    move_stage(project, Stage.REGISTERED, actor=officer, on=TODAY)
    project.refresh_from_db()
    assert project.signed_on == TODAY == project.registered_on


def test_lost_needs_a_reason_and_a_rejected_move_changes_nothing(street, officer):
    project = ProjectFactory(street=street, stage=Stage.CONTACT)
    with pytest.raises(ValidationError):
        move_stage(project, Stage.LOST, actor=officer, reason=" ")
    with pytest.raises(ValidationError):
        move_stage(project, Stage.SIGNED, actor=officer, on=TODAY + dt.timedelta(days=1))
    assert StageChange.objects.filter(project=project).count() == 0
    move_stage(project, Stage.LOST, actor=officer, reason="落户外区")
    project.refresh_from_db()
    assert project.stage == Stage.LOST and project.stage_reason == "落户外区"


def test_move_cannot_be_dated_before_previous_change(street, officer):
    project = ProjectFactory(street=street, stage=Stage.CONTACT)
    move_stage(project, Stage.NEGOTIATION, actor=officer, on=TODAY)
    with pytest.raises(ValidationError):
        move_stage(project, Stage.SIGNED, actor=officer, on=TODAY - dt.timedelta(days=3))


def test_confidential_projects_visible_only_to_officer_team_and_leadership(street, other_street, manager,
                                                                           statistician, admin_user):
    owner = UserFactory(role=Role.OFFICER, street=street)
    member = UserFactory(role=Role.OFFICER, street=street)
    outsider = UserFactory(role=Role.OFFICER, street=street)
    team = TeamFactory(street=street)
    team.members.add(member)
    secret = ProjectFactory(street=street, officer=owner, team=team, confidential=True)
    public = ProjectFactory(street=street, officer=owner)
    foreign = ProjectFactory(street=other_street)

    def visible(user):
        return set(Project.objects.visible_to(user).values_list("pk", flat=True))

    assert visible(owner) == {secret.pk, public.pk}
    assert visible(member) == {secret.pk, public.pk}
    assert visible(manager) == {secret.pk, public.pk}
    assert visible(outsider) == {public.pk}
    assert visible(statistician) == {public.pk}
    assert visible(admin_user) == {secret.pk, public.pk, foreign.pk}


def test_projects_for_enterprise_respects_scope(street, officer, other_officer):
    from pipelines.selectors import projects_for_enterprise
    from tests.pipelines.factories import EnterpriseFactory

    firm = EnterpriseFactory(street=street)
    project = ProjectFactory(street=street, enterprise=firm)
    ProjectFactory(street=street, enterprise=firm, confidential=True)
    assert list(projects_for_enterprise(firm, officer)) == [project]
    assert list(projects_for_enterprise(firm, other_officer)) == []
