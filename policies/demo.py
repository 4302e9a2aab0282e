"""Demo policies (idempotent): a district 技改 subsidy with a three-level rule tree, pushed; a street's own 减租 measure."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def load(stdout=None) -> dict:
    from crm.models import Street, User
    from policies.models import Policy
    from policies.services import push

    today = timezone.localdate()
    admin = User.objects.filter(username="admin").first()
    manager = User.objects.filter(username="manager").first()
    street = Street.objects.filter(code="440311006").first()
    if admin is None or manager is None or street is None:
        return {}
    year = today.year - 1
    tech, created = Policy.objects.get_or_create(title="光明区工业企业技术改造扶持计划", defaults={
        "issuer": "光明区工业和信息化局", "level": Policy.Level.DISTRICT, "document_no": "深光工信〔2026〕12号",
        "summary": "对实施技术改造、设备投资的规模以上工业企业，按设备投资额给予补贴，最高 500 万元。",
        "window_opens": today - dt.timedelta(days=30), "window_closes": today + dt.timedelta(days=20),
        "benefit_kind": Policy.BenefitKind.SUBSIDY, "benefit_min": 10, "benefit_max": 500,
        "status": Policy.Status.OPEN, "created_by": admin,
        "rules": {"all": [
            {"status": ["active"]},
            {"industry": {"prefix": ["C"]}},
            {"any": [
                {"classification": {"kind": "sishang"}},
                {"all": [{"figure": {"field": "revenue", "year": year, "min": 1000, "max": None}},
                         {"not": {"age": {"max_years": 1}}}]},
            ]},
        ]},
    })
    Policy.objects.get_or_create(title="马田街道“减租惠企”行动", defaults={
        "issuer": "马田街道办事处", "level": Policy.Level.STREET, "street": street,
        "summary": "对街道统租厂房内的专精特新、规上企业减免三个月租金。",
        "window_opens": today - dt.timedelta(days=10), "window_closes": today + dt.timedelta(days=60),
        "benefit_kind": Policy.BenefitKind.RENT, "status": Policy.Status.OPEN, "created_by": manager,
        "rules": {"all": [{"street": [street.code]}, {"any": [{"classification": {"kind": "zjtx"}},
                                                              {"classification": {"kind": "sishang"}}]}]},
    })
    pushed = push(tech, actor=manager) if created else {}
    if stdout:
        stdout.write(f"policies: demo policies ready {pushed}")
    return pushed
