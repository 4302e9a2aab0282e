"""Database helpers shared by the apps' migrations."""

from django.db import migrations


class PostgresOnlySQL(migrations.RunSQL):
    """RunSQL that is skipped on SQLite (trigram indexes, partial GIN indexes, COPY-friendly tweaks).

    SQLite is the embedded demo database; PostgreSQL is what production and CI run.
    """

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
