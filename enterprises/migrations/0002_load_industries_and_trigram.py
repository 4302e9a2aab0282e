"""Load GB/T 4754-2017 from enterprises/data/gbt4754_2017.csv and add trigram indexes (PostgreSQL only)."""

import csv
from pathlib import Path

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from crm.db import PostgresOnlySQL

CSV_PATH = Path(__file__).resolve().parent.parent / "data" / "gbt4754_2017.csv"


def load_industries(apps, schema_editor):
    IndustryCategory = apps.get_model("enterprises", "IndustryCategory")
    with CSV_PATH.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    by_code = {}
    section_of = {}
    for row in rows:  # parents always precede children in the file
        code, parent = row["code"].strip(), row["parent"].strip()
        section_of[code] = code if row["level"] == "men" else section_of[parent]
        obj = IndustryCategory(code=code, name=row["name"].strip(), level=row["level"], section=section_of[code],
                               parent=by_code.get(parent))
        by_code[code] = obj
        obj.save()


def unload_industries(apps, schema_editor):
    IndustryCategory = apps.get_model("enterprises", "IndustryCategory")
    for level in ("xiao", "zhong", "da", "men"):
        IndustryCategory.objects.filter(level=level).delete()


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0001_initial")]

    operations = [
        migrations.RunPython(load_industries, unload_industries),
        TrigramExtension(),
        PostgresOnlySQL(
            "CREATE INDEX enterprise_name_trgm ON enterprises_enterprise USING gin (name gin_trgm_ops);"
            "CREATE INDEX enterprise_uscc_trgm ON enterprises_enterprise USING gin (uscc gin_trgm_ops);"
            "CREATE INDEX enterprise_initials_trgm ON enterprises_enterprise USING gin (name_initials gin_trgm_ops);",
            "DROP INDEX IF EXISTS enterprise_name_trgm; DROP INDEX IF EXISTS enterprise_uscc_trgm;"
            "DROP INDEX IF EXISTS enterprise_initials_trgm;",
        ),
    ]
