"""Indexes a 100,000-row name-list import paid for and no query used.

- enterprise_uscc_trgm: code search is a prefix match (selectors.search), served by the unique btree's
  varchar_pattern_ops twin; the trigram index cost ~0.8 s per 100,000 new firms.
- name_initials btrees: initials are searched by substring, which only enterprise_initials_trgm serves.
- street_id, annualfigure.enterprise_id, classification.enterprise_id: each is the leading column of a
  composite index or unique constraint already.
"""

import django.db.models.deletion
from django.db import migrations, models

from crm.db import PostgresOnlySQL


class Migration(migrations.Migration):

    dependencies = [
        ('crm', '0004_notification_recipient_no_separate_index'),
        ('enterprises', '0005_keyset_index'),
    ]

    operations = [
        migrations.AlterField(
            model_name='annualfigure',
            name='enterprise',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='figures', to='enterprises.enterprise'),
        ),
        migrations.AlterField(
            model_name='classification',
            name='enterprise',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='classifications', to='enterprises.enterprise'),
        ),
        migrations.AlterField(
            model_name='enterprise',
            name='name_initials',
            field=models.CharField(blank=True, max_length=200, verbose_name='名称拼音首字母'),
        ),
        migrations.AlterField(
            model_name='enterprise',
            name='street',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='enterprises', to='crm.street', verbose_name='街道'),
        ),
        PostgresOnlySQL(
            "DROP INDEX IF EXISTS enterprise_uscc_trgm;",
            "CREATE INDEX enterprise_uscc_trgm ON enterprises_enterprise USING gin (uscc gin_trgm_ops);",
        ),
    ]
