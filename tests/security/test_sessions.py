"""Sessions end after 30 minutes without activity (activity extends them) and at browser close."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from tests.security.support import client_for_verified


def test_session_settings():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_HTTPONLY is True and settings.CSRF_COOKIE_HTTPONLY is True


def test_an_idle_session_ends(handler):
    client = client_for_verified(handler)
    assert client.get("/cases/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/cases/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")


def test_each_request_moves_the_expiry_on(handler):
    client = client_for_verified(handler)
    Session.objects.update(expire_date=timezone.now() + timedelta(minutes=1))
    response = client.get("/cases/")
    assert response.status_code == 200
    expires = Session.objects.get().expire_date
    assert expires > timezone.now() + timedelta(minutes=29)


def test_the_session_cookie_lasts_until_the_browser_closes(handler):
    client = client_for_verified(handler)
    cookie = client.get("/cases/").cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == "" and cookie["expires"] == ""
    assert cookie["httponly"] is True and cookie["samesite"] == "Lax"
