"""Protection of the service as a whole: response headers, the two-factor gate, sign-in lock-out and
our own system checks (``justculture check --deploy`` runs them with Django's).

Settings read here live in config/settings.py: CONTENT_SECURITY_POLICY, NO_REFERRER_PATH_PREFIXES,
the SIGN_IN_* lock-out numbers and BEHIND_HTTPS_PROXY. docs/security.md explains each choice.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core import checks
from django.core.exceptions import DisallowedHost, ImproperlyConfigured
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.crypto import salted_hmac

from justculture.core import audit, twofactor
from justculture.core.audit_actions import AuditAction
from justculture.core.models import SignInAttempt, User, normalise_username

# --- Headers ------------------------------------------------------------------------------------


def content_security_policy() -> str:
    return "; ".join(f"{name} {value}" for name, value in settings.CONTENT_SECURITY_POLICY.items())


class SecurityHeadersMiddleware:
    """Adds the Content-Security-Policy to every response, ``Referrer-Policy: no-referrer`` to
    pages about cases and people (Django's SecurityMiddleware gives the rest ``same-origin``), and
    ``Cache-Control: no-store`` to every page and API reply that does not set its own caching
    (static files do): case, health and equality data must not stay in a shared computer's
    browser cache or a proxy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = content_security_policy()
        self.no_referrer_prefixes = tuple(settings.NO_REFERRER_PATH_PREFIXES)
        self.static_prefix = "/" + str(settings.STATIC_URL or "/static/").lstrip("/")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        if "Cache-Control" not in response.headers and not request.path_info.startswith(self.static_prefix):
            add_never_cache_headers(response)
        if request.path_info.startswith(self.no_referrer_prefixes):
            response.headers["Referrer-Policy"] = "no-referrer"
        return response


class SameOriginPostMiddleware:
    """Keeps forms working on ``no-referrer`` pages without weakening CSRF protection.

    Under ``Referrer-Policy: no-referrer`` browsers send ``Origin: null`` with a form post, which
    Django's CSRF origin check refuses. The browser also sends ``Sec-Fetch-Site``, a header no page
    can set or forge; when it says the post came from this same origin, the real origin is put back
    before the CSRF check runs. The CSRF token is still required as always; a post from any other
    site (``Sec-Fetch-Site: cross-site``, or none) keeps its ``null`` origin and is refused.
    """

    unsafe_methods = frozenset({"POST", "PUT", "PATCH", "DELETE"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        if (
            request.method in self.unsafe_methods
            and meta.get("HTTP_ORIGIN") == "null"
            and meta.get("HTTP_SEC_FETCH_SITE") == "same-origin"
        ):
            # On a host not allowed, leave it: Django's own host check answers that request.
            with contextlib.suppress(DisallowedHost):
                meta["HTTP_ORIGIN"] = f"{request.scheme}://{request.get_host()}"
        return self.get_response(request)


# --- NUL characters -----------------------------------------------------------------------------


class NulCharacterMiddleware:
    """Answers a request with a NUL character in its address (%00 in the path or the query string)
    before any view looks a record up with it: PostgreSQL refuses NUL in text, so a case reference
    or a token holding one was a server error. No reference, token or filter holds one.

    In the path: 404, as for any address with no page. In the query string: 400, naming the
    parameter. Under /api/ both are JSON, {"message": ..., "field": ...}, like every API error.
    Runs as the view is found (process_view), so the 404 page has the signed-in user.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable[..., Any], view_args: Sequence[Any],
                     view_kwargs: dict[str, Any]) -> HttpResponse | None:
        api = request.path_info.startswith("/api/")
        if "\x00" in request.path_info:
            if api:
                return JsonResponse({"message": "There is no such API address.", "field": None}, status=404)
            raise Http404("No such page")
        name = next((key for key, values in request.GET.lists()
                     if "\x00" in key or any("\x00" in value for value in values)), None)
        if name is None:
            return None
        field = name.replace("\x00", "") or None
        message = f"{field or 'A parameter'} must not contain NUL characters (%00)."
        if api:
            return JsonResponse({"message": message, "field": field}, status=400)
        return render(request, "core/400.jinja", {"message": message}, status=400)


# --- The two-factor gate ------------------------------------------------------------------------


class TwoFactorMiddleware:
    """Sends a signed-in user who owes a second factor to the code page (or to set an app up) from
    every page except public ones and those marked with ``twofactor.exempt``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable[..., Any], view_args: Sequence[Any],
                     view_kwargs: dict[str, Any]) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or not isinstance(user, User):
            return None
        if not getattr(view_func, "login_required", True) or getattr(view_func, "two_factor_exempt", False):
            return None
        if twofactor.is_verified(request):
            return None
        need = twofactor.requirement(user)
        if need is None:
            return None
        target = reverse("core:two-factor-verify" if need == "verify" else "core:two-factor-setup")
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(target)


# --- Sign-in lock-out ---------------------------------------------------------------------------


def _trusted_proxies() -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in getattr(settings, "TRUSTED_PROXIES", ()))


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The address the request came from. ``X-Forwarded-For`` is believed only behind our HTTPS
    proxy and only when the connection comes from one of the TRUSTED_PROXIES: then the address is
    the right-most entry that is not itself a trusted proxy (entries further left can be forged by
    the client). From anyone else the header is ignored."""
    remote = _address(request.META.get("REMOTE_ADDR", ""))
    if remote is None:
        return None
    if getattr(settings, "BEHIND_HTTPS_PROXY", False):
        proxies = _trusted_proxies()

        def trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
            return any(address in network for network in proxies)

        if trusted(remote):
            hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
            for hop in reversed(hops):
                address = _address(hop)
                if address is None:
                    break
                if not trusted(address):
                    return str(address)
    return str(remote)


def username_key(username: str) -> str:
    """A keyed hash of the username in its one normal form (core.models.normalise_username), so
    failures typed under a look-alike of a name count against that name."""
    return salted_hmac(
        "justculture.core.security.sign-in", normalise_username(username), algorithm="sha256"
    ).hexdigest()


def lock_minutes() -> int:
    return max(1, round(settings.SIGN_IN_LOCK_SECONDS / 60))


def locked_message() -> str:
    return (
        "There have been too many attempts to sign in. For your security, signing in is paused for "
        f"{lock_minutes()} minutes. Try again later, or ask your organisation's administrator for help."
    )


def _lock_end(times: list[datetime], limit: int) -> datetime | None:
    """When a lock that began with ``limit`` failures inside the window ends (times ascending)."""
    if limit <= 0:
        return None
    window = timedelta(seconds=settings.SIGN_IN_FAILURE_WINDOW_SECONDS)
    lock = timedelta(seconds=settings.SIGN_IN_LOCK_SECONDS)
    end: datetime | None = None
    for i in range(limit - 1, len(times)):
        if times[i] - times[i - limit + 1] <= window:
            end = times[i] + lock
    return end


def locked_until(username: str, ip: str | None, now: datetime | None = None) -> datetime | None:
    """The end of the lock on this username or address, or None when sign-in may be tried."""
    now = now or timezone.now()
    horizon = now - timedelta(seconds=settings.SIGN_IN_FAILURE_WINDOW_SECONDS + settings.SIGN_IN_LOCK_SECONDS)
    recent = SignInAttempt.objects.filter(at__gte=horizon)
    key = username_key(username)
    by_name = recent.filter(username_hash=key)
    # A successful sign-in starts the count for that username afresh (not for the address).
    last_success = by_name.filter(outcome=SignInAttempt.SUCCEEDED).order_by("-at").values_list("at", flat=True).first()
    name_failures = by_name.filter(outcome=SignInAttempt.FAILED)
    if last_success is not None:
        name_failures = name_failures.filter(at__gt=last_success)
    ends = [_lock_end(list(name_failures.order_by("at").values_list("at", flat=True)), settings.SIGN_IN_MAX_FAILURES)]
    if ip is not None:
        ip_failures = recent.filter(ip_address=ip, outcome=SignInAttempt.FAILED).order_by("at")
        ends.append(_lock_end(list(ip_failures.values_list("at", flat=True)), settings.SIGN_IN_MAX_FAILURES_PER_IP))
    latest = max((end for end in ends if end is not None), default=None)
    return latest if latest is not None and latest > now else None


def _record(username: str, ip: str | None, outcome: str) -> None:
    now = timezone.now()
    SignInAttempt.objects.create(at=now, username_hash=username_key(username), ip_address=ip, outcome=outcome)
    # Attempts matter for the lock-out only; older than a day they are of no further use here.
    SignInAttempt.objects.filter(at__lt=now - timedelta(days=1)).delete()


def _known_user(username: str) -> User | None:
    name = normalise_username(username)
    return User.objects.filter(username=name).first() if name else None


def note_success(request: HttpRequest, user: User, *, method: str = "password") -> None:
    _record(user.username, client_ip(request), SignInAttempt.SUCCEEDED)
    audit.record(by=user, action=AuditAction.SIGN_IN, obj=user, object_type="user", organisation_id=user.organisation_id,
                 summary=f"{user.username} signed in ({method})",
                 changes={"method": method, "ip_address": client_ip(request)})


def note_refused(request: HttpRequest, username: str) -> None:
    """An attempt while locked: recorded, but it neither counts as a failure nor extends the lock."""
    _record(username, client_ip(request), SignInAttempt.REFUSED)


def note_failure(request: HttpRequest, username: str, *, what: str = "password") -> bool:
    """Record a failed attempt (wrong password, or wrong two-factor code) and audit it.

    Returns True when this failure started a lock, which is audited as ``sign-in.locked``. The
    username is written to the audit log only when it names a real account (it might otherwise be
    a password typed into the wrong box); no password or code is ever written.
    """
    ip = client_ip(request)
    _record(username, ip, SignInAttempt.FAILED)
    user = _known_user(username)
    if user is not None:
        summary = f"Failed sign-in for {user.username}: wrong {what}"
        subject: dict[str, Any] = {"obj": user, "object_type": "user", "organisation_id": user.organisation_id}
    else:
        summary = f"Failed sign-in for an unknown username: wrong {what}"
        subject = {"object_type": "user", "object_id": ""}
    audit.record(by=None, action=AuditAction.SIGN_IN_FAILED, summary=summary, changes={"ip_address": ip}, **subject)
    until = locked_until(username, ip)
    if until is None:
        return False
    audit.record(by=None, action=AuditAction.SIGN_IN_LOCKED,
                 summary=(f"Sign-in locked for {user.username}" if user else "Sign-in locked for an unknown username")
                 + f" until {timezone.localtime(until):%H:%M} after repeated failures",
                 changes={"ip_address": ip, "until": until.isoformat()}, **subject)
    return True


# --- System checks ------------------------------------------------------------------------------


def check_at_start() -> None:
    """Run the system checks when a server loads the application (config/wsgi.py), whatever the
    server: with DEBUG off the deployment checks too. A failed check stops start-up with its
    message, and warnings are logged, so gunicorn (which runs no checks of its own) cannot serve a
    configuration that ``justculture check`` would refuse, such as DEBUG on a public host name."""
    found = checks.run_checks(include_deployment_checks=not settings.DEBUG)
    log = logging.getLogger("justculture.startup")
    failed = [m for m in found if m.is_serious() and not m.is_silenced()]
    for message in found:
        if not message.is_serious() and not message.is_silenced():
            log.warning("%s", message)
    if failed:
        raise ImproperlyConfigured(
            "justculture will not start: " + " ".join(f"{m.id}: {m.msg} {m.hint or ''}".strip() for m in failed)
        )


LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1", ".localhost", "testserver"}
MAX_SESSION_SECONDS = 8 * 60 * 60


@checks.register(checks.Tags.security)
def check_debug_only_on_local_hosts(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """DEBUG shows settings and code in error pages: never on a host other people can reach."""
    if not settings.DEBUG:
        return []
    public = [host for host in settings.ALLOWED_HOSTS if host not in LOCAL_HOSTS]
    if not public:
        return []
    return [checks.Error(
        f"DEBUG is on while ALLOWED_HOSTS names hosts other than this machine: {', '.join(public)}.",
        hint="Set DEBUG=false for any deployment others can reach, or keep ALLOWED_HOSTS to localhost.",
        id="justculture.E001",
    )]


def _inside(child: Path, parent: Path) -> bool:
    try:
        child.resolve().relative_to(parent.resolve())
    except ValueError:
        return False
    return True


@checks.register(checks.Tags.security, deploy=True)
def check_deployment(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    found: list[checks.CheckMessage] = []
    if settings.STATIC_ROOT and settings.MEDIA_ROOT and _inside(Path(settings.MEDIA_ROOT), Path(settings.STATIC_ROOT)):
        found.append(checks.Warning(
            "MEDIA_ROOT is inside STATIC_ROOT, so uploaded evidence could be served as a static file to anyone.",
            hint="Keep MEDIA_ROOT outside STATIC_ROOT and any web root.", id="justculture.W001",
        ))
    database = settings.DATABASES["default"]
    default_sqlite = Path(getattr(settings, "DATA_DIR", ".")) / "justculture.sqlite3"
    if (not settings.DEBUG and database["ENGINE"].endswith("sqlite3")
            and Path(str(database["NAME"])).resolve() == default_sqlite.resolve()):
        found.append(checks.Warning(
            "Production is using the default SQLite database file.",
            hint="Set DATABASE_URL to a PostgreSQL database (see docs/operations.md).", id="justculture.W002",
        ))
    if settings.SESSION_COOKIE_AGE > MAX_SESSION_SECONDS:
        found.append(checks.Warning(
            f"SESSION_COOKIE_AGE is {settings.SESSION_COOKIE_AGE} seconds: an idle session stays signed in for "
            "more than 8 hours.",
            hint="Use at most 28800 seconds; the default is 1800 (30 minutes).", id="justculture.W003",
        ))
    if not settings.PASSWORD_HASHERS or "Argon2" not in settings.PASSWORD_HASHERS[0]:
        found.append(checks.Warning(
            "Passwords are not hashed with Argon2.",
            hint="Put django.contrib.auth.hashers.Argon2PasswordHasher first in PASSWORD_HASHERS.",
            id="justculture.W004",
        ))
    for name in ("justculture.core.security.SecurityHeadersMiddleware", "justculture.core.security.TwoFactorMiddleware"):
        if name not in settings.MIDDLEWARE:
            found.append(checks.Warning(f"{name} is not in MIDDLEWARE.", id="justculture.W005"))
    if getattr(settings, "BEHIND_HTTPS_PROXY", False) and not getattr(settings, "TRUSTED_PROXIES", None):
        found.append(checks.Warning(
            "BEHIND_HTTPS_PROXY is on but TRUSTED_PROXIES is empty, so no client address can be believed from "
            "X-Forwarded-For: every sign-in counts against the proxy's address.",
            hint="Set TRUSTED_PROXIES to the proxy's or load balancer's address.", id="justculture.W007",
        ))
    if not getattr(settings, "AUDIT_CHAIN_KEY", ""):
        found.append(checks.Warning(
            "AUDIT_CHAIN_KEY is not set, so the audit log's chain is keyed with a key derived from SECRET_KEY.",
            hint="Set AUDIT_CHAIN_KEY to a long random string kept apart from the database (docs/audit.md).",
            id="justculture.W008",
        ))
    if getattr(settings, "OIDC_ENABLED", False):
        endpoints = [getattr(settings, n) for n in ("OIDC_OP_AUTHORIZATION_ENDPOINT", "OIDC_OP_TOKEN_ENDPOINT",
                                                      "OIDC_OP_USER_ENDPOINT", "OIDC_OP_JWKS_ENDPOINT")]
        if any(not str(e).startswith("https://") for e in endpoints):
            found.append(checks.Warning(
                "A single sign-on (OIDC_OP_*) endpoint does not use https.", id="justculture.W006",
            ))
    return found
