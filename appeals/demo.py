"""Demo appeals: ~120 realistic 企业诉求 of 马田街道 firms over the last six months, through the real services
(so every clock is right), across categories and states: transfers to 住建/供电, extensions, follow-ups, some
overdue (~10-15 %) and escalated (~5-10 %). Idempotent: does nothing when demo appeals already exist."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

MATIAN = "440311006"
SAMPLES = {
    "space": ["厂房租约到期，希望协调园区续租并稳定租金", "扩产需新增 2000 平方米厂房，请推荐辖区空置厂房"],
    "housing": ["新引进工程师需要人才住房，申请保障性租赁住房", "员工宿舍不足，咨询园区配套宿舍"],
    "education": ["高管子女入学学位申请，咨询积分政策", "员工子女转学需协调辖区学校学位"],
    "transport": ["园区门口道路拥堵，货车进出困难，申请优化交通组织", "厂区附近缺少公交站点，员工通勤不便"],
    "labour": ["招工难，希望参加街道专场招聘会", "急需技术工人 50 名，请对接人社部门"],
    "utilities": ["新增生产线用电容量不足，申请增容", "厂区频繁停水，影响生产，请协调水务"],
    "finance": ["申请贴息贷款，咨询区级产业资金政策", "希望对接银行开展知识产权质押融资"],
    "policy": ["咨询专精特新企业申报条件", "咨询小升规奖励政策及申报材料"],
    "safety": ["消防验收整改意见不明确，请协调执法队现场指导", "厂区外围违章搭建影响消防通道"],
    "other": ["企业更名后门牌地址需同步变更", "希望街道协调周边餐饮油烟扰民问题"],
}
DEPARTMENT_FOR = {"space": "住建", "housing": "住建", "utilities": "供电", "labour": "人社", "education": "教育",
                  "transport": "交通", "safety": "执法"}


def office_hours(instant: dt.datetime, now: dt.datetime, rng: random.Random) -> dt.datetime:
    """The same day in the office's own time zone at an office hour (9–12, 14–17), on a weekday, not after now.

    The hour is set on the local time, not on the UTC instant: 9 o'clock UTC is 17 o'clock in Shenzhen.
    """
    local = timezone.localtime(instant)
    while local.weekday() >= 5:  # appeals are taken in on working days
        local -= dt.timedelta(days=1)
    local = local.replace(hour=rng.choice([9, 10, 11, 14, 15, 16]), minute=rng.choice([0, 15, 30, 45]),
                          second=0, microsecond=0)
    while local > now:
        local -= dt.timedelta(days=1)
        while local.weekday() >= 5:
            local -= dt.timedelta(days=1)
    return local


def title_for(firm, text: str) -> str:
    """"恒通宏电子科技：厂房租约到期，希望…": an inbox line that names the firm reads apart from its neighbours."""
    short = firm.name.removeprefix("深圳市").removesuffix("有限公司").removesuffix("股份")
    return f"{short}：{text}"[:60]


def _enterprises(street):
    from enterprises.models import Enterprise

    firms = list(Enterprise.objects.filter(street=street).order_by("pk")[:60])
    if firms:
        return firms
    from enterprises.uscc import check_char, org_code_check_char

    created = []
    for i, name in enumerate(["深圳市马田精密制造有限公司", "深圳市合水口电子科技有限公司", "深圳市根竹园新材料有限公司",
                              "深圳市石围智能装备有限公司", "深圳市将围光电有限公司"]):
        org = f"MA5G{i:04d}"
        body = "91440300" + org + org_code_check_char(org)
        uscc = body + check_char(body)
        created.append(Enterprise.objects.get_or_create(uscc=uscc, defaults={"name": name, "street": street})[0])
    return created


@transaction.atomic
def load(stdout=None) -> dict:
    from appeals import services
    from appeals.models import Appeal, AppealCategory
    from crm.models import Department, Street, User

    street = Street.objects.filter(code=MATIAN).first()
    if street is None:
        return {}
    if Appeal.objects.filter(street=street, description__startswith="【演示】").exists():
        return {}
    services.ensure_categories()
    rng = random.Random(20260213)
    officers = list(User.objects.filter(username__in=["officer", "officer2"]).order_by("username"))
    manager = User.objects.filter(username="manager").first()
    dept_user = User.objects.filter(username="dept").first()
    if not officers or manager is None:
        return {}
    departments = {d.short_name: d for d in Department.objects.filter(is_active=True)}
    firms = _enterprises(street)
    categories = {c.code: c for c in AppealCategory.objects.all()}
    now = timezone.now()
    created = 0
    for i in range(120):
        code = rng.choice(list(SAMPLES))
        # The shares of a street that keeps its promises (about 10-15 % overdue, 5-10 % under 督办): a few old
        # appeals nobody moved or still stuck in handling, a few in handling whose deadline is just passing,
        # the rest answered, followed up and closed.
        fate = rng.random()
        if fate < 0.07:
            age = rng.uniform(10, 150)  # untouched (< 0.03) or stuck in handling: overdue, then 督办
        elif fate < 0.13:
            age = rng.uniform(0.8, 2)  # signed but not yet answered: "不过夜" missed, 督办 not yet due
        else:
            age = rng.uniform(0.2, 180)
        received = office_hours(now - dt.timedelta(days=age, hours=rng.uniform(0, 8)), now, rng)
        officer = officers[i % len(officers)]
        firm = rng.choice(firms)
        text = rng.choice(SAMPLES[code])
        appeal = services.create_appeal(
            enterprise=firm, category=categories[code], description="【演示】" + text, title=title_for(firm, text),
            officer=officer, actor=officer, source=rng.choice(["visit", "phone", "online", "walk_in", "event"]),
            urgency=rng.choice(["normal"] * 6 + ["urgent", "complex"]), contact_name="张经理",
            contact_phone="13800138000", at=received)
        created += 1
        step = received + dt.timedelta(minutes=rng.randint(20, 90))
        if fate < 0.03 or step > now:
            continue  # left untouched: these turn overdue and escalate on the next sweep
        services.sign(appeal, actor=officer, at=step)
        if 0.07 <= fate < 0.13:
            continue
        step += dt.timedelta(hours=rng.uniform(0.3, 3))
        if step > now:
            continue
        services.respond(appeal, actor=officer, comment="已电话联系企业，告知受理", at=step)
        dept_code = DEPARTMENT_FOR.get(code)
        if dept_code and dept_code in departments and rng.random() < 0.6:
            step += dt.timedelta(hours=rng.uniform(1, 20))
            if step > now:
                continue
            services.transfer(appeal, actor=officer, department=departments[dept_code], at=step)
            step += dt.timedelta(hours=rng.uniform(1, 30))
            if step > now:
                continue
            actor = dept_user if dept_user and dept_user.department_id == departments[dept_code].pk else None
            if rng.random() < 0.1:
                services.department_return(appeal, actor=actor, department=departments[dept_code],
                                           reason="经核实不属本部门职责，建议转交属地处理", at=step)
            else:
                services.department_sign(appeal, actor=actor, department=departments[dept_code], at=step)
                step += dt.timedelta(hours=rng.uniform(2, 40))
                if step > now:
                    continue
                services.department_reply(appeal, actor=actor, department=departments[dept_code],
                                          reply="已现场核查并提出处理方案", at=step)
        if fate > 0.85:
            clock = appeal.clocks.get(metric="resolution", round=1)
            ask = min(step, clock.due_at - dt.timedelta(hours=2))
            if ask > appeal.received_at and ask < now:
                request = services.request_extension(appeal, actor=officer, requested_due=clock.due_at
                                                     + dt.timedelta(days=5), reason="需多部门联合踏勘", at=ask)
                services.decide_extension(request, actor=manager, approve=rng.random() < 0.8, at=ask)
        if fate < 0.13:
            continue  # still in handling
        step += dt.timedelta(days=rng.uniform(0.2, 4))
        if step > now:
            continue
        services.resolve(appeal, actor=officer, answer="已协调相关部门解决，并书面答复企业", at=step)
        appeal.refresh_from_db()
        if appeal.status != Appeal.Status.RESOLVED:
            continue
        step += dt.timedelta(days=rng.uniform(0.1, 1.5))
        if step > now:
            continue  # answered recently, the follow-up call is still to come
        result = rng.choice(["satisfied"] * 7 + ["basically"] * 2 + ["unsatisfied"])
        services.record_followup(appeal, actor=officer, result=result, comment="电话回访", at=step)
        if result == "unsatisfied":
            # Reopened: handled again and answered within days (unless that is still ahead).
            step += dt.timedelta(days=rng.uniform(0.5, 2.5))
            if step > now:
                continue
            services.resolve(appeal, actor=officer, answer="重新协调后再次答复企业", at=step)
            step += dt.timedelta(days=rng.uniform(0.1, 1))
            if step <= now:
                services.record_followup(appeal, actor=officer, result="basically", comment="再次回访", at=step)
    summary = services.sweep(now=now)
    from appeals.selectors import kpi_filters

    filters = kpi_filters(now)
    demo = Appeal.objects.filter(street=street, description__startswith="【演示】")
    overdue, escalated = demo.filter(filters["overdue"]).count(), demo.filter(filters["escalated"]).count()
    if stdout:
        stdout.write(f"企业诉求：{created} 条演示诉求，当前超时 {overdue} 条，挂单督办 {escalated} 条"
                     f"（{summary['breached']} 个时限超时）")
    return {"appeals": created, "overdue": overdue, "escalated": escalated}
