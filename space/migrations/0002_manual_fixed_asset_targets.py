"""Targets typed by hand under the old manual 固定资产投资 metric keep their figures under the manual fallback
metric (clearly labelled); the computed metric takes the code from now on."""

from django.db import migrations


def forwards(apps, schema_editor):
    Target = apps.get_model("pipelines", "Target")
    Target.objects.filter(metric="fixed_asset_investment", manual_actual__isnull=False).update(
        metric="fixed_asset_investment_manual")


def backwards(apps, schema_editor):
    Target = apps.get_model("pipelines", "Target")
    Target.objects.filter(metric="fixed_asset_investment_manual").update(metric="fixed_asset_investment")


class Migration(migrations.Migration):
    dependencies = [("space", "0001_initial"), ("pipelines", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
