"""Helpers for the security tests: codes computed from a device's secret with pyotp, as an app would."""

from __future__ import annotations

import time

import pyotp
from django.test import Client

from justculture.core import twofactor
from justculture.core.models import TwoFactorDevice, User
from tests.conftest import PASSWORD


def app_code(secret: str, at: float | None = None) -> str:
    """The code an authenticator app shows for this secret (RFC 6238: 30 s steps, 6 digits)."""
    return pyotp.TOTP(secret).at(time.time() if at is None else at)


def secret_of(user: User) -> str:
    return twofactor.device_secret(TwoFactorDevice.objects.get(user=user))


def give_device(user: User) -> str:
    """Set up and confirm an app for the user through the service; returns the secret.

    The confirming code is taken from the step before now, so a code for now is still unused.
    """
    _device, secret = twofactor.pending_setup(user)
    assert twofactor.confirm_setup(user, app_code(secret, time.time() - 30))
    return secret


def password_sign_in(user: User, client: Client | None = None, **extra: str):
    client = client or Client()
    response = client.post("/sign-in/", {"username": user.username, "password": PASSWORD, **extra})
    return client, response


def client_for_verified(user: User) -> Client:
    """A test client signed in as the user and past the second factor: what tests/conftest.py's
    client_for does once it calls twofactor.mark_verified (see docs/security.md)."""
    client = Client()
    client.force_login(user)
    session = client.session
    twofactor.mark_verified(session)
    session.save()
    return client
