"""Single sign-on with OpenID Connect. Only the identity provider's HTTP endpoints are mocked."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import responses
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client, override_settings

from justculture.core.models import AuditEvent

IDP = "https://login.example-idp.test"
CLIENT_ID = "justculture-test"


@pytest.fixture
def key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def sso(org):
    with override_settings(
        OIDC_ENABLED=True, OIDC_RP_CLIENT_ID=CLIENT_ID, OIDC_RP_CLIENT_SECRET="client-secret",
        OIDC_OP_AUTHORIZATION_ENDPOINT=f"{IDP}/authorize", OIDC_OP_TOKEN_ENDPOINT=f"{IDP}/token",
        OIDC_OP_USER_ENDPOINT=f"{IDP}/userinfo", OIDC_OP_JWKS_ENDPOINT=f"{IDP}/jwks",
        OIDC_RP_SIGN_ALGO="RS256", OIDC_ORGANISATION=org.slug, OIDC_PROVIDER_NAME="North NHS account",
        AUTHENTICATION_BACKENDS=["django.contrib.auth.backends.ModelBackend",
                                 "justculture.core.oidc.OrganisationOIDCBackend"],
    ):
        yield


def with_email(user, email):
    user.email = email
    user.save(update_fields=["email"])
    return user


def start(client: Client, next_url: str = "/cases/") -> dict[str, str]:
    response = client.get(f"/sign-in/sso/?next={next_url}")
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{IDP}/authorize"
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert query["client_id"] == CLIENT_ID and query["code_challenge_method"] == "S256"
    return query


def mock_provider(mock: responses.RequestsMock, key, *, nonce: str, email: str, verified: bool = True,
                  audience: str = CLIENT_ID) -> None:
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    mock.add(responses.GET, f"{IDP}/jwks", json={"keys": [{**public, "kid": "k1", "alg": "RS256", "use": "sig"}]})
    now = int(time.time())
    id_token = jwt.encode({"iss": IDP, "sub": "abc123", "aud": audience, "iat": now, "exp": now + 300,
                           "nonce": nonce}, key, algorithm="RS256", headers={"kid": "k1"})
    mock.add(responses.POST, f"{IDP}/token",
             json={"id_token": id_token, "access_token": "access-1", "token_type": "Bearer"})
    mock.add(responses.GET, f"{IDP}/userinfo", json={"sub": "abc123", "email": email, "email_verified": verified})


def test_sign_on_matches_the_email_within_the_organisation(sso, key, handler):
    with_email(handler, "Sam.Jones@north.nhs.test")
    client = Client()
    sign_in_page = client.get("/sign-in/").content.decode()
    assert "Sign in with North NHS account" in sign_in_page
    query = start(client)
    with responses.RequestsMock() as mock:
        mock_provider(mock, key, nonce=query["nonce"], email="sam.jones@north.nhs.test")
        response = client.get(f"/sign-in/sso/callback/?code=auth-code&state={query['state']}")
        token_request = next(c.request for c in mock.calls if c.request.url == f"{IDP}/token")
    assert response.status_code == 302 and response["Location"] == "/cases/"
    assert "code_verifier=" in token_request.body and "code=auth-code" in token_request.body
    assert client.get("/cases/").status_code == 200
    event = AuditEvent.objects.get(action="sign-in")
    assert event.actor_id == handler.pk and event.changes["method"] == "single sign-on"


def test_privileged_roles_still_need_their_second_factor(sso, key, org, make_user):
    decider = with_email(make_user(org, "decision-maker"), "dee@north.nhs.test")
    client = Client()
    query = start(client)
    with responses.RequestsMock() as mock:
        mock_provider(mock, key, nonce=query["nonce"], email=decider.email)
        client.get(f"/sign-in/sso/callback/?code=c&state={query['state']}")
    assert client.get("/cases/")["Location"].startswith("/account/two-factor/set-up/")


def test_an_address_from_another_organisation_is_not_accepted(sso, key, outsider):
    with_email(outsider, "sam@south.nhs.test")
    client = Client()
    query = start(client)
    with responses.RequestsMock() as mock:
        mock_provider(mock, key, nonce=query["nonce"], email="sam@south.nhs.test")
        response = client.get(f"/sign-in/sso/callback/?code=c&state={query['state']}")
    assert response["Location"] == "/sign-in/"
    assert "Single sign-on did not work" in client.get("/sign-in/").content.decode()
    assert client.get("/cases/")["Location"].startswith("/sign-in/")
    assert AuditEvent.objects.filter(action="sign-in.failed").count() == 1


def test_an_unverified_address_is_not_accepted(sso, key, handler):
    with_email(handler, "sam@north.nhs.test")
    client = Client()
    query = start(client)
    with responses.RequestsMock() as mock:
        mock_provider(mock, key, nonce=query["nonce"], email="sam@north.nhs.test", verified=False)
        assert client.get(f"/sign-in/sso/callback/?code=c&state={query['state']}")["Location"] == "/sign-in/"
    assert client.get("/cases/")["Location"].startswith("/sign-in/")


def test_a_token_for_another_service_is_refused(sso, key, handler):
    with_email(handler, "sam@north.nhs.test")
    client = Client()
    query = start(client)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock_provider(mock, key, nonce=query["nonce"], email="sam@north.nhs.test", audience="another-app")
        assert client.get(f"/sign-in/sso/callback/?code=c&state={query['state']}").status_code == 400
    assert client.get("/cases/")["Location"].startswith("/sign-in/")


def test_a_replayed_or_forged_state_is_refused(sso, key, handler):
    client = Client()
    start(client)
    with responses.RequestsMock(assert_all_requests_are_fired=False):
        assert client.get("/sign-in/sso/callback/?code=c&state=forged").status_code == 400
    assert client.get("/cases/")["Location"].startswith("/sign-in/")


def test_single_sign_on_is_off_by_default(db):
    client = Client()
    assert client.get("/sign-in/sso/").status_code == 404
    assert client.get("/sign-in/sso/callback/?code=c&state=s").status_code == 404
    assert "single sign-on" not in client.get("/sign-in/").content.decode().lower()
