"""Trigram indexes for Chinese substring search on project and investor names (PostgreSQL only)."""

from django.db import migrations

from crm.db import PostgresOnlySQL


class Migration(migrations.Migration):
    dependencies = [("pipelines", "0001_initial")]

    operations = [
        PostgresOnlySQL(
            "CREATE INDEX IF NOT EXISTS project_name_trgm ON pipelines_project USING gin (name gin_trgm_ops);"
            "CREATE INDEX IF NOT EXISTS project_investor_trgm ON pipelines_project USING gin (investor_name gin_trgm_ops);",
            "DROP INDEX IF EXISTS project_name_trgm; DROP INDEX IF EXISTS project_investor_trgm;",
        ),
    ]
