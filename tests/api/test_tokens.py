"""API tokens: stored hashed, created and revoked through the service and the command line,
refused when expired or revoked, and never replaced by a session cookie."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from justculture.api.models import ApiToken
from justculture.api.services import TokenError, token_create, token_revoke
from justculture.core.models import AuditEvent, Organisation, User
from tests.api.conftest import ApiClient
from tests.conftest import client_for


def test_token_is_stored_only_as_a_hash_and_audited(handler: User) -> None:
    token, plain = token_create(user=handler, by=handler, name="rota sync", days=30)
    assert plain.startswith(f"jc_{token.prefix}_")
    assert len(plain) > 50
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.token_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert plain not in json.dumps(list(ApiToken.objects.values()), default=str)
    assert timedelta(days=29, hours=23) < stored.expires_at - timezone.now() <= timedelta(days=30)
    event = AuditEvent.objects.get(action="api-token.create")
    assert event.actor == handler.username
    assert plain not in json.dumps(event.changes) and plain not in event.summary


def test_token_authenticates_and_records_last_use(handler: User, case: Any) -> None:
    token, plain = token_create(user=handler, by=None)
    status, body = ApiClient(plain).get(f"/cases/{case.reference}")
    assert status == 200 and body["reference"] == case.reference
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize("header", [
    None, "Bearer", "Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer jc_000000000000_wrong",
])
def test_missing_or_invalid_token_is_401_json(handler: User, header: str | None) -> None:
    client = Client(HTTP_HOST="localhost")
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get("/api/cases", **extra)
    assert response.status_code == 401
    assert response.json()["field"] is None
    assert "token" in response.json()["message"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_right_prefix_wrong_secret_is_refused(handler: User) -> None:
    _token, plain = token_create(user=handler, by=None)
    forged = plain[:-4] + ("aaaa" if not plain.endswith("aaaa") else "bbbb")
    assert ApiClient(forged).get("/cases")[0] == 401


def test_expired_token_is_refused(handler: User) -> None:
    token, plain = token_create(user=handler, by=None, days=1)
    assert ApiClient(plain).get("/cases")[0] == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    status, body = ApiClient(plain).get("/cases")
    assert status == 401 and body["field"] is None


def test_revoked_token_is_refused_and_revocation_audited(handler: User, admin: User) -> None:
    token, plain = token_create(user=handler, by=None)
    assert ApiClient(plain).get("/cases")[0] == 200
    token_revoke(token=token, by=admin)
    assert ApiClient(plain).get("/cases")[0] == 401
    event = AuditEvent.objects.get(action="api-token.revoke")
    assert event.actor == admin.username and token.prefix in event.summary


def test_inactive_user_token_is_refused(handler: User) -> None:
    _token, plain = token_create(user=handler, by=None)
    User.objects.filter(pk=handler.pk).update(is_active=False)
    assert ApiClient(plain).get("/cases")[0] == 401


def test_session_cookie_does_not_authenticate_the_api(handler: User, case: Any) -> None:
    client = client_for(handler)
    response = client.get("/api/cases", HTTP_HOST="localhost")
    assert response.status_code == 401
    response = client.post(f"/api/cases/{case.reference}/actions", json.dumps({
        "kind": "support", "category": "training", "title": "Sneaky"}), content_type="application/json",
        HTTP_HOST="localhost")
    assert response.status_code == 401
    assert not case.actions.filter(title="Sneaky").exists()


def test_lifetime_limits(handler: User) -> None:
    with pytest.raises(TokenError, match="between 1 and 365 days"):
        token_create(user=handler, by=handler, days=0)
    with pytest.raises(TokenError, match="between 1 and 365 days"):
        token_create(user=handler, by=handler, days=366)
    token, _ = token_create(user=handler, by=handler)
    assert timedelta(days=89) < token.expires_at - timezone.now() <= timedelta(days=90)


def test_who_may_create_tokens(org: Organisation, other_org: Organisation, handler: User, admin: User,
                               make_user: Callable[..., User]) -> None:
    colleague = make_user(org, "case-handler")
    outsider_admin = make_user(other_org, "org-admin")
    token_create(user=handler, by=admin)  # an administrator of the organisation
    with pytest.raises(PermissionDenied):
        token_create(user=handler, by=colleague)
    with pytest.raises(PermissionDenied):
        token_create(user=handler, by=outsider_admin)
    assert not ApiToken.objects.filter(created_by=colleague).exists()


def test_two_factor_roles_get_tokens_only_from_an_operator(org: Organisation, admin: User,
                                                            make_user: Callable[..., User]) -> None:
    decider = make_user(org, "decision-maker")
    for by in (decider, admin):
        with pytest.raises(PermissionDenied, match="command line"):
            token_create(user=decider, by=by)
    assert not ApiToken.objects.filter(user=decider).exists()
    assert not AuditEvent.objects.filter(action="api-token.create").exists()
    token, _ = token_create(user=decider, by=None)
    event = AuditEvent.objects.get(action="api-token.create")
    assert event.actor == "system" and token.prefix in event.summary


def test_token_stops_working_when_its_user_gets_a_two_factor_role(org: Organisation, handler: User) -> None:
    from justculture.core.models import RoleAssignment

    _token, own = token_create(user=handler, by=handler)
    _token, operators = token_create(user=handler, by=None)
    RoleAssignment.objects.create(user=handler, role="decision-maker")
    assert ApiClient(own).get("/cases")[0] == 401
    assert ApiClient(operators).get("/cases")[0] == 200


def test_revoking_someone_elses_token_needs_administer(org: Organisation, handler: User,
                                                       make_user: Callable[..., User]) -> None:
    token, _ = token_create(user=handler, by=handler)
    with pytest.raises(PermissionDenied):
        token_revoke(token=token, by=make_user(org, "case-handler"))
    token.refresh_from_db()
    assert token.revoked_at is None


# --- The command line -----------------------------------------------------------------------------


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_cli_create_list_revoke(handler: User, case: Any) -> None:
    out, err = run("create", handler.username, "--name", "ward dashboard", "--days", "7")
    plain = out.strip()
    assert plain.startswith("jc_") and "not shown again" in err
    assert ApiClient(plain).get(f"/cases/{case.reference}")[0] == 200
    token = ApiToken.objects.get(user=handler)
    assert token.name == "ward dashboard" and token.created_by is None

    listing, _ = run("list", handler.username)
    assert token.prefix in listing and "active" in listing and "ward dashboard" in listing
    assert plain not in listing
    rows = json.loads(run("list", "--json")[0])
    assert [r["prefix"] for r in rows] == [token.prefix]
    assert "token_hash" not in rows[0]

    out, _ = run("revoke", str(token.pk))
    assert "revoked" in out
    assert ApiClient(plain).get(f"/cases/{case.reference}")[0] == 401
    assert json.loads(run("list", "--json")[0])[0]["state"] == "revoked"
    assert list(AuditEvent.objects.filter(action__startswith="api-token").values_list("action", flat=True)) == [
        "api-token.create", "api-token.revoke"]


@pytest.mark.parametrize("args, message", [
    (("create", "nobody"), "No user called 'nobody'"),
    (("revoke", "999999"), "No API token with id 999999"),
    (("list", "nobody"), "No user called 'nobody'"),
])
def test_cli_mistakes_exit_2(handler: User, args: tuple[str, ...], message: str) -> None:
    with pytest.raises(CommandError, match=message) as caught:
        run(*args)
    assert caught.value.returncode == 2


def test_cli_refuses_a_bad_lifetime(handler: User) -> None:
    with pytest.raises(CommandError, match="between 1 and 365 days"):
        run("create", handler.username, "--days", "0")
    assert not ApiToken.objects.exists()


def test_cli_creates_tokens_for_two_factor_roles(org: Organisation, make_user: Callable[..., User]) -> None:
    decider = make_user(org, "decision-maker")
    out, _ = run("create", decider.username)
    assert ApiClient(out.strip()).get("/cases")[0] == 200
