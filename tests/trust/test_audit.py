"""Audit: logins (success and failure), exports, and the change history of every record users change —
who, when, before → after — kept when the record is deleted."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.urls import reverse

from crm.audit import change_rows, filters_of, log_export
from crm.models import ExportLog, SpecialDay

pytestmark = pytest.mark.django_db

PASSWORD = "Pass-word-123"


def test_a_successful_login_is_logged_with_user_ip_and_time(client, officer):
    response = client.post(reverse("login"), {"username": officer.username, "password": PASSWORD},
                           REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="trust-test")
    assert response.status_code == 302
    log = AccessLog.objects.get(username=officer.username)
    assert log.ip_address == "10.1.2.3" and log.user_agent == "trust-test" and log.attempt_time


def test_a_failed_login_is_logged_and_kept_after_a_later_success(client, officer):
    client.post(reverse("login"), {"username": officer.username, "password": "wrong"}, REMOTE_ADDR="10.9.9.9")
    assert AccessFailureLog.objects.filter(username=officer.username, ip_address="10.9.9.9").count() == 1
    assert AccessAttempt.objects.filter(username=officer.username).exists()
    client.post(reverse("login"), {"username": officer.username, "password": PASSWORD}, REMOTE_ADDR="10.9.9.9")
    # The lockout counter resets on success; the failure stays in the audit log.
    assert not AccessAttempt.objects.filter(username=officer.username).exists()
    assert AccessFailureLog.objects.filter(username=officer.username).count() == 1


def test_a_failed_login_for_an_unknown_user_is_logged_too(client, db):
    client.post(reverse("login"), {"username": "nobody", "password": "x"})
    assert AccessFailureLog.objects.filter(username="nobody").exists()


def test_log_export_records_who_what_rows_personal_data_and_filters(officer, rf):
    request = rf.get("/enterprises/export/?q=科技&kind=sishang&kind=zjtx")
    entry = log_export(officer, what="企业名录", rows=12, personal_data=True, filters=filters_of(request.GET))
    entry.refresh_from_db()
    assert entry.user == officer and entry.username == officer.username
    assert entry.what == "企业名录" and entry.rows == 12 and entry.personal_data is True
    assert entry.filters == {"q": "科技", "kind": ["sishang", "zjtx"]}
    assert entry.created_at is not None


def test_log_export_keeps_odd_filter_values_as_text(officer):
    import datetime as dt
    from decimal import Decimal

    entry = log_export(officer, what="x", rows=-3, personal_data=False,
                       filters={"since": dt.date(2025, 1, 2), "min": Decimal("1.5"), "street": officer.street})
    entry.refresh_from_db()
    assert entry.rows == 0
    assert entry.filters == {"since": "2025-01-02", "min": "1.5", "street": officer.street_id}


def test_export_log_survives_nothing_but_keeps_the_name_if_the_user_is_renamed(officer):
    entry = log_export(officer, what="诉求清单", rows=1, personal_data=False)
    officer.username = "renamed"
    officer.save()
    assert ExportLog.objects.get(pk=entry.pk).username == "officer_mt"


def test_change_rows_show_who_when_and_before_after(admin_user):
    from simple_history.utils import update_change_reason  # noqa: F401 - the library is what we rely on

    day = SpecialDay(date="2031-10-08", kind=SpecialDay.Kind.HOLIDAY, name="国庆")
    day._history_user = admin_user
    day.save()
    day.name = "国庆节"
    day._history_user = admin_user
    day.save()
    rows = change_rows(day)
    assert [r.action for r in rows] == ["修改", "新建"]
    assert rows[0].who == admin_user and rows[0].when is not None
    assert rows[0].changes == [("名称", "国庆", "国庆节")]


# --- every model users change carries a history, and deletions keep it ------------------------------------
AUDITED_APPS = ("crm", "enterprises", "namelists", "appeals", "pipelines")
# Models without a change history, each with the reason. Anything else in the audited apps must have one.
NO_HISTORY = {
    "crm.district": "reference data loaded by migrations/admin, not edited day to day",
    "crm.street": "reference data",
    "crm.community": "reference data",
    "crm.notification": "a message log itself (created once, only read_at changes)",
    "crm.notificationpreference": "a user's own delivery preference",
    "crm.exportlog": "an audit log itself, append-only",
    "crm.department": "organisation reference data, edited in the admin only (Django's LogEntry records it)",
    "crm.team": "organisation reference data, edited in the admin only (Django's LogEntry records it)",
    "enterprises.industrycategory": "GB/T 4754-2017 table, loaded by a data migration",
    "enterprises.cluster": "Shenzhen's 20+8 industry clusters, loaded by a data migration; edited in the admin only "
                           "(Django's LogEntry records it)",
    "enterprises.sishangthreshold": "yearly thresholds loaded by a data migration; admin edits via LogEntry",
    "enterprises.visitattachment": "append-only file of a visit (uploaded_by, uploaded_at); the visit has history",
    "namelists.importissue": "an import's own log rows",
    "namelists.importchange": "an import's own before/after log rows",
    "appeals.appealattachment": "append-only file of an appeal (the appeal's events log it)",
    "appeals.appealevent": "the appeal's event log itself, append-only",
    "appeals.slaclock": "derived from the appeal's events, recomputed by the SLA service",
    "appeals.deadlinemove": "an audit row itself (who moved which deadline, why)",
    "pipelines.stagechange": "the project's stage history itself, append-only",
    "pipelines.targetsnapshot": "a computed monthly snapshot, never edited",
}


# Reference tables a data migration fills: a fresh database has their rows before anyone logs in.
LOADED_BY_DATA_MIGRATION = ("enterprises.industrycategory", "enterprises.sishangthreshold", "enterprises.cluster")


def _filled_by_data_migrations() -> set[str]:
    """Models a RunPython operation of their app's migrations writes (its code names the model)."""
    import inspect

    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations import RunPython

    filled = set()
    for (app_label, _name), migration in MigrationLoader(None, ignore_no_migrations=True).disk_migrations.items():
        if app_label not in AUDITED_APPS:
            continue
        code = "".join(inspect.getsource(op.code) for op in migration.operations if isinstance(op, RunPython))
        filled |= {m._meta.label_lower for m in apps.get_app_config(app_label).get_models()
                   if f'"{m.__name__}"' in code or f"'{m.__name__}'" in code}
    return filled


