"""Demo data for 马田街道 (440311006) and 玉塘街道 (440311005): firms with valid codes, classifications, figures,
liaisons, visits with problems and two campaigns. Idempotent: firms are keyed by their code, facts by their
natural keys, and visits are only generated for a street that has none yet."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from crm.models import Community, Street, User
from enterprises.models import (
    AnnualFigure,
    Classification,
    Cluster,
    Enterprise,
    EnterpriseContact,
    IndustryCategory,
    LiaisonAssignment,
    Park,
    Visit,
    VisitCampaign,
    VisitProblem,
)
from enterprises.services.classification import sishang_category_for

from enterprises.uscc import ALPHABET, check_char

PARKS = {
    "440311006": [("薯田埔工业园", "薯田埔"), ("合水口高新产业园", "合水口"), ("根竹园工业区", "根竹园"),
                  ("将石科技园", "将围"), ("新庄智造产业园", "新庄")],
    "440311005": [("长圳工业区", "长圳"), ("田寮智造园", "田寮"), ("玉律产业园", "玉律")],
}
FIRMS_PER_STREET = {"440311006": 100, "440311005": 50}
SISHANG_PER_STREET = {"440311006": 42, "440311005": 20}
WORDS = ["星河", "华鑫", "光启", "明辉", "瑞丰", "宏达", "鼎盛", "新创", "联科", "恒通", "海润", "嘉信", "安泰", "博远",
         "天成", "志高", "汇德", "锐捷", "中恒", "金洲", "凯盛", "思远", "拓普", "精诚", "晶源", "和泰", "易达", "同创",
         "永恒", "美达", "英特", "泰升", "云图", "智芯", "卓越", "宝龙", "盛世", "奥林", "长兴", "伟业"]
# (GB/T 4754 小类, name suffix, revenue range 万元)
INDUSTRIES = [
    ("3982", "电子科技有限公司", (800, 60000)), ("3981", "电子元件有限公司", (500, 30000)),
    ("3976", "光电科技有限公司", (500, 40000)), ("3874", "智能照明有限公司", (300, 20000)),
    ("3484", "精密机械有限公司", (300, 15000)), ("2929", "塑胶制品有限公司", (300, 12000)),
    ("3399", "五金制品有限公司", (200, 9000)), ("3563", "自动化设备有限公司", (500, 25000)),
    ("6513", "软件技术有限公司", (200, 9000)), ("6520", "集成电路设计有限公司", (300, 30000)),
    ("5179", "贸易有限公司", (300, 20000)), ("5299", "商贸有限公司", (100, 3000)),
    ("6210", "餐饮管理有限公司", (50, 1200)), ("7020", "物业管理有限公司", (200, 3000)),
    ("4710", "建筑工程有限公司", (500, 20000)), ("7484", "检测技术有限公司", (200, 5000)),
]
TOPIC_NOTES = {
    "business": "了解今年订单与产值情况，企业预计营收同比增长",
    "labour": "企业反映普工招聘困难，希望对接人社部门招聘会",
    "space": "企业计划扩产，需要新增厂房约2000平方米",
    "finance": "企业有流动资金贷款需求，介绍了贴息政策",
    "policy": "宣讲专精特新认定及研发投入奖励政策",
    "safety": "检查消防通道及危化品存放，提醒落实安全生产主体责任",
}
PROBLEMS = [
    ("space", "现有厂房租约明年到期，希望协助寻找3000平方米以上的产业用房"),
    ("labour", "普工缺口约50人，希望街道协助对接招聘渠道"),
    ("utilities", "园区电力容量不足，新增设备无法满负荷运行"),
    ("transport", "园区门口道路拥堵，货车进出困难，希望优化交通组织"),
    ("finance", "希望了解科技型企业贷款贴息申报流程"),
    ("education", "骨干员工子女入学需要协调学位"),
    ("policy", "咨询“小升规”奖励申报条件"),
    ("housing", "新引进工程师需要人才住房"),
]


# GB/T 4754 小类 → the "20+8" clusters (names as loaded by migration 0011) a firm of that industry is tagged with.
CLUSTERS_BY_INDUSTRY = {
    "3982": ["智能终端"], "3981": ["半导体与集成电路"], "3976": ["超高清视频显示"], "3874": ["安全节能环保"],
    "3484": ["工业母机"], "3563": ["智能机器人"], "6513": ["软件与信息服务"], "6520": ["半导体与集成电路"],
    "7484": ["精密仪器设备"],
}


def firm_names() -> dict[str, list[str]]:
    """The demo firms' names by street, each name used once across both streets: one name, one credit code."""
    names: dict[str, list[str]] = {}
    taken: set[str] = set()
    for s, (street_code, n_firms) in enumerate(FIRMS_PER_STREET.items()):
        names[street_code] = []
        for i in range(n_firms):
            suffix = INDUSTRIES[i % len(INDUSTRIES)][1]
            k = 0
            while True:
                word = (WORDS[(i * 7 + s * 17 + k * 13 + 9) % len(WORDS)]
                        + WORDS[(i * 3 + s * 5 + k + 5) % len(WORDS)][:1])
                name = f"深圳市{word}{suffix}"
                if name not in taken:
                    break
                k += 1
            taken.add(name)
            names[street_code].append(name)
    return names


