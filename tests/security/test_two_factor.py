"""Two-factor sign-in (TOTP): required for flagged roles, optional for others, codes used once."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client, override_settings

from justculture.core import twofactor
from justculture.core.models import AuditEvent, TwoFactorDevice
from tests.conftest import client_for
from tests.security.support import app_code, client_for_verified, give_device, password_sign_in, secret_of


@pytest.fixture
def decider(org, make_user):
    return make_user(org, "decision-maker")


def shown_secret(html: str) -> str:
    match = re.search(r'id="secret"><code>([A-Z2-7 ]+)</code>', html)
    assert match, "the secret is shown as text"
    return match.group(1).replace(" ", "")


def test_a_privileged_user_without_an_app_is_sent_to_set_one_up(decider):
    client, response = password_sign_in(decider)
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == "/account/two-factor/set-up/"
    assert parse_qs(location.query)["next"] == ["/cases/"]
    # Nothing else can be reached until it is done.
    for path in ["/", "/cases/", "/guide/", "/actions/", "/account/two-factor/"]:
        blocked = client.get(path)
        assert blocked.status_code == 302, path
        assert blocked["Location"].startswith("/account/two-factor/set-up/?next="), path
    assert client.post("/cases/incidents/new/", {}).status_code == 302
    # Signing out still works.
    assert client.post("/sign-out/").status_code == 302
    assert client.get("/cases/")["Location"].startswith("/sign-in/")


def test_setting_up_shows_the_secret_and_an_inline_qr_code_then_confirms_with_a_code(decider):
    client, _ = password_sign_in(decider)
    response = client.get("/account/two-factor/set-up/?next=/cases/")
    html = response.content.decode()
    assert response.status_code == 200
    secret = shown_secret(html)
    assert len(secret) == 32
    assert '<svg role="img" aria-label="QR code for your authenticator app"' in html
    assert "<img" not in html.split("<main", 1)[1] and "http" not in html.split("<svg", 1)[1].split("</svg>")[0]
    # Stored encrypted: the secret does not appear in the database row.
    device = TwoFactorDevice.objects.get(user=decider)
    assert secret not in device.encrypted_secret and not device.confirmed
    # Reloading shows the same pending secret.
    assert shown_secret(client.get("/account/two-factor/set-up/").content.decode()) == secret

    wrong = client.post("/account/two-factor/set-up/", {"code": "000000", "next": "/cases/"})
    assert wrong.status_code == 200 and "The code is not right" in wrong.content.decode()
    malformed = client.post("/account/two-factor/set-up/", {"code": "12ab", "next": "/cases/"})
    assert "Enter the code as 6 digits" in malformed.content.decode()

    done = client.post("/account/two-factor/set-up/", {"code": app_code(secret), "next": "/cases/"})
    assert done.status_code == 302 and done["Location"] == "/cases/"
    assert client.get("/cases/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    event = AuditEvent.objects.get(action="two-factor.set-up")
    assert event.actor_id == decider.pk and event.organisation_id == decider.organisation_id
    assert secret not in f"{event.summary} {event.changes}"
    # The secret is never shown again.
    again = client.get("/account/two-factor/set-up/")
    assert again.status_code == 302 and again["Location"] == "/account/two-factor/"
    assert secret not in client.get("/account/two-factor/").content.decode()


def test_with_an_app_sign_in_asks_for_a_code(decider):
    secret = give_device(decider)
    client, response = password_sign_in(decider, next="/cases/?status=open")
    assert urlsplit(response["Location"]).path == "/sign-in/code/"
    assert client.get("/cases/").status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200 and "Enter the code from your authenticator app" in page.content.decode()

    wrong = client.post("/sign-in/code/", {"code": "123456", "next": "/cases/?status=open"})
    assert wrong.status_code == 200 and "The code is not right" in wrong.content.decode()
    right = client.post("/sign-in/code/", {"code": app_code(secret), "next": "/cases/?status=open"})
    assert right.status_code == 302 and right["Location"] == "/cases/?status=open"
    assert client.get("/cases/").status_code == 200
    assert AuditEvent.objects.filter(action="two-factor.used", actor_id=decider.pk).count() == 1
    assert AuditEvent.objects.filter(action="sign-in.failed", object_id=str(decider.pk)).count() == 1


def test_a_code_cannot_be_used_twice(decider):
    secret = give_device(decider)
    code = app_code(secret)
    first, _ = password_sign_in(decider)
    assert first.post("/sign-in/code/", {"code": code})["Location"] == "/cases/"
    second, _ = password_sign_in(decider)
    replay = second.post("/sign-in/code/", {"code": code})
    assert replay.status_code == 200 and "The code is not right" in replay.content.decode()


def test_codes_one_step_either_side_are_accepted_and_older_ones_never_again(decider):
    now = 1_800_000_000.0
    _device, secret = twofactor.pending_setup(decider)
    assert twofactor.confirm_setup(decider, app_code(secret, now - 60), at=now - 60)
    assert not twofactor.verify(decider, app_code(secret, now - 60), at=now - 60 + 1)  # reused
    assert not twofactor.verify(decider, app_code(secret, now - 60), at=now)  # two steps old
    assert not twofactor.verify(decider, app_code(secret, now + 60), at=now)  # two steps ahead
    assert twofactor.verify(decider, app_code(secret, now + 30), at=now)  # phone a step ahead
    assert not twofactor.verify(decider, app_code(secret, now), at=now)  # older than the one used
    assert twofactor.verify(decider, app_code(secret, now + 60), at=now + 30)
    assert twofactor.verify(decider, " ".join([app_code(secret, now + 120)[:3], app_code(secret, now + 120)[3:]]),
                            at=now + 120)


def test_the_code_matches_the_rfc_6238_test_vector():
    # RFC 6238 appendix B, SHA-1, T = 59 s: 94287082 (8 digits); its last 6 digits are the 6-digit code.
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of "12345678901234567890"
    assert twofactor.code_for_step(secret, twofactor.time_step(59)) == "287082"


def test_five_wrong_codes_sign_the_session_out_and_lock_sign_in(decider):
    secret = give_device(decider)
    client, _ = password_sign_in(decider)
    for _ in range(4):
        assert client.post("/sign-in/code/", {"code": "000000"}).status_code == 200
    locked = client.post("/sign-in/code/", {"code": "000000"})
    assert locked.status_code == 302 and locked["Location"] == "/sign-in/"
    assert client.get("/cases/")["Location"].startswith("/sign-in/")
    assert "too many attempts" in client.get("/sign-in/").content.decode()
    _again, response = password_sign_in(decider)
    assert response.status_code == 429
    assert AuditEvent.objects.filter(action="sign-in.locked").count() == 1
    assert app_code(secret) not in " ".join(e.summary for e in AuditEvent.objects.all())


def test_other_roles_sign_in_without_a_code_and_may_choose_one(handler):
    client, response = password_sign_in(handler)
    assert response["Location"] == "/cases/"
    status = client.get("/account/two-factor/").content.decode()
    assert "Two-factor sign-in is off" in status and 'href="/account/two-factor/set-up/"' in status
    secret = shown_secret(client.get("/account/two-factor/set-up/").content.decode())
    assert "Your role gives you access" not in client.get("/account/two-factor/set-up/").content.decode()
    client.post("/account/two-factor/set-up/", {"code": app_code(secret, time.time() - 30)})
    # Once chosen, it is asked for like anyone else's.
    later, response = password_sign_in(handler)
    assert urlsplit(response["Location"]).path == "/sign-in/code/"
    assert later.post("/sign-in/code/", {"code": app_code(secret)})["Location"] == "/cases/"
    # And it can be turned off again with a current code.
    assert later.post("/account/two-factor/turn-off/", {"code": "000000"}).status_code == 200
    assert TwoFactorDevice.objects.filter(user=handler).exists()
    off = later.post("/account/two-factor/turn-off/", {"code": app_code(secret, time.time() + 30)})
    assert off.status_code == 302
    assert not TwoFactorDevice.objects.filter(user=handler).exists()
    assert AuditEvent.objects.filter(action="two-factor.removed").count() == 1


def test_a_required_app_cannot_be_turned_off(decider):
    secret = give_device(decider)
    client = client_for_verified(decider)
    assert "cannot be turned off" in client.get("/account/two-factor/").content.decode()
    client.post("/account/two-factor/turn-off/", {"code": app_code(secret)})
    assert TwoFactorDevice.objects.filter(user=decider).exists()


def test_next_addresses_elsewhere_are_not_followed(decider):
    secret = give_device(decider)
    client, _ = password_sign_in(decider)
    response = client.post("/sign-in/code/", {"code": app_code(secret), "next": "https://elsewhere.example/"})
    assert response["Location"] == "/cases/"


def test_force_login_alone_is_not_verified_and_mark_verified_is_the_test_helper(decider):
    plain = Client()
    plain.force_login(decider)
    assert plain.get("/cases/").status_code == 302
    assert client_for_verified(decider).get("/cases/").status_code == 200


def test_the_conftest_client_for_gives_a_verified_session(decider):
    # Needs the one-line change to tests/conftest.py described in docs/security.md.
    assert client_for(decider).get("/cases/").status_code == 200


def test_a_verified_mark_belongs_to_one_user(decider, org, make_user):
    other = make_user(org, "auditor")
    client = client_for_verified(decider)
    session = client.session
    session["_auth_user_id"] = str(other.pk)
    session.save()
    assert client.get("/").status_code == 302


def test_secrets_still_decrypt_after_a_key_rotation_with_the_old_key_kept(decider, settings):
    secret = give_device(decider)
    old_key = settings.SECRET_KEY
    with override_settings(SECRET_KEY="n" * 60, SECRET_KEY_FALLBACKS=[old_key]):
        assert secret_of(decider) == secret
    with override_settings(SECRET_KEY="n" * 60, SECRET_KEY_FALLBACKS=[]), pytest.raises(ValueError):
        secret_of(decider)
