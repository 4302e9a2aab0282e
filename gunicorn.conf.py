"""gunicorn settings for the web service (Dockerfile and docker-compose run `gunicorn -c gunicorn.conf.py`).

- The `Server` response header names no server software or version (issue 15 §7): gunicorn writes
  `Server: gunicorn` on every response; it says `street-crm` instead.
- Django's system checks run once in the master before any worker starts, so a production start without the
  static-files manifest (or another configuration error) stops with a clear message instead of serving 500s.
- Workers and threads (issue 17, capacity): a page spends roughly half its time waiting for PostgreSQL, and the
  other half on the CPU holding the GIL. So: threaded workers (gthread), two processes per core (a process whose
  threads all wait on the database leaves its core to the other, at most 8) and four threads each; 2 cores → 4 × 4 = 16
  requests in flight and 16 persistent database connections (CONN_MAX_AGE). WEB_CONCURRENCY / GUNICORN_THREADS
  override. Sync workers (the former default, 3 of them) queued every request behind the slowest page.
- Keep-alive a little longer than a user's pause between clicks, so a browser reuses its connection.
"""

import multiprocessing
import os

import gunicorn.http.wsgi

SERVER_HEADER = "street-crm"
gunicorn.http.wsgi.SERVER = SERVER_HEADER

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = "gthread"
# The CPUs this process may run on (a container's cpuset), not the host's count; at most 8 processes (× 4 threads:
# 32 database connections of PostgreSQL's default 100) unless WEB_CONCURRENCY says otherwise.
CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else multiprocessing.cpu_count()
workers = int(os.environ.get("WEB_CONCURRENCY", str(min(2 * CORES, 8))))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))


def on_starting(server):
    import django
    from django.core.management import call_command

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    django.setup()
    call_command("check")  # raises SystemCheckError (printed, gunicorn exits) on any error
