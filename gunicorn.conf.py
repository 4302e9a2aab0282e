"""gunicorn settings for the web service (Dockerfile and docker-compose run `gunicorn -c gunicorn.conf.py`).

- The `Server` response header names no server software or version (issue 15 §7): gunicorn writes
  `Server: gunicorn` on every response; it says `street-crm` instead.
- Django's system checks run once in the master before any worker starts, so a production start without the
  static-files manifest (or another configuration error) stops with a clear message instead of serving 500s.
"""

import os

import gunicorn.http.wsgi

SERVER_HEADER = "street-crm"
gunicorn.http.wsgi.SERVER = SERVER_HEADER

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))


def on_starting(server):
    import django
    from django.core.management import call_command

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    django.setup()
    call_command("check")  # raises SystemCheckError (printed, gunicorn exits) on any error
