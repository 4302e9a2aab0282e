"""The candidates of 减少扰企 (two or more visitors in 30 days), indexed after 0018's backfill."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('enterprises', '0020_visitors_30d'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='enterprise',
            index=models.Index(condition=models.Q(('visitors_30d__gte', 2)), fields=['street', 'visitors_30d'], name='enterprise_visitors_30d_idx'),
        ),
    ]
