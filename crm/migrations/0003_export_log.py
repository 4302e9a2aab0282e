import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("crm", "0002_seed_calendar"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ExportLog",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("username", models.CharField(blank=True, max_length=150, verbose_name="用户名")),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="导出时间")),
                ("what", models.CharField(max_length=200, verbose_name="导出内容")),
                ("rows", models.PositiveIntegerField(default=0, verbose_name="行数")),
                ("personal_data", models.BooleanField(default=False, verbose_name="含个人信息")),
                ("filters", models.JSONField(blank=True, default=dict, verbose_name="筛选条件")),
                (
                    "user",
                    models.ForeignKey(
                        blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                        related_name="export_logs", to=settings.AUTH_USER_MODEL, verbose_name="导出人",
                    ),
                ),
            ],
            options={
                "verbose_name": "导出日志",
                "verbose_name_plural": "导出日志",
                "ordering": ["-created_at"],
                "indexes": [models.Index(fields=["user", "created_at"], name="exportlog_user_idx")],
            },
        ),
    ]
