"""Start-up checks of the production configuration (Django system checks, run by `manage.py check`,
`migrate`, `runserver` and by gunicorn at start through gunicorn.conf.py)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, register


@register("deployment")
def static_manifest_present(app_configs=None, **kwargs) -> list[Error]:
    """With DEBUG off, static files are served from the manifest `collectstatic` writes. Without it every page
    fails with a 500 (WhiteNoise's manifest storage cannot name a stylesheet); fail at start instead, saying
    what to run. The tag is not `staticfiles`, so `collectstatic` itself still runs."""
    if settings.DEBUG:
        return []
    backend = settings.STORAGES.get("staticfiles", {}).get("BACKEND", "")
    if "Manifest" not in backend:
        return []
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.is_file():
        return []
    return [Error(
        f"静态文件清单 {manifest} 不存在：DEBUG=0 时每个页面都会返回 500。",
        hint="先运行 python manage.py collectstatic --noinput（Docker 镜像构建时已运行），再启动服务。",
        id="crm.E001",
    )]
