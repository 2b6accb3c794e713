"""Passwords are hashed with Argon2; older hashes are upgraded when their owner signs in."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.hashers import make_password

from tests.conftest import PASSWORD
from tests.security.support import password_sign_in


def test_argon2_is_the_first_hasher():
    assert settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_new_passwords_are_stored_with_argon2(handler):
    assert handler.password.startswith("argon2$argon2id$")


def test_an_older_hash_is_upgraded_to_argon2_at_sign_in(handler):
    handler.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    handler.save(update_fields=["password"])
    _client, response = password_sign_in(handler)
    assert response.status_code == 302
    handler.refresh_from_db()
    assert handler.password.startswith("argon2$")
    assert handler.check_password(PASSWORD)
