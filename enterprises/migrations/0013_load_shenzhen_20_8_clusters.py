"""Shenzhen's "20+8" industry clusters as data (深圳市人民政府《关于发展壮大战略性新兴产业集群和培育发展未来产业的
意见》, 2022-06): 20 strategic emerging industry clusters and 8 future industries. Administrators edit them (and
add a district's own, kind "local") in the admin; firms and projects are tagged with them.

A cluster of the same name created earlier (the demo's) is kept and given its kind; nothing is renamed.
"""

from django.db import migrations

EMERGING = [
    ("network-communication", "网络与通信"), ("semiconductor", "半导体与集成电路"),
    ("ultra-hd-display", "超高清视频显示"), ("smart-terminal", "智能终端"), ("smart-sensor", "智能传感器"),
    ("software", "软件与信息服务"), ("digital-creative", "数字创意"), ("modern-fashion", "现代时尚"),
    ("machine-tools", "工业母机"), ("smart-robots", "智能机器人"), ("laser-additive", "激光与增材制造"),
    ("precision-instruments", "精密仪器设备"), ("new-energy", "新能源"), ("safety-green", "安全节能环保"),
    ("connected-vehicles", "智能网联汽车"), ("new-materials", "新材料"), ("medical-devices", "高端医疗器械"),
    ("biomedicine", "生物医药"), ("health", "大健康"), ("marine", "海洋产业"),
]
FUTURE = [
    ("synthetic-biology", "合成生物"), ("blockchain", "区块链"), ("cell-gene", "细胞与基因"),
    ("aerospace", "空天技术"), ("brain-science", "脑科学与类脑智能"), ("deep-earth-sea", "深地深海"),
    ("visible-light-optical-computing", "可见光通信与光计算"), ("quantum", "量子信息"),
]


def load(apps, schema_editor):
    Cluster = apps.get_model("enterprises", "Cluster")
    for kind, rows in (("emerging", EMERGING), ("future", FUTURE)):
        for code, name in rows:
            existing = Cluster.objects.filter(name=name).first()
            if existing is not None:
                if existing.kind != kind:
                    existing.kind = kind
                    existing.save(update_fields=["kind"])
                continue
            if Cluster.objects.filter(code=code).exists():
                code = f"sz-{code}"[:40]
            Cluster.objects.create(code=code, name=name, kind=kind)


def unload(apps, schema_editor):
    Cluster = apps.get_model("enterprises", "Cluster")
    names = [name for _code, name in EMERGING + FUTURE]
    # Clusters nobody tagged go; tagged ones stay (their tags are data users entered).
    Cluster.objects.filter(name__in=names, enterprises__isnull=True, projects__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0012_classification_outcome"),
        ("pipelines", "0001_initial"),
    ]

    operations = [migrations.RunPython(load, unload)]
