"""Demo organisation: 光明区 with its six 街道 and their 社区 (official codes), departments, one user per role.

The 街道 and 社区 come from the shipped division data through `load_divisions`, as for a real office.

Idempotent: every row is looked up by its natural key first. Other apps register their own loaders.
"""

from __future__ import annotations

from django.db import transaction

from crm.models.organisation import Role

DEMO_PASSWORD = "Crm-demo-2026"

DISTRICT = "440311"  # 光明区: 光明 001, 公明 002, 新湖 003, 凤凰 004, 玉塘 005, 马田 006
# What load_divisions("440311") gives (tests/crm/test_divisions.py checks they agree): test factories build
# streets from this without reading the data file.
STREETS = {
    "440311001": ("光明街道", ["光明", "碧眼", "东周", "白花", "翠湖", "迳口"]),
    "440311002": ("公明街道", ["公明", "上村", "李松蓢", "下村", "西田"]),
    "440311003": ("新湖街道", ["新羌", "楼村", "圳美"]),
    "440311004": ("凤凰街道", ["甲子塘", "东坑", "塘尾", "塘家", "凤凰"]),
    "440311005": ("玉塘街道", ["田寮", "玉律", "长圳", "红星"]),
    "440311006": ("马田街道", ["薯田埔", "合水口", "根竹园", "马山头", "石围", "将围", "石家", "新庄"]),
}
DEPARTMENTS = [
    ("光明区住房和建设局", "住建", "Housing and Construction Bureau"),
    ("光明区教育局", "教育", "Education Bureau"),
    ("光明区交通运输局", "交通", "Transport Bureau"),
    ("光明区人力资源局", "人社", "Human Resources Bureau"),
    ("深圳供电局光明供电分局", "供电", "Power Supply Branch"),
    ("光明区工业和信息化局", "工信", "Industry and Information Technology Bureau"),
    ("光明区发展和改革局", "发改", "Development and Reform Bureau"),
    ("马田街道综合行政执法队", "执法", "Matian Street Law Enforcement Team"),
]
TEAM_EN = {"新一代信息技术招商专班": "Next-generation IT investment task force"}

# username, role, last_name, first_name, street code or None, department short name or None, title
USERS = [
    ("admin", Role.ADMIN, "系统", "管理员", None, None, "系统管理员"),
    ("manager", Role.MANAGER, "陈", "建国", "440311006", None, "街道分管领导"),
    ("officer", Role.OFFICER, "李", "晓明", "440311006", None, "企业服务专员"),
    ("officer2", Role.OFFICER, "王", "芳", "440311006", None, "企业服务专员"),
    ("officer_yt", Role.OFFICER, "张", "伟", "440311005", None, "企业服务专员"),
    ("statistician", Role.STATISTICIAN, "刘", "静", "440311006", None, "统计员"),
    ("dept", Role.DEPARTMENT, "赵", "强", None, "住建", "住建局经办人"),
    ("district", Role.DISTRICT, "周", "国华", None, None, "区工信局领导"),
]


@transaction.atomic
def load(stdout=None) -> dict:
    from crm.models import Department, Street, Team, User
    from crm.services.divisions import load_divisions

    load_divisions(DISTRICT)
    streets = {s.code: s for s in Street.objects.filter(district__code=DISTRICT)}
    departments = {}
    for name, short, name_en in DEPARTMENTS:
        street = streets["440311006"] if name.startswith("马田") else None
        departments[short], _ = Department.objects.get_or_create(
            name=name, defaults={"short_name": short, "street": street, "name_en": name_en}
        )
        Department.objects.filter(pk=departments[short].pk, name_en="").update(name_en=name_en)
    users = {}
    for username, role, last, first, street_code, dept, title in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username, role=role, last_name=last, first_name=first, title=title,
                street=streets.get(street_code) if street_code else None,
                department=departments.get(dept) if dept else None,
                email=f"{username}@example.gov.cn", is_staff=role == Role.ADMIN, is_superuser=role == Role.ADMIN,
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
        elif user.role != role:  # an older demo database: the demo logins keep the roles listed here
            user.role = role
            user.save(update_fields=["role"])
        users[username] = user
    team, created = Team.objects.get_or_create(
        street=streets["440311006"], name="新一代信息技术招商专班",
        defaults={"leader": users["manager"], "name_en": TEAM_EN["新一代信息技术招商专班"]},
    )
    Team.objects.filter(pk=team.pk, name_en="").update(name_en=TEAM_EN[team.name])
    if created:
        team.members.add(users["manager"], users["officer"], users["officer2"])
    if stdout:
        stdout.write(f"组织架构：{len(streets)} 个街道，{len(departments)} 个部门，{len(users)} 个演示用户")
    return {"streets": streets, "departments": departments, "users": users, "team": team}