def test_the_tables_said_to_be_loaded_by_a_data_migration_are_filled_by_one():
    said = {label for label, reason in NO_HISTORY.items() if "data migration" in reason}
    assert said == set(LOADED_BY_DATA_MIGRATION)
    assert set(LOADED_BY_DATA_MIGRATION) <= _filled_by_data_migrations()
    # and a table whose reason does not say so is not filled by one
    assert "enterprises.park" not in _filled_by_data_migrations()


def _audited_models():
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label not in AUDITED_APPS or label.split(".")[1].startswith("historical"):
            continue
        if model._meta.auto_created or not model._meta.managed:
            continue
        yield model


def test_every_model_users_change_has_a_change_history():
    missing = [m._meta.label_lower for m in _audited_models()
               if not hasattr(m, "history") and m._meta.label_lower not in NO_HISTORY]
    assert not missing, (
        "These models have no `history = HistoricalRecords()` and no reason in NO_HISTORY "
        f"(tests/trust/test_audit.py): {missing}"
    )


def _enterprise(street):
    from tests.enterprises.factories import EnterpriseFactory

    return EnterpriseFactory(street=street)


def _make(kind: str, street, user):
    """One record of each kind the issue names, built through the apps' factories/services."""
    import datetime as dt

    if kind == "enterprise":
        return _enterprise(street), "name", "深圳市改名后科技有限公司"
    if kind == "classification":
        from tests.enterprises.factories import ClassificationFactory

        return ClassificationFactory(enterprise=_enterprise(street)), "year", 2024
    if kind == "liaison":
        from tests.enterprises.factories import LiaisonFactory

        return LiaisonFactory(enterprise=_enterprise(street), officer=user), "end_date", dt.date(2025, 12, 31)
    if kind == "visit":
        from tests.enterprises.factories import VisitFactory

        return VisitFactory(enterprise=_enterprise(street), created_by=user), "notes", "复访：用工问题已解决"
    if kind == "appeal":
        from tests.appeals.factories import make_appeal

        return make_appeal(enterprise=_enterprise(street), officer=user), "description", "改为：用电增容"
    if kind == "project":
        from tests.pipelines.factories import ProjectFactory

        return ProjectFactory(street=street, officer=user), "next_action", "签约仪式"
    if kind == "target":
        from tests.pipelines.factories import TargetFactory

        from decimal import Decimal

        target = TargetFactory(street=street)
        target.refresh_from_db()
        return target, "target_value", Decimal("5.00")
    if kind == "sla_policy":
        from appeals.models import SlaPolicy

        from tests.appeals.factories import AppealCategoryFactory

        policy = SlaPolicy.objects.create(category=AppealCategoryFactory(), urgency="urgent", warning_share=75)
        return policy, "warning_share", 60
    if kind == "calendar_day":
        return SpecialDay.objects.create(date=dt.date(2031, 5, 6), kind=SpecialDay.Kind.HOLIDAY, name="x"), "name", "y"
    if kind == "calendar_year":
        from crm.models import CalendarYear

        return CalendarYear.objects.create(year=2033), "status", CalendarYear.Status.OFFICIAL
    raise AssertionError(kind)


