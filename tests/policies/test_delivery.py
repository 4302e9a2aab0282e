"""Push, the journey, reminders, the payments import and the dashboards."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.models import Notification, Role
from namelists import services as namelist_services
from namelists.errors import ImportRefused
from namelists.models import ImportBatch
from policies import selectors, services
from policies.models import Delivery, DeliveryStep, Stage
from tests.crm.factories import UserFactory
from tests.enterprises.factories import ClassificationFactory, EnterpriseFactory, FigureFactory, LiaisonFactory
from tests.policies.factories import PolicyFactory

BIG = {"all": [{"figure": {"field": "revenue", "year": 2025, "min": 2000}}]}


@pytest.fixture
def firms(street, officer):
    big = FigureFactory(enterprise=EnterpriseFactory(street=street, name="大企业"), year=2025, revenue=5000).enterprise
    LiaisonFactory(enterprise=big, officer=officer)
    orphan = FigureFactory(enterprise=EnterpriseFactory(street=street, name="无挂点企业"), year=2025,
                           revenue=3000).enterprise
    small = FigureFactory(enterprise=EnterpriseFactory(street=street, name="小企业"), year=2025, revenue=100).enterprise
    return big, orphan, small


def _push_keys():
    return set(Notification.objects.filter(kind="policy_push").values_list("recipient_id", "key"))


def test_push_gives_each_matched_firm_a_task_for_its_liaison_or_the_street_manager(firms, manager, officer):
    big, orphan, small = firms
    policy = PolicyFactory(rules=BIG)
    result = services.push(policy, actor=manager)
    assert result == {"created": 2, "notified": 2}
    owners = dict(Delivery.objects.filter(policy=policy).values_list("enterprise_id", "officer_id"))
    assert owners == {big.pk: officer.pk, orphan.pk: manager.pk}
    assert _push_keys() == {(officer.pk, f"policy:{policy.pk}:push:{big.pk}"),
                            (manager.pk, f"policy:{policy.pk}:push:{orphan.pk}")}


def test_a_repush_after_the_rules_change_notifies_only_newly_matched_firms(firms, manager):
    big, orphan, small = firms
    policy = PolicyFactory(rules=BIG)
    services.push(policy, actor=manager)
    assert services.push(policy, actor=manager) == {"created": 0, "notified": 0}
    policy.rules = {"all": [{"figure": {"field": "revenue", "year": 2025, "min": 50}}]}
    policy.save()
    before = _push_keys()
    assert services.push(policy, actor=manager) == {"created": 1, "notified": 1}
    assert _push_keys() - before == {(manager.pk, f"policy:{policy.pk}:push:{small.pk}")}


def test_push_reaches_only_the_actors_street_and_needs_the_push_role(firms, manager, officer, other_street):
    elsewhere = FigureFactory(enterprise=EnterpriseFactory(street=other_street), year=2025, revenue=9000).enterprise
    policy = PolicyFactory(rules=BIG)
    with pytest.raises(PermissionDenied):
        services.push(policy, actor=officer)
    services.push(policy, actor=manager)
    assert not Delivery.objects.filter(enterprise=elsewhere).exists()


def test_a_draft_policy_cannot_be_pushed(firms, manager):
    with pytest.raises(ValidationError):
        services.push(PolicyFactory(rules=BIG, status="draft"), actor=manager)
    assert not Delivery.objects.exists()


def test_the_journey_moves_forward_and_each_step_says_what_it_needs(firms, manager, officer):
    big = firms[0]
    services.push(PolicyFactory(rules=BIG), actor=manager)
    d = Delivery.objects.get(enterprise=big)
    today = dt.date.today()
    with pytest.raises(ValidationError, match="告知方式"):
        services.record_step(d, actor=officer, stage=Stage.INFORMED, on=today)
    services.record_step(d, actor=officer, stage=Stage.INFORMED, on=today, method="phone")
    services.record_step(d, actor=officer, stage=Stage.APPLIED, on=today)
    with pytest.raises(ValidationError, match="不能退回"):
        services.record_step(d, actor=officer, stage=Stage.INFORMED, on=today, method="visit")
    with pytest.raises(ValidationError, match="兑现金额"):
        services.record_step(d, actor=officer, stage=Stage.PAID, on=today)
    services.record_step(d, actor=officer, stage=Stage.PAID, on=today, amount="12.5")
    d.refresh_from_db()
    assert (d.stage, d.informed_on, d.inform_method, d.paid_amount, d.approved) == (
        Stage.PAID, today, "phone", Decimal("12.50"), True)
    assert DeliveryStep.objects.filter(delivery=d).count() == 3


def test_a_rejection_needs_its_reason_and_a_statistician_records_nothing(firms, manager, officer, statistician):
    services.push(PolicyFactory(rules=BIG), actor=manager)
    d = Delivery.objects.get(enterprise=firms[0])
    with pytest.raises(PermissionDenied):
        services.record_step(d, actor=statistician, stage=Stage.INFORMED, on=dt.date.today(), method="phone")
    with pytest.raises(ValidationError, match="原因"):
        services.record_step(d, actor=officer, stage=Stage.REJECTED, on=dt.date.today())
    d.refresh_from_db()
    assert d.stage == Stage.MATCHED and not d.steps.exists()


def test_reminders_once_per_firm_and_threshold_for_firms_not_informed_or_not_applied(firms, manager, officer):
    big, orphan, _small = firms
    # Closes on Friday 2026-12-18: 3 working days before is Tuesday 15th, 10 working days before is Friday 4th.
    policy = PolicyFactory(rules=BIG, window_closes=dt.date(2026, 12, 18))
    services.push(policy, actor=manager)
    applied = Delivery.objects.get(enterprise=orphan)
    applied.stage, applied.applied_on = Stage.APPLIED, dt.date(2026, 11, 30)
    applied.save()
    assert services.send_reminders(today=dt.date(2026, 12, 3), thresholds=(10, 3)) == 0
    assert services.send_reminders(today=dt.date(2026, 12, 4), thresholds=(10, 3)) == 1
    assert services.send_reminders(today=dt.date(2026, 12, 7), thresholds=(10, 3)) == 0
    assert services.send_reminders(today=dt.date(2026, 12, 15), thresholds=(10, 3)) == 1
    keys = set(Notification.objects.filter(kind="policy_reminder").values_list("recipient_id", "key"))
    assert keys == {(officer.pk, f"policy:{policy.pk}:remind:{big.pk}:10"),
                    (officer.pk, f"policy:{policy.pk}:remind:{big.pk}:3")}


def _csv(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("兑现名单.csv", text.encode("utf-8-sig"), content_type="text/csv")


def _preview(actor, policy, kind: str, upload) -> ImportBatch:
    batch = namelist_services.create_batch(actor, upload.read(), upload.name, "policy_outcomes",
                                           options={"policy": policy.pk, "outcome": kind})
    return namelist_services.preview_batch(batch.pk)


def test_a_payments_list_is_previewed_with_errors_then_applied(firms, manager, statistician, other_street,
                                                               client_for):
    from django.urls import reverse

    big, orphan, small = firms
    elsewhere = EnterpriseFactory(street=other_street)
    policy = PolicyFactory(rules=BIG)
    services.push(policy, actor=manager)
    upload = _csv(
        "惠企政策兑现名单\n序号,统一社会信用代码,企业名称,兑现金额（万元）,兑现日期\n"
        f"1,{big.uscc},大企业,30,2026-05-01\n2,{small.uscc},小企业,5.5,2026年5月2日\n"
        f"3,{elsewhere.uscc},外街企业,1,2026-05-01\n4,91440300ABCDEFGHIJ,坏代码,1,2026-05-01\n"
        f"5,{big.uscc},重复,1,2026-05-01\n6,{orphan.uscc},无金额,,2026-05-01\n")
    batch = _preview(statistician, policy, "payments", upload)
    assert batch.status == "previewed"
    assert (batch.counts["created"] + batch.counts["updated"], batch.counts["errors"]) == (2, 4)
    reasons = {i.row: i.reason for i in batch.issues.all()}
    assert "范围内" in reasons[5] and "统一社会信用代码" in reasons[6] and "重复" in reasons[7] and "金额" in reasons[8]
    assert batch.report  # the rows to fix, with their reasons
    page = client_for(statistician).get(reverse("namelists:detail", args=[batch.pk])).content.decode()
    assert f"{policy.title} · 兑现名单" in page and "确认导入" in page  # error rows are skipped, the rest commit
    assert not Delivery.objects.filter(paid_on__isnull=False).exists()
    batch = namelist_services.commit_batch(batch.pk)
    assert batch.status == "committed"
    paid = dict(Delivery.objects.filter(paid_on__isnull=False).values_list("enterprise_id", "paid_amount"))
    assert paid == {big.pk: Decimal("30.00"), small.pk: Decimal("5.50")}
    assert not Delivery.objects.get(enterprise=small).matched  # paid without having been matched
    assert DeliveryStep.objects.filter(source=f"batch:{batch.pk}", actor=statistician).count() == 2
    assert batch.changes.filter(enterprise=big, action="updated").exists()  # the audit names the firm
    with pytest.raises(ImportRefused):  # a batch is committed once
        namelist_services.commit_batch(batch.pk)


def test_a_file_without_a_code_column_is_rejected_with_a_reason(manager, statistician):
    batch = _preview(statistician, PolicyFactory(), "payments", _csv("企业名称,金额\n某公司,1\n"))
    assert batch.status == "failed" and "统一社会信用代码" in batch.message


def test_a_policy_list_needs_a_policy_the_user_sees_and_an_outcome(statistician, officer):
    policy = PolicyFactory()
    with pytest.raises(ImportRefused, match="名单类型"):
        namelist_services.create_batch(statistician, b"x", "a.csv", "policy_outcomes", options={"policy": policy.pk})
    with pytest.raises(ImportRefused, match="政策"):
        namelist_services.create_batch(statistician, b"x", "a.csv", "policy_outcomes", options={"outcome": "payments"})
    with pytest.raises(ImportRefused):  # officers record steps; they do not import lists
        namelist_services.create_batch(officer, b"x", "a.csv", "policy_outcomes",
                                       options={"policy": policy.pk, "outcome": "payments"})


def test_the_old_import_page_leads_to_the_pipeline_with_the_policy_chosen(client_for, statistician):
    from django.urls import reverse

    policy = PolicyFactory()
    response = client_for(statistician).get(reverse("policies:import", args=[policy.pk]))
    assert response.status_code == 302
    page = client_for(statistician).get(response.url)
    form = page.context["form"]
    assert form["list_kind"].value() == "policy_outcomes" and str(form["policy"].value()) == str(policy.pk)


def test_funnel_and_street_amounts_by_policy_and_classification(firms, manager, officer):
    big, orphan, _small = firms
    ClassificationFactory(enterprise=big, kind="sishang", year=dt.date.today().year)
    policy = PolicyFactory(rules=BIG)
    services.push(policy, actor=manager)
    today = dt.date.today()
    d = Delivery.objects.get(enterprise=big)
    services.record_step(d, actor=officer, stage=Stage.INFORMED, on=today, method="visit")
    services.record_step(d, actor=officer, stage=Stage.PAID, on=today, amount="40")
    total, rows = selectors.funnel(manager, policy, by="officer")
    assert (total["matched"], total["informed"], total["applied"], total["approved"], total["paid"]) == (2, 1, 0, 1, 1)
    assert total["paid_amount"] == Decimal("40")
    assert {r["key"]: r["paid"] for r in rows} == {officer.pk: 1, manager.pk: 0}
    by_policy, by_kind, amount = selectors.street_amounts(manager, today.year)
    assert amount == Decimal("40") and by_policy[0]["amount"] == Decimal("40")
    kinds = {r["kind"]: r["amount"] for r in by_kind}
    assert kinds["sishang"] == Decimal("40")
    assert kinds["zjtx"] == Decimal("0")


def test_a_street_user_cannot_edit_a_district_policy(statistician, admin_user):
    district = services.save_policy(actor=admin_user, rules={"all": []}, title="区级政策", issuer="区工信局")
    assert district.street is None
    with pytest.raises(PermissionDenied):
        services.save_policy(actor=statistician, policy=district, rules={"all": []}, title="改")
    own = services.save_policy(actor=statistician, rules={"all": []}, title="街道七条", issuer="街道办")
    assert own.street == statistician.street
    with pytest.raises(ValidationError):
        services.save_policy(actor=statistician, policy=own, rules={"all": [{"figure": {"field": "x"}}]}, title="改")


def test_district_role_reads_but_changes_nothing(firms, street):
    district = UserFactory(role=Role.DISTRICT, street=None, username="district_user")
    policy = PolicyFactory(rules=BIG)
    assert selectors.match_count(policy.rules, district) == 2
    with pytest.raises(PermissionDenied):
        services.push(policy, actor=district)
    with pytest.raises(PermissionDenied):
        services.save_policy(actor=district, rules={"all": []}, title="x", issuer="y")


def test_a_streets_own_policy_reaches_only_that_streets_firms(admin_user, street, other_street):
    mine = EnterpriseFactory(street=street)
    EnterpriseFactory(street=other_street)
    policy = PolicyFactory(street=street, rules={"all": []})
    assert selectors.match_count(policy.rules, admin_user, policy.street_id) == 1
    services.push(policy, actor=admin_user)
    assert list(Delivery.objects.values_list("enterprise_id", flat=True)) == [mine.pk]


def test_the_editor_ignores_malformed_node_paths():
    from django.http import QueryDict

    from policies import editor

    data = QueryDict(mutable=True)
    data.update({"r0-t": "all", "r0.-t": "status", "r0..1-t": "status", "r0.0-t": "status"})
    data.setlist("r0.0-codes", ["active"])
    assert editor.from_form(data) == {"all": [{"status": ["active"]}]}
