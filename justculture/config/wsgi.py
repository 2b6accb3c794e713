"""WSGI entry point (gunicorn ``justculture.config.wsgi``).

Loading it runs the system checks (and, with DEBUG off, the deployment checks): a configuration
that ``justculture check`` refuses never starts serving, under any server (core.security)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "justculture.config.settings")

application = get_wsgi_application()

from justculture.core.security import check_at_start  # noqa: E402  (needs the apps loaded above)

check_at_start()
