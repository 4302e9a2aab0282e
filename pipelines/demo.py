"""Demo data for 马田街道: a year of 招商 projects across all stages, parks with vacancies, events, this year's
targets from the street's work report, and one rollup so the 挂图作战 dashboard shows progress.

Idempotent: projects are keyed by (street, name), vacancies by unit, events by (street, title), targets by their
unique scope; the stage history of a project is written only when the project is created.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from crm.models import Street, Team, User
from enterprises.models import Classification, Cluster, Enterprise, Park
from enterprises.uscc import ALPHABET, check_char
from pipelines.models import PIPELINE, Event, Project, SpaceDemand, StageChange, Target, Vacancy
from pipelines.services.projects import recompute_milestones
from pipelines.services.rollup import rollup

STREET = "440311006"
CLUSTERS = [
    ("semiconductor", "半导体与集成电路", "emerging"), ("ultra-hd-display", "超高清视频显示", "emerging"),
    ("smart-terminal", "智能终端", "emerging"), ("new-energy", "新能源", "emerging"),
    ("smart-sensor", "智能传感器", "emerging"), ("high-end-equipment", "高端装备与仪器", "emerging"),
    ("biomedicine", "生物医药", "emerging"), ("new-materials", "新材料", "emerging"),
    ("software", "软件与信息服务", "emerging"), ("synthetic-biology", "合成生物", "future"),
]
# name, investor, 亿元, stage, source, officer, team(1/2/None), confidential, clusters, expected output 亿元
PROJECTS = [
    ("新型显示面板模组产业基地", "华星光电技术有限公司", "120", "registered", "chain", "officer", 1, True,
     ["ultra-hd-display"], "180"),
    ("第三代半导体功率器件项目", "基本半导体有限公司", "35", "space", "chain", "officer", 1, False, ["semiconductor"],
     "40"),
    ("动力电池储能系统总部", "某新能源科技集团", "18", "signed", "business", "officer2", 2, True, ["new-energy"], "30"),
    ("高端医疗器械研发生产基地", "迈瑞生物医疗电子", "12", "negotiation", "superior", "manager", None, False,
     ["biomedicine"], "15"),
    ("智能传感器封测线", "敏芯微电子技术", "8.5", "construction", "chain", "officer", 1, False, ["smart-sensor"], "9"),
    ("工业机器人整机项目", "汇川技术股份", "6", "production", "referral", "officer2", 2, False,
     ["high-end-equipment"], "8"),
    ("AR 光学模组项目", "珑璟光电科技", "3.2", "counted", "event", "officer", 1, False, ["smart-terminal"], "5.5"),
    ("精密模具及注塑项目", "长盈精密技术", "2.6", "counted", "business", "officer2", 2, False,
     ["high-end-equipment"], "4.2"),
    ("柔性电路板扩产项目", "景旺电子科技", "4.8", "counted", "chain", "officer", 1, False, ["smart-terminal"], "9.6"),
    ("碳化硅衬底材料项目", "天岳先进材料", "15", "contact", "chain", "officer", 1, False,
     ["semiconductor", "new-materials"], "20"),
    ("合成生物中试平台", "某合成生物研究院", "2", "lead", "superior", "officer2", None, False,
     ["synthetic-biology"], "1.5"),
    ("工业软件研发中心", "某工业软件公司", "1.2", "registered", "event", "officer", 1, False, ["software"], "1"),
    ("激光加工设备总部", "大族激光科技", "5.5", "signed", "business", "officer2", 2, False,
     ["high-end-equipment"], "7"),
    ("新能源汽车电机电控项目", "某电驱动科技", "9.8", "negotiation", "chain", "officer2", 2, False,
     ["new-energy"], "12"),
    ("医用高分子材料项目", "某医用材料公司", "1.8", "space", "referral", "officer", None, False,
     ["new-materials", "biomedicine"], "2.4"),
    ("Mini LED 背光模组项目", "某光电显示公司", "7.5", "production", "chain", "officer", 1, False,
     ["ultra-hd-display"], "11"),
    ("芯片设计企业区域总部", "某集成电路设计公司", "1.5", "counted", "event", "officer", 1, False,
     ["semiconductor"], "3.2"),
    ("锂电池隔膜材料项目", "某新材料股份", "22", "lost", "chain", "officer2", 2, False, ["new-materials"], "25"),
    ("智能穿戴设备生产基地", "某智能穿戴公司", "3.6", "paused", "business", "officer", 1, False, ["smart-terminal"],
     "6"),
    ("检测认证服务平台", "某检测认证集团", "0.8", "registered", "referral", "officer2", None, False, ["software"],
     "0.6"),
    ("高精度减速器项目", "某精密传动公司", "2.2", "negotiation", "event", "officer2", 2, False,
     ["high-end-equipment"], "3"),
    ("生物试剂研发生产项目", "某生物科技公司", "1.1", "contact", "event", "officer", None, False, ["biomedicine"],
     "1.3"),
    ("光通信模块项目", "某光通信技术公司", "4.2", "lead", "chain", "officer", 1, False, ["smart-terminal"], "6"),
    ("氢燃料电池电堆项目", "某氢能科技公司", "11", "lead", "superior", "manager", None, True, ["new-energy"], "10"),
    ("电子化学品项目", "某电子材料公司", "0.6", "contact", "business", "officer2", None, False, ["new-materials"],
     "0.9"),
    ("跨境电商供应链中心", "某供应链管理公司", "0.5", "signed", "referral", "officer", None, False, [], "2"),
    ("消费电子结构件项目", "某精密结构件公司", "2.8", "construction", "chain", "officer2", 2, False,
     ["smart-terminal"], "4"),
    ("超高清摄像模组项目", "某影像科技公司", "1.9", "signed", "event", "officer", 1, False, ["ultra-hd-display"],
     "3"),
    ("半导体设备零部件项目", "某半导体装备公司", "3.3", "space", "chain", "officer", 1, False,
     ["semiconductor", "high-end-equipment"], "4.5"),
    ("医疗影像设备项目", "某医疗影像公司", "6.8", "contact", "superior", "manager", None, False, ["biomedicine"],
     "8"),
    ("储能变流器项目", "某电力电子公司", "1.4", "negotiation", "event", "officer2", 2, False, ["new-energy"], "2"),
    ("5G 天线滤波器项目", "某通信器件公司", "2.1", "lead", "business", "officer", 1, False, ["smart-terminal"], "2.5"),
    ("工业互联网平台", "某工业互联网公司", "0.9", "lead", "event", "officer2", None, False, ["software"], "0.8"),
    ("高端数控机床项目", "某数控装备公司", "13", "signed", "chain", "officer2", 2, False, ["high-end-equipment"],
     "16"),
    ("光刻胶材料研发项目", "某光刻材料公司", "2.5", "lost", "chain", "officer", 1, False,
     ["semiconductor", "new-materials"], "3"),
    ("智慧物流园区项目", "某物流集团", "4", "paused", "referral", "manager", None, False, [], "3"),
    ("显示驱动芯片项目", "某显示芯片公司", "1.6", "registered", "chain", "officer", 1, False,
     ["semiconductor", "ultra-hd-display"], "2.2"),
    ("人工智能算力中心", "某算力科技公司", "26", "negotiation", "superior", "manager", None, True, ["software"], "6"),
    ("新能源汽车线束项目", "某汽车电子公司", "1.3", "counted", "business", "officer2", 2, False, ["new-energy"],
     "2.6"),
    ("可穿戴医疗传感器项目", "某医疗传感公司", "0.7", "contact", "event", "officer", 1, False,
     ["smart-sensor", "biomedicine"], "0.9"),
]
REASONS = {"lost": "投资方最终选址外市，用地成本差距较大", "paused": "投资方融资未到位，暂缓推进"}
NEXT_ACTIONS = {
    "lead": "电话对接投资方了解投资意向", "contact": "安排投资方实地考察园区", "negotiation": "就用房及政策条件磋商",
    "signed": "协助办理工商注册", "registered": "推荐可用厂房并组织看房", "space": "跟进装修方案报建",
    "construction": "协调供电增容与消防验收", "production": "辅导企业纳统申报", "paused": "季度回访了解资金进展",
}
PARKS = [("合水口高新产业园", "park", "collective"), ("新庄智造产业园", "park", "private"),
         ("薯田埔工业园", "factory", "collective"), ("马田科创大厦", "building", "state"),
         ("将石科技园", "park", "private")]
EVENTS = [
    ("光明科学城产业招商推介会（深圳站）", "promotion"), ("半导体产业链专场对接会", "matchmaking"),
    ("营商环境服务周", "service_week"), ("新能源产业招商座谈会", "promotion"), ("园区空间推介会", "matchmaking"),
    ("智能终端产业链对接会", "matchmaking"), ("赴长三角招商考察", "promotion"), ("生物医药项目路演", "matchmaking"),
    ("以商招商企业家座谈会", "promotion"), ("高端装备产业招商推介会", "promotion"), ("金融机构与企业对接会", "matchmaking"),
    ("“万名干部助企行”服务周", "service_week"), ("超高清显示产业链招商会", "promotion"), ("专精特新企业交流会", "matchmaking"),
    ("赴香港招商推介", "promotion"), ("人才政策宣讲对接会", "matchmaking"), ("湾区产业转移对接会", "promotion"),
    ("第四季度重点项目集中签约活动", "promotion"), ("合成生物产业沙龙", "matchmaking"), ("年度招商工作总结会", "promotion"),
]
# metric, target value, manual actual (for manual metrics)
STREET_TARGETS = [
    ("new_sishang", 100, None), ("signed_100", 1, None), ("signed_10", 3, None), ("signed_key", 10, None),
    ("signed_investment", 150, None), ("events_held", 20, None), ("new_zjtx", 15, None), ("new_little_giant", 5, None),
    ("new_listed", 2, None), ("counted_output", 40, None), ("registered_firms", 20, None),
    ("fixed_asset_investment_manual", 150, Decimal("118.6")),
]


def _path(stage: str) -> list[str]:
    order = [s.value for s in PIPELINE]
    if stage in ("lost", "paused"):
        return order[:3] + [stage]
    return order[: order.index(stage) + 1]


def _uscc(n: int) -> str:
    body = "".join(ch if ch in ALPHABET else "0" for ch in f"91440300MA5P{n:05d}"[:17])
    return body + check_char(body)


@transaction.atomic
def load(stdout=None) -> dict:
    street = Street.objects.filter(code=STREET).first()
    if street is None:
        return {}
    rng = random.Random(6)
    today = timezone.localdate()
    year = today.year
    year_start = dt.date(year, 1, 1)
    users = {u.username: u for u in User.objects.filter(username__in=["officer", "officer2", "manager"])}
    if len(users) < 3:
        return {}
    team1, _ = Team.objects.get_or_create(street=street, name="新一代信息技术招商专班",
                                          defaults={"leader": users["manager"]})
    team2, created = Team.objects.get_or_create(street=street, name="高端装备与新能源招商专班",
                                                defaults={"leader": users["manager"]})
    for team, name_en in ((team1, "Next-generation IT investment task force"),
                          (team2, "High-end equipment and new energy investment task force")):
        Team.objects.filter(pk=team.pk, name_en="").update(name_en=name_en)
    if created:
        team2.members.add(users["manager"], users["officer2"])
    if not team1.members.exists():
        team1.members.add(users["manager"], users["officer"], users["officer2"])
    teams = {1: team1, 2: team2}
    clusters = {}
    for code, name, kind in CLUSTERS:
        clusters[code] = Cluster.objects.filter(name=name).first() or Cluster.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind})[0]
    Cluster.objects.filter(name="高端装备与仪器", name_en="").update(name_en="High-end equipment and instruments")

    # Events first: projects generated at events point back to them.
    events = []
    span = max((today - year_start).days - 7, 30)
    for i, (title, kind) in enumerate(EVENTS[:18]):
        held = year_start + dt.timedelta(days=int(span * (i + 0.5) / 18))
        event, _ = Event.objects.get_or_create(street=street, title=title, defaults={
            "kind": kind, "held_on": min(held, today), "organiser": "马田街道办事处" if i % 3 else "光明区投资推广署",
            "location": "马田街道党群服务中心" if i % 2 else "光明科学城展示中心",
            "officer": users["officer" if i % 2 else "officer2"], "team": teams[1 + i % 2],
            "summary": "推介街道产业空间及扶持政策，现场收集项目线索并安排后续对接。",
        })
        events.append(event)
    for title, kind in EVENTS[18:]:  # planned for December
        Event.objects.get_or_create(street=street, title=title, defaults={
            "kind": kind, "held_on": dt.date(year, 12, 15), "organiser": "马田街道办事处"})

    created_projects = 0
    for n, (name, investor, amount, stage, source, officer, team, secret, cl, output) in enumerate(PROJECTS):
        if Project.objects.filter(street=street, name=name).exists():
            continue
        path = _path(stage)
        start = year_start + dt.timedelta(days=rng.randint(0, 60))
        if n == 0:  # the 百亿级 project: signed in spring
            start = dt.date(year, 1, 20)
        elif stage in ("space", "construction", "production", "counted"):
            # Projects this far along were mostly signed last year.
            start = dt.date(year - 1, 3, 1) + dt.timedelta(days=rng.randint(0, 150))
        remaining = (today - start).days
        steps = sorted(rng.sample(range(1, max(remaining, len(path) + 1)), len(path) - 1)) if len(path) > 1 else []
        dates = [start] + [start + dt.timedelta(days=d) for d in steps]
        if stage == "counted" and dates[-1] < year_start:  # 纳统 this year
            dates[-1] = year_start + dt.timedelta(days=rng.randint(20, max((today - year_start).days - 1, 21)))
        is_open = stage not in ("counted", "lost")
        overdue = is_open and n % 7 == 3
        project = Project(
            street=street, name=name, investor_name=investor, planned_investment=Decimal(amount),
            expected_output=Decimal(output), expected_tax=Decimal(output) * 600, source=source,
            source_event=events[n % len(events)] if source == "event" else None,
            officer=users[officer], team=teams.get(team), confidential=secret, stage=stage,
            stage_reason=REASONS.get(stage, ""),
            actual_output=(Decimal(output) * Decimal("0.8")).quantize(Decimal("0.01")) if stage == "counted" else None,
            next_action=NEXT_ACTIONS.get(stage, "") if is_open else "",
            next_action_due=(today - dt.timedelta(days=5) if overdue else today + dt.timedelta(days=3 + n % 20))
            if is_open else None,
            description=f"{investor}拟在马田街道投资建设{name}，计划投资{amount}亿元。",
            created_by=users[officer],
        )
        project.touched_at = timezone.make_aware(dt.datetime.combine(dates[-1], dt.time(10)))
        if n % 9 == 5 and is_open:  # a few projects nobody has touched for a while
            project.touched_at -= dt.timedelta(days=40)
        project.save()
        Project.objects.filter(pk=project.pk).update(created_at=timezone.make_aware(
            dt.datetime.combine(dates[0], dt.time(9))))
        project.clusters.set([clusters[c] for c in cl if c in clusters])
        previous = ""
        for to, on in zip(path, dates):
            StageChange.objects.create(project=project, from_stage=previous, to_stage=to, on=on, by=users[officer],
                                       note=REASONS.get(to, "新建项目" if not previous else ""))
            previous = to
        recompute_milestones(project)
        if project.registered_on:  # registered locally: the firm is now in the registry
            firm, _ = Enterprise.objects.get_or_create(uscc=_uscc(n), defaults={
                "name": f"深圳市{investor.replace('有限公司', '').replace('股份', '')}马田有限公司"[:60],
                "street": street, "established_on": project.registered_on})
            project.enterprise = firm
        project.save()
        created_projects += 1

    # Firms newly 四上 / 专精特新 this year (monthly 入库), for the targets.
    firms = list(Enterprise.objects.filter(street=street).order_by("pk"))
    last_year_sishang = set(Classification.objects.filter(kind="sishang", year=year - 1).values_list(
        "enterprise_id", flat=True))
    candidates = [f for f in firms if f.pk not in last_year_sishang]
    months_done = today.month if today.day > 20 else today.month - 1
    for i, firm in enumerate(candidates[:68]):
        when = dt.date(year, 1 + (i % max(months_done, 1)), 25)
        Classification.objects.get_or_create(enterprise=firm, kind="sishang", year=year, defaults={
            "category": "industry", "valid_from": min(when, today), "source": "demo"})
    ever_zjtx = set(Classification.objects.filter(kind="zjtx", category__in=["provincial", "little_giant"],
                                                  year__lt=year).values_list("enterprise_id", flat=True))
    for i, firm in enumerate([f for f in firms if f.pk not in ever_zjtx][:11]):
        tier = "little_giant" if i < 3 else "provincial"
        when = dt.date(year, 3 + (i % 7), 10)
        Classification.objects.get_or_create(enterprise=firm, kind="zjtx", category=tier, year=year, defaults={
            "valid_from": min(when, today), "valid_to": dt.date(year + 3, 6, 30), "source": "demo"})

    # Parks and vacancies.
    vacancies = 0
    for p_i, (park_name, kind, owner) in enumerate(PARKS):
        park, _ = Park.objects.get_or_create(street=street, name=park_name, defaults={"kind": kind, "ownership": owner})
        for u in range(6):
            space_type = "office" if kind == "building" else ("rnd" if u % 3 == 2 else "factory")
            area = Decimal([800, 1200, 1800, 2500, 3600, 5200][(u + p_i) % 6])
            _, made = Vacancy.objects.get_or_create(park=park, building=f"{'ABCD'[u % 4]}栋", unit_name=f"{u + 1}层",
                                                    defaults={
                "space_type": space_type, "area": area, "rent": Decimal(28 + (u * 7 + p_i * 5) % 40),
                "floor_load": Decimal(["3.5", "5", "8", "10", "12", "6.5"][(u + p_i) % 6]),
                "power_kva": [200, 400, 630, 800, 1250, 2000][(u * 2 + p_i) % 6],
                "owner_type": owner, "available_from": today + dt.timedelta(days=(u * 30 + p_i * 10) % 150 - 30),
                "status": "taken" if (u + p_i) % 8 == 7 else "available",
            })
            vacancies += made

    for name, space_type, area, load, kva, budget in [
        ("第三代半导体功率器件项目", "factory", 5000, 10, 1600, 45), ("动力电池储能系统总部", "factory", 3500, 8, 1200, 40),
        ("高端医疗器械研发生产基地", "rnd", 1800, 5, 400, 60), ("工业软件研发中心", "office", 1000, None, None, 80),
    ]:
        project = Project.objects.filter(street=street, name=name).first()
        if project and not project.space_demands.exists():
            SpaceDemand.objects.create(street=street, project=project, space_type=space_type, area=area,
                                       floor_load=load, power_kva=kva, budget=budget,
                                       needed_by=today + dt.timedelta(days=90))

    for metric, value, manual in STREET_TARGETS:
        Target.objects.get_or_create(street=street, year=year, metric=metric, scope_kind="street", defaults={
            "target_value": Decimal(value), "manual_actual": manual,
            "note": "街道年度工作报告目标" if manual is None else "区发改局提供"})
    for team, metric, value in [(team1, "signed_key", 6), (team1, "signed_investment", 100), (team2, "signed_key", 4),
                                (team2, "signed_investment", 40)]:
        Target.objects.get_or_create(street=street, year=year, metric=metric, scope_kind="team", team=team,
                                     defaults={"target_value": Decimal(value)})
    for username, metric, value in [("officer", "signed_key", 5), ("officer2", "signed_key", 4),
                                    ("officer", "events_held", 9), ("officer2", "events_held", 9),
                                    ("officer", "counted_output", 20), ("officer2", "counted_output", 15)]:
        Target.objects.get_or_create(street=street, year=year, metric=metric, scope_kind="officer",
                                     officer=users[username], defaults={"target_value": Decimal(value)})

    snapshots = rollup(year, street_id=street.pk)
    # A signing recorded late, dated back into an already reported quarter: the dashboard shows "修正后".
    late_name = "新材料中试基地（补录）"
    if today.month > 3 and not Project.objects.filter(street=street, name=late_name).exists():
        late = Project.objects.create(street=street, name=late_name, investor_name="某新材料研究院",
                                      planned_investment=Decimal("10.5"), stage="signed", source="chain",
                                      officer=users["officer2"], team=team2, next_action="协助办理工商注册",
                                      next_action_due=today + dt.timedelta(days=10), created_by=users["officer2"])
        StageChange.objects.create(project=late, from_stage="", to_stage="negotiation", on=dt.date(year, 2, 10),
                                   by=users["officer2"], note="新建项目")
        StageChange.objects.create(project=late, from_stage="negotiation", to_stage="signed", on=dt.date(year, 3, 18),
                                   by=users["officer2"], note="补录：3月已签约，漏报")
        recompute_milestones(late)
        late.save()
        snapshots = rollup(year, street_id=street.pk)
    if stdout:
        stdout.write(f"招商引资：新增 {created_projects} 个项目，{vacancies} 个空置物业，{len(EVENTS)} 场活动，"
                     f"{snapshots} 个目标快照")
    return {"projects": created_projects, "vacancies": vacancies, "snapshots": snapshots}
