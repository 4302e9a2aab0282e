"""Main journeys in a real browser, at phone and desktop sizes, with a screenshot of each step."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("who, marker", [
    ("officer", "走访企业"), ("statistician", "导入统计局名录"), ("manager", "诉求办理时效"),
    ("department_user", "本部门收到的转办诉求"),
])
def test_each_role_signs_in_and_sees_its_home_page(request, page, login, who, marker):
    user = request.getfixturevalue(who)
    login(user)
    assert "/login/" not in page.url
    assert marker in page.content()
    page.shot(f"home-{who}")
    # CSP must not have blocked anything the page needs.
    assert not [e for e in page.js_errors if "Content Security Policy" in e or "Refused" in e], page.js_errors


def test_a_wrong_password_is_refused_in_chinese(page, officer):
    page.goto("/login/")
    page.fill("input[name=username]", officer.username)
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/login/" in page.url
    page.shot("refused")


@pytest.fixture
def appeal_setup(db, street):
    """Reference rows the flushes of transactional tests remove (categories, default SLA policy)."""
    from appeals import services

    services.ensure_categories()
    services.ensure_default_policy()


def _submit(page, form_selector: str):
    with page.expect_navigation():
        page.locator(form_selector).locator("button[type=submit], button:not([type])").first.click()


def test_officer_logs_a_visit_raises_an_appeal_department_answers_manager_sees_it(
        page, login, officer, manager, department_user, appeal_setup, browser, live_server):
    from appeals.models import Appeal, DepartmentTask
    from enterprises.models import Visit
    from tests.enterprises.factories import EnterpriseFactory

    firm = EnterpriseFactory(street=officer.street, name="深圳市浏览器测试科技有限公司")

    # 1. The officer logs a visit, picking the firm through the autocomplete (htmx + the CSP-nonce'd script).
    login(officer)
    page.goto("/enterprises/visits/new/")
    page.fill("#ent-search", "浏览器测试")
    page.locator(".ac-pick").first.wait_for()
    page.shot("1-visit-autocomplete")
    page.locator(".ac-pick").first.click()
    assert page.input_value("#ent-id") == str(firm.pk)
    page.locator("input[name=topics]").first.check()
    page.fill("textarea[name=notes]", "了解经营情况，企业反映厂房漏水")
    page.locator("input[name=problem]").first.fill("厂房屋顶漏水，需协调业主维修")
    page.shot("2-visit-filled")
    _submit(page, "form.visit-form")
    visit = Visit.objects.get(enterprise=firm)
    assert "厂房屋顶漏水" in page.content()
    page.shot("3-visit-saved")

    # 2. …and turns the problem found into an appeal.
    with page.expect_navigation():
        page.get_by_role("button", name="转为企业诉求").first.click()
    appeal = Appeal.objects.get(enterprise=firm)
    assert appeal.visit_problem.visit == visit and appeal.description == "厂房屋顶漏水，需协调业主维修"
    page.shot("4-appeal-raised")

    # 3. The manager transfers it to the department.
    page.context.clear_cookies()
    login(manager)
    page.goto(f"/appeals/{appeal.pk}/")
    page.get_by_text("转办", exact=True).first.click()
    form = page.locator(f"form[action='/appeals/{appeal.pk}/do/transfer/']")
    form.locator("select[name=department]").select_option(str(department_user.department_id))
    page.shot("5-transfer")
    form.locator("button").last.click()
    page.wait_for_function("() => !document.querySelector(\"form[action$='/do/transfer/'] select[name=department]\") "
                           "|| document.body.innerText.includes('已转办至')")
    assert DepartmentTask.objects.filter(appeal=appeal, department=department_user.department).exists()

    # 4. The department handler finds it in the queue, signs and answers.
    page.context.clear_cookies()
    login(department_user)
    page.goto("/appeals/queue/")
    assert page.locator(f"a[href='/appeals/{appeal.pk}/']").count() == 1  # the transferred appeal is queued
    page.shot("6-department-queue")
    page.goto(f"/appeals/{appeal.pk}/")
    sign = page.locator(f"form[action='/appeals/{appeal.pk}/do/department_sign/'] button")
    assert sign.count() == 1  # a transferred task starts 待签收: the department signs before it answers
    sign.click()
    page.wait_for_load_state("networkidle")
    assert DepartmentTask.objects.get(appeal=appeal).state == DepartmentTask.State.SIGNED
    reply = page.locator(f"form[action='/appeals/{appeal.pk}/do/department_reply/']")
    reply.locator("textarea[name=reply]").fill("已联系业主，本周内完成屋顶维修。")
    reply.locator("button").click()
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)
    page.shot("7-department-answered")
    task = DepartmentTask.objects.get(appeal=appeal, department=department_user.department)
    assert task.state == DepartmentTask.State.REPLIED and task.replied_at is not None
    assert task.reply == "已联系业主，本周内完成屋顶维修。"

    # 5. The manager sees it counted on the SLA dashboard.
    page.context.clear_cookies()
    login(manager)
    page.goto("/appeals/dashboard/")
    counted = page.locator(f"a[href^='/appeals/?category={appeal.category_id}&']").first
    assert counted.inner_text().strip() == "1"  # the appeal is counted under its category
    page.shot("8-sla-dashboard")
    assert not [e for e in page.js_errors if "Content Security Policy" in e or "Refused" in e], page.js_errors


def test_statistician_imports_a_list_through_preview_and_commit(page, login, statistician, tmp_path):
    import openpyxl

    from enterprises.models import Enterprise
    from namelists.models import ImportBatch
    from tests.enterprises.factories import make_uscc

    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["统一社会信用代码", "单位详细名称", "行业代码", "营业收入（万元）"])
    for i in range(30):
        ws.append([make_uscc(910_000 + i), f"深圳市浏览器导入{i}有限公司", "3982", 2500 + i])
    path = tmp_path / "2025年四上企业名录.xlsx"
    book.save(path)

    login(statistician)
    page.goto("/imports/upload/")
    page.select_option("select[name=list_kind]", "sishang")
    page.fill("input[name=year]", "2025")
    page.set_input_files("input[type=file]", str(path))
    page.shot("1-upload")
    with page.expect_navigation():
        page.locator("form button[type=submit], form button:not([type])").last.click()
    batch = ImportBatch.objects.get()
    # The upload only stored the file; the worker found the header and previewed it (the mapping stays editable).
    page.wait_for_selector(".nl-status-previewed", timeout=30_000)
    page.shot("3-preview")
    assert Enterprise.objects.filter(name__startswith="深圳市浏览器导入").count() == 0  # a preview writes nothing
    with page.expect_navigation():
        page.locator(f"form[action='/imports/{batch.pk}/commit/'] button").first.click()
    page.wait_for_selector(".nl-status-committed", timeout=30_000)
    page.shot("4-committed")
    assert Enterprise.objects.filter(name__startswith="深圳市浏览器导入").count() == 30