def old_names(street_code: str, i: int) -> set[str]:
    """The name an earlier version of this loader gave firm i (it repeated across streets and every 80 firms)."""
    suffix = INDUSTRIES[i % len(INDUSTRIES)][1]
    return {f"深圳市{WORDS[(i * 7 + len(street_code)) % len(WORDS)] + WORDS[(i * 3 + 5) % len(WORDS)][:1]}{suffix}"}


def demo_uscc(street_code: str, n: int) -> str:
    body = f"91440300MA5{street_code[-1]}{n:05d}"[:17]
    body = "".join(ch if ch in ALPHABET else "0" for ch in body)
    return body + check_char(body)


@transaction.atomic
def load(stdout=None) -> dict:
    rng = random.Random(20251123)
    today = timezone.localdate()
    names = firm_names()
    industries = {i.code: i for i in IndustryCategory.objects.filter(code__in=[c for c, _, _ in INDUSTRIES])}
    users = {u.username: u for u in User.objects.filter(
        username__in=["officer", "officer2", "officer_yt", "statistician", "manager", "admin"])}
    counts = {"firms": 0, "visits": 0}
    clusters = {c.name: c for c in Cluster.objects.all()}
    district_campaign, _ = VisitCampaign.objects.get_or_create(
        name="万名干部助企行", street=None,
        defaults={"start_date": today - dt.timedelta(days=120), "end_date": today - dt.timedelta(days=60),
                  "description": "全区干部下沉一线走访企业、收集诉求、解决难题"},
    )
    for street_code, n_firms in FIRMS_PER_STREET.items():
        street = Street.objects.filter(code=street_code).first()
        if street is None:
            continue
        communities = {c.name: c for c in Community.objects.filter(street=street)}
        parks = []
        for park_name, community_name in PARKS[street_code]:
            park, _ = Park.objects.get_or_create(street=street, name=park_name, defaults={
                "community": communities.get(community_name), "address": f"深圳市光明区{street.name}{park_name}"})
            parks.append(park)
        street_campaign, _ = VisitCampaign.objects.get_or_create(
            name="营商环境服务周", street=street,
            defaults={"start_date": today - dt.timedelta(days=30), "end_date": today - dt.timedelta(days=24),
                      "description": "集中走访辖区四上及专精特新企业，诉求 100% 反馈"},
        )
        firms = []
        for i in range(n_firms):
            code, suffix, (low, high) = INDUSTRIES[i % len(INDUSTRIES)]
            name = names[street_code][i]
            uscc = demo_uscc(street_code, i + 1)
            park = parks[i % len(parks)]
            ent = Enterprise.objects.filter(uscc=uscc).first()
            if ent is None:
                ent = Enterprise.objects.create(
                    uscc=uscc, name=name, street=street, community=park.community, park=park,
                    address=f"{park.address}{rng.randint(1, 12)}栋{rng.randint(1, 6)}楼",
                    legal_representative=rng.choice("王李张刘陈杨黄赵吴周") + rng.choice(["伟", "芳", "强", "敏", "军", "洋", "杰"]),
                    registered_capital=Decimal(rng.choice([100, 200, 500, 1000, 3000, 5000])),
                    established_on=dt.date(rng.randint(2003, 2022), rng.randint(1, 12), rng.randint(1, 28)),
                    industry=industries.get(code),
                )
                EnterpriseContact.objects.create(
                    enterprise=ent, name=rng.choice("王李张刘陈") + rng.choice(["经理", "总", "主管"]), title="行政负责人",
                    phone=f"13{rng.randint(100000000, 999999999)}", email=f"contact{i}@example.com", is_primary=True)
                counts["firms"] += 1
            elif ent.name != name and ent.name in old_names(street_code, i):
                # A database loaded by an older demo, whose generated names repeated: rename to the unique one.
                ent.name = name
                ent.save(update_fields=["name", "name_initials", "updated_at"])
            if code in CLUSTERS_BY_INDUSTRY and not ent.clusters.exists():
                ent.clusters.set([clusters[n] for n in CLUSTERS_BY_INDUSTRY[code] if n in clusters])
            firms.append((ent, code, low, high))
        # Annual figures 2023–2025 and 四上 by year: the first SISHANG_PER_STREET firms are above threshold.
        n_sishang = SISHANG_PER_STREET[street_code]
        for idx, (ent, code, low, high) in enumerate(firms):
            big = idx < n_sishang
            base = rng.uniform(max(low, 2200), max(high, 2500)) if big else rng.uniform(low, min(high, 1800))
            for year, factor in ((2023, 0.85), (2024, 0.95), (2025, 1.05)):
                AnnualFigure.objects.update_or_create(enterprise=ent, year=year, defaults={
                    "revenue": Decimal(round(base * factor, 2)), "employees": int(base / 25) + 10,
                    "output_value": Decimal(round(base * factor * 1.1, 2)) if code[:2] in ("29", "33", "34", "35", "38", "39") else None,
                    "source": "demo"})
            if big:
                category = sishang_category_for(code, Decimal(base), 2025) or Classification.SishangCategory.SERVICES
                years = (2025,) if idx % 9 == 0 else (2024, 2025)  # every ninth is new in 2025 (小升规)
                for year in years:
                    Classification.objects.get_or_create(enterprise=ent, kind="sishang", year=year,
                                                         defaults={"category": category, "source": "demo"})
        # 专精特新 tiers, 高新, listed, pre-IPO, pools, sampled.
        zjtx = firms[: 14 if street_code.endswith("6") else 7]
        for idx, (ent, *_rest) in enumerate(zjtx):
            tier = ["innovative", "municipal", "provincial", "little_giant"][idx % 4]
            year = 2023 + idx % 3
            Classification.objects.get_or_create(enterprise=ent, kind="zjtx", category=tier, year=year, defaults={
                "valid_from": dt.date(year, 7, 1), "valid_to": dt.date(year + 3, 6, 30), "source": "demo"})
        for idx, (ent, *_rest) in enumerate(firms[:10]):
            Classification.objects.get_or_create(enterprise=ent, kind="gaoxin", certificate_no=f"GR20234420{idx:04d}",
                                                 defaults={"valid_from": dt.date(2023, 12, 12),
                                                           "valid_to": dt.date(2026, 12, 11), "source": "demo"})
        if street_code.endswith("6"):
            Classification.objects.get_or_create(enterprise=firms[0][0], kind="listed", stock_code="301xxx".replace("xxx", "266"),
                                                 defaults={"exchange": "SZSE", "valid_from": dt.date(2022, 8, 18)})
            for (ent, *_r), stage in zip(firms[1:3], ("restructuring", "tutoring")):
                Classification.objects.get_or_create(enterprise=ent, kind="preipo", valid_from=dt.date(2024, 3, 1),
                                                     defaults={"reason": "拟创业板上市", "category": stage})
        for idx, (ent, *_r) in enumerate(firms[n_sishang:n_sishang + 8]):
            Classification.objects.get_or_create(enterprise=ent, kind="pool", category="sishang_candidate",
                                                 valid_from=dt.date(2025, 1, 1), defaults={"reason": "营收接近规上标准"})
        # 小升规 done: the firms new on the 2025 四上 list (every ninth) were in the pool since 2024 and graduate.
        for idx in range(9, n_sishang, 9):
            Classification.objects.get_or_create(enterprise=firms[idx][0], kind="pool", category="sishang_candidate",
                                                 valid_from=dt.date(2024, 1, 1), defaults={"reason": "营收接近规上标准"})
        from enterprises.services.pools import graduate_from_sishang

        graduate_from_sishang(2025, enterprise_ids=[firms[idx][0].pk for idx in range(9, n_sishang, 9)])
        for ent, *_r in firms[n_sishang + 8:n_sishang + 14]:
            Classification.objects.get_or_create(enterprise=ent, kind="sampled", year=2025)
        # Liaisons: most firms, not all (the coverage page must have something to show).
        team = [users.get(n) for n in (["officer", "officer2"] if street_code.endswith("6") else ["officer_yt"])]
        team = [u for u in team if u]
        if team:
            for idx, (ent, *_r) in enumerate(firms):
                if idx % 11 == 10:
                    continue
                officer = team[idx % len(team)]
                if not LiaisonAssignment.objects.filter(enterprise=ent, officer=officer, end_date__isnull=True).exists():
                    LiaisonAssignment.objects.create(enterprise=ent, officer=officer, team_role="service_officer",
                                                     start_date=dt.date(2024, 1, 1), created_by=users.get("manager"))
            for role, username in (("leader", "manager"), ("statistician", "statistician")):
                user = users.get(username)
                if user and user.street_id == street.pk:
                    for ent, *_r in firms[:10]:
                        LiaisonAssignment.objects.get_or_create(enterprise=ent, officer=user, team_role=role,
                                                                end_date=None, defaults={"start_date": dt.date(2024, 1, 1)})
        # Visits over the last year, only once per street.
        if team and not Visit.objects.filter(enterprise__street=street).exists():
            n_visits = 200 if street_code.endswith("6") else 100
            for v in range(n_visits):
                ent = firms[rng.randrange(min(len(firms), 70))][0]
                day = today - dt.timedelta(days=rng.randint(0, 364))
                campaign = None
                if street_campaign.start_date <= day <= street_campaign.end_date:
                    campaign = street_campaign
                elif district_campaign.start_date <= day <= district_campaign.end_date:
                    campaign = district_campaign
                author = team[v % len(team)]
                topics = rng.sample(list(TOPIC_NOTES), k=rng.randint(1, 3))
                visit = Visit.objects.create(
                    enterprise=ent, date=day, created_by=author, topics=topics, campaign=campaign,
                    people_met=rng.choice(["总经理", "行政经理", "财务总监", "董事长"]),
                    notes="；".join(TOPIC_NOTES[t] for t in topics))
                visit.officers.set([author])
                if rng.random() < 0.25:
                    category, text = rng.choice(PROBLEMS)
                    VisitProblem.objects.create(visit=visit, description=text, category=category)
                counts["visits"] += 1
            # One firm visited by many different people in a week: the "减少扰企" flag has something to show.
            crowd = [u for u in User.objects.filter(street=street, is_active=True)][:5]
            if len(crowd) > 3:
                for k, person in enumerate(crowd):
                    visit = Visit.objects.create(enterprise=firms[5][0], date=today - dt.timedelta(days=k + 1),
                                                 created_by=person, topics=["safety"], notes="安全检查")
                    visit.officers.set([person])
    if stdout:
        stdout.write(f"enterprises: {counts['firms']} firms, {counts['visits']} visits created\n")
    return counts
