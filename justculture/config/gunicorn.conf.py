"""Gunicorn settings for serving justculture. Every value can be set from the environment:

    gunicorn -c /path/to/justculture/config/gunicorn.conf.py justculture.config.wsgi

In an installed copy the file sits in the package (see docs/deployment.md for finding its path).

The access log leaves out query strings: filters and search terms in them can name people or
teams, and logs are kept and shipped with less care than the database.
"""

from __future__ import annotations

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SystemExit(f"gunicorn.conf.py: {name} must be a whole number, not {raw!r}.") from exc


# Where to listen: "127.0.0.1:8000", "0.0.0.0:8000" or "unix:/run/justculture/gunicorn.sock".
bind = [b.strip() for b in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",") if b.strip()]

# Synchronous workers: pages do their work in the database, and slow work (packs) is queued.
# The usual starting point is two per core plus one, capped so a big machine does not exhaust
# the database's connections.
workers = _int("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 12))
threads = _int("GUNICORN_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"

# A request still running after this many seconds is killed and the worker replaced.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)

# Replace workers now and then (with jitter, so not all at once) to bound any slow memory growth.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)

# Limits on the request line and headers (the defaults are generous; these are still ample).
limit_request_line = 8190
limit_request_fields = 100

# The reverse proxy's address: only it may set X-Forwarded-Proto / X-Forwarded-For.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs to standard output/error, for journald or the container runtime.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# %(U)s is the path without the query string; no user agent or referrer either.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'

# Load the application before forking, so a configuration error stops start-up at once.
preload_app = True
proc_name = "justculture"
# Gunicorn 24+ opens a control socket in $HOME by default; the service does not use it.
control_socket_disable = True
