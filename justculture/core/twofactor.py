"""Two-factor sign-in with an authenticator app: time-based one-time codes (TOTP, RFC 6238).

Codes have 6 digits and change every 30 seconds; a code from the step before or after the current
one is accepted to allow for clock drift, and once a code has been accepted neither it nor any
older one is accepted again. Roles marked ``requires_two_factor`` in roles.yaml must use it; anyone
else may.

The shared secret is encrypted with a key derived from SECRET_KEY (old keys in
SECRET_KEY_FALLBACKS still decrypt) and is shown to the user only while they set the app up.

A session passes the second factor when ``mark_verified`` has been called on it for its user.
Sign-in does that after a correct code. Test suites that sign users in with ``force_login`` call
it too (see docs/security.md).
"""

from __future__ import annotations

import base64
import hmac
import re
import time
from typing import Any, Literal

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django import forms
from django.conf import settings
from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

from justculture.core import audit
from justculture.core.audit_actions import AuditAction
from justculture.core.models import TwoFactorDevice, User
from justculture.core.permissions import requires_two_factor

STEP_SECONDS = 30
DIGITS = 6
# How many steps either side of now are accepted (clock drift between phone and server).
DRIFT_STEPS = 1
# The session key holding the id of the user who passed the second factor in that session.
VERIFIED_SESSION_KEY = "jc_two_factor_verified"

Requirement = Literal["verify", "set-up"]


# --- The secret, encrypted at rest ------------------------------------------------------------


def _fernet() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([
        Fernet(base64.urlsafe_b64encode(
            salted_hmac("justculture.core.twofactor", "secret encryption", secret=key, algorithm="sha256").digest()
        ))
        for key in keys
    ])


def encrypt_secret(secret: str) -> str:
    return _fernet().encrypt(secret.encode("ascii")).decode("ascii")


def decrypt_secret(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("ascii")
    except InvalidToken as exc:
        raise ValueError(
            "A two-factor secret could not be decrypted: SECRET_KEY changed without the old key in "
            "SECRET_KEY_FALLBACKS. The user must set up their app again."
        ) from exc


def device_secret(device: TwoFactorDevice) -> str:
    return decrypt_secret(device.encrypted_secret)


# --- Codes --------------------------------------------------------------------------------------


def time_step(at: float | None = None) -> int:
    return int((time.time() if at is None else at) // STEP_SECONDS)


def code_for_step(secret: str, step: int) -> str:
    return str(pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).generate_otp(step))


def normalise_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "")


def _accept_code(device: TwoFactorDevice, code: str, at: float | None) -> bool:
    """Check the code against a device locked for update; on success store the step it used."""
    code = normalise_code(code)
    if not re.fullmatch(rf"\d{{{DIGITS}}}", code):
        return False
    secret = device_secret(device)
    now_step = time_step(at)
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if step <= device.last_used_step:
            continue  # that code (or an older one) was already used
        if hmac.compare_digest(code_for_step(secret, step), code):
            device.last_used_step = step
            device.last_used_at = timezone.now()
            return True
    return False


# --- Who must give a code ----------------------------------------------------------------------


def confirmed_device(user: User) -> TwoFactorDevice | None:
    return TwoFactorDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def requirement(user: User) -> Requirement | None:
    """What a signed-in user still has to do: enter a code, set an app up, or nothing."""
    if not user.is_authenticated:
        return None
    if TwoFactorDevice.objects.filter(user=user, confirmed_at__isnull=False).exists():
        return "verify"
    if requires_two_factor(user):
        return "set-up"
    return None


def _session_of(session_or_request: SessionBase | HttpRequest) -> SessionBase:
    if isinstance(session_or_request, HttpRequest):
        return session_or_request.session
    return session_or_request


def mark_verified(session_or_request: SessionBase | HttpRequest) -> None:
    """Record that the signed-in user of this session has passed the second factor.

    Pass a request, or a session (the caller saves it, as with ``client.session``). The session
    must already belong to a signed-in user.
    """
    session = _session_of(session_or_request)
    user_id = session.get(AUTH_SESSION_KEY)
    if user_id is None:
        raise ValueError("mark_verified needs a session with a signed-in user.")
    session[VERIFIED_SESSION_KEY] = str(user_id)


