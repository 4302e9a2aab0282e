from django.db import migrations

CATEGORIES = [
    ("space", "产业用房"), ("housing", "住房"), ("education", "子女教育"), ("transport", "交通"),
    ("labour", "招工用工"), ("utilities", "用水用电"), ("finance", "融资"), ("policy", "政策咨询"),
    ("safety", "安全/执法"), ("other", "其他"),
]


def seed(apps, schema_editor):
    AppealCategory = apps.get_model("appeals", "AppealCategory")
    SlaPolicy = apps.get_model("appeals", "SlaPolicy")
    FollowupSettings = apps.get_model("appeals", "FollowupSettings")
    for order, (code, name) in enumerate(CATEGORIES, start=1):
        AppealCategory.objects.get_or_create(code=code, defaults={"name": name, "order": order})
    # The default policy (all categories, all urgencies); urgent appeals get a 2-hour first response.
    SlaPolicy.objects.get_or_create(category=None, urgency="")
    SlaPolicy.objects.get_or_create(category=None, urgency="urgent",
                                    defaults={"sign": "30m", "response": "2h", "resolution": "1wd"})
    SlaPolicy.objects.get_or_create(category=None, urgency="complex", defaults={"resolution": "13wd"})
    if not FollowupSettings.objects.exists():
        FollowupSettings.objects.create()


def unseed(apps, schema_editor):
    apps.get_model("appeals", "SlaPolicy").objects.all().delete()
    apps.get_model("appeals", "FollowupSettings").objects.all().delete()
    apps.get_model("appeals", "AppealCategory").objects.filter(code__in=[c for c, _ in CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("appeals", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