AUDITED_KINDS = ["enterprise", "classification", "liaison", "visit", "appeal", "project", "target", "sla_policy",
                 "calendar_day", "calendar_year"]


@pytest.mark.parametrize("kind", AUDITED_KINDS)
def test_changes_are_recorded_with_who_when_before_after_and_kept_after_deletion(kind, street, manager):
    obj, field, new_value = _make(kind, street, manager)
    model = type(obj)
    pk = obj.pk
    old_value = getattr(obj, field)
    setattr(obj, field, new_value)
    obj._history_user = manager
    obj.save()
    latest = obj.history.order_by("-history_id").first()
    assert latest.history_type == "~" and latest.history_user == manager and latest.history_date
    delta = latest.diff_against(latest.prev_record)
    change = next(c for c in delta.changes if c.field == field)
    assert str(change.old) == str(old_value) and str(change.new) == str(new_value)

    obj._history_user = manager
    obj.delete()  # every audited kind can be deleted; its history must survive it (no skipping a kind)
    assert not model.objects.filter(pk=pk).exists()
    trail = model.history.filter(**{model._meta.pk.attname: pk}).order_by("history_id")
    assert [h.history_type for h in trail][-2:] == ["~", "-"]
    deleted = trail.last()
    assert deleted.history_user == manager
    assert str(getattr(deleted, field)) == str(new_value)  # the last state is kept with the deletion


def test_a_change_made_through_a_page_records_the_signed_in_user(client_for, admin_user):
    client = client_for(admin_user)
    response = client.post(reverse("calendar:day_save"), {"date": "2031-02-03", "kind": "holiday", "name": "春节"})
    assert response.status_code == 302
    day = SpecialDay.objects.get(date="2031-02-03")
    assert day.history.first().history_user == admin_user


def test_a_change_is_visible_on_the_records_page_with_who_and_before_after(client_for, street, statistician, manager):
    from tests.enterprises.factories import EnterpriseFactory

    firm = EnterpriseFactory(street=street, name="深圳市旧名称科技有限公司")
    firm.name = "深圳市新名称科技有限公司"
    firm._history_user = statistician
    firm.save()
    c = client_for(manager)
    body = c.get(reverse("enterprises:detail", args=[firm.pk])).content.decode()
    history = reverse("enterprises:history", args=[firm.pk])
    assert "变更记录" in body and f'hx-get="{history}"' in body  # the section loads its records when opened
    body = c.get(history).content.decode()
    assert "深圳市旧名称科技有限公司" in body and statistician.display_name in body


def test_an_appeals_page_shows_who_did_what_and_when(client_for, street, officer, manager):
    from tests.appeals.factories import make_appeal

    appeal = make_appeal(street=street, officer=officer, description="用电增容需求")
    body = client_for(manager).get(reverse("appeals:detail", args=[appeal.pk])).content.decode()
    assert officer.display_name in body and "用电增容需求" in body
