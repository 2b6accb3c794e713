"""Lock-out after repeated failed sign-ins, per username and per address, kept in the database."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import F
from django.test import Client, RequestFactory, override_settings

from justculture.core import security
from justculture.core.models import AuditEvent, SignInAttempt
from tests.conftest import PASSWORD

LOCKED = "There have been too many attempts to sign in"


def attempt(username: str, password: str, ip: str = "10.0.0.1"):
    return Client(REMOTE_ADDR=ip).post("/sign-in/", {"username": username, "password": password})


def test_four_failures_still_allow_the_right_password(handler):
    for _ in range(4):
        response = attempt(handler.username, "wrong")
        assert response.status_code == 200 and LOCKED not in response.content.decode()
    assert attempt(handler.username, PASSWORD).status_code == 302


def test_the_fifth_failure_locks_the_username_even_for_the_right_password(handler):
    for _ in range(4):
        attempt(handler.username, "wrong")
    fifth = attempt(handler.username, "wrong")
    assert fifth.status_code == 429
    html = fifth.content.decode()
    assert LOCKED in html and "15 minutes" in html and "<title>Error: Sign in" in html
    # From another address too, and with the right password: the password is not even checked.
    refused = attempt(handler.username, PASSWORD, ip="10.9.9.9")
    assert refused.status_code == 429 and LOCKED in refused.content.decode()
    assert "_auth_user_id" not in refused.wsgi_request.session
    assert SignInAttempt.objects.filter(outcome=SignInAttempt.REFUSED).count() == 1


def test_an_unknown_username_gets_exactly_the_same_answers(handler):
    def answers(username: str) -> list[tuple[int, str]]:
        result = []
        for ip in ["10.1.0.1", "10.1.0.2", "10.1.0.3", "10.1.0.4", "10.1.0.5", "10.1.0.6"]:
            response = attempt(username, "wrong", ip=ip)
            body = response.content.decode().replace(username, "NAME")
            result.append((response.status_code, body.split('name="csrfmiddlewaretoken"')[0]))
        return result

    real = answers(handler.username)
    SignInAttempt.objects.all().delete()
    assert answers("no-such-person") == real


def test_the_lock_ends_after_fifteen_minutes(handler):
    for _ in range(5):
        attempt(handler.username, "wrong")
    assert attempt(handler.username, PASSWORD).status_code == 429
    SignInAttempt.objects.update(at=F("at") - timedelta(minutes=14))
    assert attempt(handler.username, PASSWORD).status_code == 429
    SignInAttempt.objects.update(at=F("at") - timedelta(minutes=2))
    assert attempt(handler.username, PASSWORD).status_code == 302


def test_failures_spread_over_more_than_the_window_do_not_lock(handler):
    for _ in range(4):
        attempt(handler.username, "wrong")
    SignInAttempt.objects.update(at=F("at") - timedelta(minutes=16))
    assert attempt(handler.username, "wrong").status_code == 200
    assert attempt(handler.username, PASSWORD).status_code == 302


def test_a_success_starts_the_username_count_afresh(handler):
    for _ in range(4):
        attempt(handler.username, "wrong")
    assert attempt(handler.username, PASSWORD).status_code == 302
    # (From another address: a success does not clear the count kept for an address.)
    for _ in range(4):
        assert attempt(handler.username, "wrong", ip="10.0.0.2").status_code == 200
    assert attempt(handler.username, PASSWORD, ip="10.0.0.2").status_code == 302


def test_one_address_trying_many_usernames_is_locked_too(org, make_user):
    victim = make_user(org, "case-handler")
    for i in range(5):
        attempt(f"guess{i}", "wrong", ip="192.0.2.7")
    assert attempt(victim.username, PASSWORD, ip="192.0.2.7").status_code == 429
    assert attempt(victim.username, PASSWORD, ip="192.0.2.8").status_code == 302


def test_usernames_are_matched_ignoring_case_and_never_stored_as_typed(handler):
    for name in ["Mallory", "MALLORY", "mallory ", "mallorY", "mallory"]:
        attempt(name, "wrong")
    assert attempt("mallory", "wrong").status_code == 429
    stored = list(SignInAttempt.objects.values_list("username_hash", flat=True))
    assert stored and all("mallory" not in value.lower() for value in stored)


def test_failures_and_the_lock_are_audited_without_passwords(handler):
    for _ in range(5):
        attempt(handler.username, "s3cret-guess")
    failed = AuditEvent.objects.filter(action="sign-in.failed")
    locked = AuditEvent.objects.filter(action="sign-in.locked")
    assert failed.count() == 5 and locked.count() == 1
    event = failed.first()
    assert event.organisation_id == handler.organisation_id
    assert event.object_id == str(handler.pk) and handler.username in event.summary
    assert event.changes == {"ip_address": "10.0.0.1"}
    assert locked.get().organisation_id == handler.organisation_id
    everything = " ".join(f"{e.summary} {e.changes}" for e in AuditEvent.objects.all())
    assert "s3cret-guess" not in everything


def test_an_unknown_username_is_not_written_to_the_audit_log(db):
    attempt("correct-horse-battery", "wrong")  # perhaps a password typed in the wrong box
    event = AuditEvent.objects.get(action="sign-in.failed")
    assert "correct-horse-battery" not in f"{event.summary} {event.changes} {event.object_id}"
    assert event.organisation_id is None


def test_a_successful_sign_in_is_audited(handler):
    attempt(handler.username, PASSWORD)
    event = AuditEvent.objects.get(action="sign-in")
    assert event.actor_id == handler.pk and event.organisation_id == handler.organisation_id
    assert event.changes["method"] == "password"


def test_the_limits_come_from_settings(handler, settings):
    settings.SIGN_IN_MAX_FAILURES = 2
    attempt(handler.username, "wrong")
    assert attempt(handler.username, "wrong").status_code == 429


@override_settings(BEHIND_HTTPS_PROXY=True, TRUSTED_PROXIES=["10.0.0.0/24"])
def test_behind_the_proxy_the_address_it_saw_is_used():
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.9")
    assert security.client_ip(request) == "198.51.100.9"
    # Through a load balancer and then the proxy (both trusted): the first address outside them.
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.9, 10.0.0.7")
    assert security.client_ip(request) == "198.51.100.9"


@override_settings(BEHIND_HTTPS_PROXY=True, TRUSTED_PROXIES=["127.0.0.1"])
def test_forwarded_addresses_from_a_client_that_is_not_a_trusted_proxy_are_ignored():
    # A client reaching the server directly cannot choose the address its failures count against.
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="198.51.100.9")
    assert security.client_ip(request) == "203.0.113.5"


@override_settings(BEHIND_HTTPS_PROXY=True, TRUSTED_PROXIES=["127.0.0.1"], SIGN_IN_MAX_FAILURES=100)
def test_a_direct_client_cannot_escape_the_address_lock_by_forging_the_header(handler):
    for n in range(5):
        Client(REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").post(
            "/sign-in/", {"username": handler.username, "password": "wrong"})
    locked = Client(REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="198.51.100.200").post(
        "/sign-in/", {"username": handler.username, "password": PASSWORD})
    assert locked.status_code == 429


def test_without_a_proxy_forwarded_addresses_are_ignored():
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.9")
    assert security.client_ip(request) == "10.0.0.2"


# Full-width "lock1", superscript one, subscript one, upper case, spaces.
LOOK_ALIKES = ["\uff4c\uff4f\uff43\uff4b\uff11", "lock\u00b9", "lock\u2081", "LOCK1", " Lock1 "]


def test_look_alikes_of_a_locked_username_are_locked_too(org, make_user):
    from justculture.core import services as core_services

    core_services.user_create(organisation=org, username="lock1", password=PASSWORD)
    for _ in range(5):
        attempt("lock1", "wrong")
    for ip, name in enumerate(LOOK_ALIKES):
        response = attempt(name, PASSWORD, ip=f"10.7.0.{ip + 1}")
        assert response.status_code == 429, name
        assert "_auth_user_id" not in response.wsgi_request.session


def test_failures_under_look_alikes_count_against_the_account(org):
    from justculture.core import services as core_services

    user = core_services.user_create(organisation=org, username="lock1", password=PASSWORD)
    for ip, name in enumerate(LOOK_ALIKES):
        attempt(name, "wrong", ip=f"10.8.0.{ip + 1}")
    # Five failures from five addresses under five spellings: the account itself is locked.
    assert attempt("lock1", PASSWORD, ip="10.8.1.1").status_code == 429
    failed = AuditEvent.objects.filter(action="sign-in.failed", object_id=str(user.pk))
    assert failed.count() == len(LOOK_ALIKES)


def test_a_look_alike_of_a_username_signs_in_to_that_one_account(org):
    from justculture.core import services as core_services

    user = core_services.user_create(organisation=org, username="Lock1", password=PASSWORD)
    assert user.username == "lock1"
    response = attempt("\uff4c\uff4f\uff43\uff4b\uff11", PASSWORD)
    assert response.status_code == 302
    assert response.wsgi_request.session["_auth_user_id"] == str(user.pk)


def test_a_look_alike_cannot_be_created_as_a_second_account(org):
    import pytest

    from justculture.core import services as core_services
    from justculture.core.errors import ServiceError

    core_services.user_create(organisation=org, username="lock1", password=PASSWORD)
    with pytest.raises(ServiceError) as refused:
        core_services.user_create(organisation=org, username="\uff4c\uff4f\uff43\uff4b\uff11", password=PASSWORD)
    assert refused.value.field == "username"
