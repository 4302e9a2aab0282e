"""Every appeal workflow action × every role, through the services and through the URL.

The expected table is written out here, on purpose apart from appeals.services.permissions.ACTION_ROLES: a change
to who may do what must change both. A refused action must leave everything as it was - the appeal, its clocks,
its event log, its attachments, its extension requests, its department handling and the notifications - not only
answer with an error (issue 15 §3: a statistician's forged 部门答复, 延期申请 and 附件 were stored)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from appeals import services
from appeals.models import Appeal, AppealAttachment, AppealEvent, DepartmentTask, ExtensionRequest, SlaClock
from crm.models import Notification, Role
from tests.appeals.factories import at, make_appeal
from tests.crm.factories import UserFactory

pytestmark = pytest.mark.django_db

O, S, M, D, A, DI = "officer", "statistician", "manager", "department", "admin", "district"
ROLES = (O, S, M, D, A, DI)
STREET = {O, M, A}
# action → the roles that may do it (an administrator here is a plain 系统管理员 account, not a superuser).
EXPECTED = {
    "sign": STREET,
    "respond": STREET,
    "transfer": STREET,
    "department_sign": {D, A},
    "department_reply": {D, A},
    "return": {D, A},
    "extend": STREET,
    "decide_extension": {M, A},
    "resolve": STREET,
    "followup": STREET,
    "merge": STREET,
    "attach": {O, M, D, A},
}
NOW = at(2026, 2, 13, 11)
LATER = at(2026, 3, 3, 18)


@pytest.fixture
def users(officer, statistician, manager, department_user, street):
    return {
        O: officer, S: statistician, M: manager, D: department_user,
        A: UserFactory(role=Role.ADMIN, street=None, username="plain_admin"),
        DI: UserFactory(role=Role.DISTRICT, street=None, username="district_leader"),
    }


def _setup(action: str, users: dict) -> tuple[Appeal, dict]:
    """An appeal of the officer's street in the state where `action` can be done, and the action's arguments."""
    officer, department = users[O], users[D].department
    appeal = make_appeal(officer=officer)
    kwargs: dict = {}
    if action in ("department_sign", "department_reply", "return", "attach"):
        services.transfer(appeal, actor=None, department=department, at=at(2026, 2, 13, 10, 30))
    if action == "decide_extension":
        kwargs["request"] = services.request_extension(appeal, actor=None, requested_due=LATER, reason="需踏勘",
                                                       at=at(2026, 2, 13, 10, 30))
    if action == "followup":
        services.resolve(appeal, actor=None, answer="已协调解决", at=at(2026, 2, 13, 10, 30))
    if action == "merge":
        kwargs["into"] = make_appeal(enterprise=appeal.enterprise, officer=officer)
    appeal.refresh_from_db()
    return appeal, kwargs


def _call(action: str, appeal: Appeal, actor, kwargs: dict):
    if action == "sign":
        return services.sign(appeal, actor=actor, at=NOW)
    if action == "respond":
        return services.respond(appeal, actor=actor, comment="已电话联系", at=NOW)
    if action == "transfer":
        return services.transfer(appeal, actor=actor, department=_department(), at=NOW)
    if action == "department_sign":
        return services.department_sign(appeal, actor=actor, at=NOW)
    if action == "department_reply":
        return services.department_reply(appeal, actor=actor, reply="伪造的部门答复", at=NOW)
    if action == "return":
        return services.department_return(appeal, actor=actor, reason="不属本部门", at=NOW)
    if action == "extend":
        return services.request_extension(appeal, actor=actor, requested_due=LATER, reason="需要更多时间", at=NOW)
    if action == "decide_extension":
        return services.decide_extension(kwargs["request"], actor=actor, approve=True, at=NOW)
    if action == "resolve":
        return services.resolve(appeal, actor=actor, answer="已答复企业", at=NOW)
    if action == "followup":
        return services.record_followup(appeal, actor=actor, result="satisfied", at=NOW)
    if action == "merge":
        return services.merge(appeal, into=kwargs["into"], actor=actor, at=NOW)
    if action == "attach":
        return services.add_attachment(appeal, actor=actor, upload=SimpleUploadedFile("现场.txt", b"photo"))
    raise AssertionError(action)


def _department():
    from tests.crm.factories import DepartmentFactory

    return DepartmentFactory(name="矩阵测试住建局")


def snapshot(*appeals: Appeal) -> dict:
    """Everything an action could change, for these appeals."""
    ids = [a.pk for a in appeals]
    return {
        "appeals": list(Appeal.objects.filter(pk__in=ids).order_by("pk").values()),
        "clocks": list(SlaClock.objects.filter(appeal_id__in=ids).order_by("pk").values()),
        "events": list(AppealEvent.objects.filter(appeal_id__in=ids).order_by("pk").values()),
        "attachments": list(AppealAttachment.objects.filter(appeal_id__in=ids).order_by("pk").values()),
        "extensions": list(ExtensionRequest.objects.filter(appeal_id__in=ids).order_by("pk").values()),
        "tasks": list(DepartmentTask.objects.filter(appeal_id__in=ids).order_by("pk").values()),
        "notifications": list(Notification.objects.order_by("pk").values_list("pk", flat=True)),
    }


def test_the_expected_table_covers_every_action_of_the_services():
    assert set(EXPECTED) | {"create", "recompute", "edit_policy"} == set(services.ACTION_ROLES)


@pytest.mark.parametrize("action", sorted(EXPECTED))
@pytest.mark.parametrize("role", ROLES)
def test_service_allows_exactly_the_roles_of_the_table_and_a_refusal_changes_nothing(users, action, role):
    appeal, kwargs = _setup(action, users)
    related = [appeal] + ([kwargs["into"]] if "into" in kwargs else [])
    before = snapshot(*related)
    if role in EXPECTED[action]:
        _call(action, appeal, users[role], kwargs)
        after = snapshot(*related)
        assert after["events"] != before["events"], f"{role} {action}: allowed but nothing was logged"
    else:
        with pytest.raises(services.ActionNotAllowed):
            _call(action, appeal, users[role], kwargs)
        assert snapshot(*related) == before, f"{role} {action}: refused, yet something changed"


# The URL of each action and the form it posts (a well-formed request: only the role may make it fail).
def _post_data(action: str, appeal: Appeal, kwargs: dict) -> dict:
    return {
        "transfer": {"department": _department().pk},
        "department_reply": {"reply": "伪造的部门答复"},
        "return": {"reason": "不属本部门"},
        "extend": {"due": "2026-03-03T18:00", "reason": "需要更多时间"},
        "resolve": {"answer": "已答复企业"},
        "followup": {"result": "satisfied"},
        "merge": {"into": kwargs["into"].pk} if "into" in kwargs else {},
        "attach": {"file": SimpleUploadedFile("现场.txt", b"photo")},
    }.get(action, {})


URL_ACTIONS = sorted(set(EXPECTED) - {"decide_extension"})


@pytest.mark.parametrize("action, role", [(a, r) for a in URL_ACTIONS for r in ROLES if r not in EXPECTED[a]])
def test_a_forged_post_by_a_refused_role_is_403_and_changes_nothing(client_for, users, action, role):
    appeal, kwargs = _setup(action, users)
    related = [appeal] + ([kwargs["into"]] if "into" in kwargs else [])
    before = snapshot(*related)
    url = reverse("appeals:action", args=[appeal.pk, action])
    response = client_for(users[role]).post(url, _post_data(action, appeal, kwargs))
    # A department handler does not even see an appeal that was not sent to it: 404 rather than 403.
    visible = Appeal.objects.visible_to(users[role]).filter(pk=appeal.pk).exists()
    assert response.status_code == (403 if visible else 404)
    assert snapshot(*related) == before


def test_the_attacks_of_the_penetration_test_are_refused(client_for, users):
    """issue 15 §3: as a statistician, department_reply, extend and attach succeeded."""
    appeal, _ = _setup("attach", users)
    before = snapshot(appeal)
    client = client_for(users[S])
    for action, data in (("department_reply", {"reply": "伪造"}), ("extend", {"due": "2026-03-03T18:00",
                                                                            "reason": "x"}),
                         ("attach", {"file": SimpleUploadedFile("x.txt", b"x")})):
        assert client.post(reverse("appeals:action", args=[appeal.pk, action]), data).status_code == 403
    assert snapshot(appeal) == before


def test_a_statistician_cannot_sign(users):
    appeal = make_appeal(officer=users[O])
    with pytest.raises(services.ActionNotAllowed, match="不能签收"):
        services.sign(appeal, actor=users[S], at=NOW)
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.NEW
    assert SlaClock.objects.get(appeal=appeal, metric="sign").state == SlaClock.State.RUNNING


def test_an_officer_of_another_street_is_refused_by_the_service_too(users, other_officer):
    appeal = make_appeal(officer=users[O])
    before = snapshot(appeal)
    with pytest.raises(services.ActionNotAllowed):
        services.resolve(appeal, actor=other_officer, answer="越权办结", at=NOW)
    assert snapshot(appeal) == before


def test_allowed_department_actions_through_the_url(client_for, users):
    appeal, _ = _setup("department_sign", users)
    client = client_for(users[D])
    response = client.post(reverse("appeals:action", args=[appeal.pk, "department_sign"]))
    assert response.status_code == 302
    assert DepartmentTask.objects.get(appeal=appeal).state == DepartmentTask.State.SIGNED
