"""四上 thresholds (DOMAIN.md; 国家统计局 rules in force since the 2011 statistical year) and default visit rules.

Thresholds are data by year: a later year's rows replace the whole set from that year on (see
enterprises.services.classification.threshold_year_for), so a rule change is one new data migration or an
admin edit, never code.
"""

from django.db import migrations

THRESHOLDS_2011 = [
    # (category, prefixes, min revenue 万元, note)
    ("industry", "B,C,D", 2000, "规模以上工业：主营业务收入 2000 万元及以上"),
    ("construction", "E", 0, "有资质的建筑业：具有建筑业资质，不设收入门槛"),
    ("wholesale", "51", 2000, "限额以上批发业：主营业务收入 2000 万元及以上"),
    ("retail", "52", 500, "限额以上零售业：主营业务收入 500 万元及以上"),
    ("accommodation", "61", 200, "限额以上住宿业：主营业务收入 200 万元及以上"),
    ("catering", "62", 200, "限额以上餐饮业：主营业务收入 200 万元及以上"),
    ("services", "G,I,N,84", 2000, "规模以上服务业：交通运输仓储邮政、信息技术、水利环境公共设施、卫生"),
    ("services", "L,M,P,7020,7030,7040,7090", 1000, "规模以上服务业：租赁商务、科研技术、教育、物业/中介/自有房地产/其他房地产"),
    ("services", "O,R,85", 500, "规模以上服务业：居民服务修理、文化体育娱乐、社会工作"),
    ("real_estate", "7010", 0, "房地产开发经营：有开发资质的单位全部纳入"),
]

DEFAULT_RULES = [
    # (kind, visit at least every N days, more than M different visitors in 30 days is too many)
    ("sishang", 90, 3),
    ("zjtx", 90, 3),
    ("sampled", 180, 3),
    ("pool", 120, 3),
    ("assigned", 180, 3),
]


def load(apps, schema_editor):
    SishangThreshold = apps.get_model("enterprises", "SishangThreshold")
    VisitRule = apps.get_model("enterprises", "VisitRule")
    for category, prefixes, minimum, note in THRESHOLDS_2011:
        SishangThreshold.objects.get_or_create(
            year=2011, category=category, industry_prefixes=prefixes, defaults={"min_revenue": minimum, "note": note}
        )
    for kind, interval, ceiling in DEFAULT_RULES:
        VisitRule.objects.get_or_create(
            street=None, kind=kind, defaults={"min_interval_days": interval, "max_visitors_30d": ceiling}
        )


def unload(apps, schema_editor):
    apps.get_model("enterprises", "SishangThreshold").objects.filter(year=2011).delete()
    apps.get_model("enterprises", "VisitRule").objects.filter(street__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0003_liaison_visits")]

    operations = [migrations.RunPython(load, unload)]