def clear_verified(session_or_request: SessionBase | HttpRequest) -> None:
    _session_of(session_or_request).pop(VERIFIED_SESSION_KEY, None)


def is_verified(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_authenticated and request.session.get(VERIFIED_SESSION_KEY) == str(user.pk))


# --- Setting an app up --------------------------------------------------------------------------


def pending_setup(user: User) -> tuple[TwoFactorDevice, str]:
    """The unconfirmed device being set up (made with a new secret if there is none) and its secret.

    Raises ValueError when the user already has a confirmed device: its secret is never shown again.
    """
    with transaction.atomic():
        device = TwoFactorDevice.objects.select_for_update().filter(user=user).first()
        if device is not None and device.confirmed:
            raise ValueError("This user already has an authenticator app set up.")
        if device is None:
            secret = pyotp.random_base32()  # 160 bits, as RFC 4226 recommends
            device = TwoFactorDevice.objects.create(user=user, encrypted_secret=encrypt_secret(secret))
            return device, secret
    return device, device_secret(device)


def provisioning_uri(user: User, secret: str) -> str:
    issuer = settings.JUSTCULTURE["SERVICE_NAME"]
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=user.username, issuer_name=issuer
    )


def qr_code_svg(uri: str) -> str:
    """The otpauth address as a QR code in inline SVG (no image request, nothing from elsewhere)."""
    svg = str(segno.make(uri, error="m").svg_inline(
        scale=5, border=4, dark="#000", light="#fff", omitsize=False, svgclass="jc-qr-code", lineclass=None,
    ))
    # A named image for assistive technology; the secret is also given as text beside it.
    return svg.replace("<svg ", '<svg role="img" aria-label="QR code for your authenticator app" ', 1)


def grouped(secret: str) -> str:
    """The secret in blocks of four characters, easier to type into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def confirm_setup(user: User, code: str, *, at: float | None = None) -> bool:
    """Confirm the pending device with a code from the app. True when the code was right."""
    with transaction.atomic():
        device = TwoFactorDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=True).first()
        if device is None or not _accept_code(device, code, at):
            return False
        device.confirmed_at = timezone.now()
        device.save(update_fields=["confirmed_at", "last_used_step", "last_used_at"])
        audit.record(by=user, action=AuditAction.TWO_FACTOR_SET_UP, obj=user, object_type="user",
                     organisation_id=user.organisation_id,
                     summary=f"{user.username} set up an authenticator app for two-factor sign-in")
    return True


def verify(user: User, code: str, *, at: float | None = None) -> bool:
    """Check a sign-in code against the user's confirmed device. True when it was right."""
    with transaction.atomic():
        device = TwoFactorDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=False).first()
        if device is None or not _accept_code(device, code, at):
            return False
        device.save(update_fields=["last_used_step", "last_used_at"])
        audit.record(by=user, action=AuditAction.TWO_FACTOR_USED, obj=user, object_type="user",
                     organisation_id=user.organisation_id,
                     summary=f"{user.username} gave a correct two-factor code")
    return True


def remove(user: User, *, by: User, reason: str) -> bool:
    """Delete the user's device (turned off by its owner, or reset for a lost phone). Audited."""
    with transaction.atomic():
        deleted, _ = TwoFactorDevice.objects.filter(user=user).delete()
        if deleted:
            audit.record(by=by, action=AuditAction.TWO_FACTOR_REMOVED, obj=user, object_type="user",
                         organisation_id=user.organisation_id,
                         summary=f"Authenticator app of {user.username} removed: {reason}")
    return bool(deleted)


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app", max_length=20, strip=True,
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_code(self) -> str:
        code = normalise_code(self.cleaned_data["code"])
        if not re.fullmatch(rf"\d{{{DIGITS}}}", code):
            raise forms.ValidationError("Enter the code as 6 digits, like 123456")
        return code


def exempt(view: Any) -> Any:
    """Mark a view as reachable before the second factor is given (the two-factor pages, sign-out)."""
    view.two_factor_exempt = True
    return view
