from django.db import migrations


def seed(apps, schema_editor):
    from crm.services.calendar_admin import seed_from_package

    seed_from_package(apps=apps)


def unseed(apps, schema_editor):
    apps.get_model("crm", "SpecialDay").objects.all().delete()
    apps.get_model("crm", "CalendarYear").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("crm", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
