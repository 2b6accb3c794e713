"""Sign-in, the start page, the guide outline and error pages."""

from __future__ import annotations

from django.test import Client

from justculture.guide import default_guide
from tests.conftest import PASSWORD


def test_every_page_but_sign_in_needs_a_signed_in_user(db):
    client = Client()
    for path in ["/", "/guide/", "/about/", "/cases/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/sign-in/?next="), path
    assert client.get("/sign-in/").status_code == 200


def test_sign_in_with_the_right_password_lands_on_the_case_list(handler):
    client = Client()
    response = client.post("/sign-in/", {"username": handler.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/cases/"
    assert client.get("/cases/").status_code == 200


def test_wrong_password_shows_an_error_summary_and_keeps_the_username(handler):
    response = Client().post("/sign-in/", {"username": handler.username, "password": "nope"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "Enter a correct username and password" in html
    assert f'value="{handler.username}"' in html
    assert "<title>Error: Sign in" in html


def test_empty_sign_in_names_both_fields(db):
    html = Client().post("/sign-in/", {"username": "", "password": ""}).content.decode()
    assert "Enter your username" in html and "Enter your password" in html
    assert 'href="#username"' in html


def test_sign_out_needs_post_and_ends_the_session(handler_client):
    response = handler_client.post("/sign-out/")
    assert response.status_code == 302
    assert handler_client.get("/cases/").status_code == 302


def test_header_shows_the_organisation_name_and_no_nhs_logo(handler, handler_client):
    html = handler_client.get("/").content.decode()
    assert handler.organisation.name in html
    assert "nhsuk-header__logo" not in html
    assert "<script>" not in html  # no inline script (strict CSP later)


def test_guide_outline_lists_every_question_and_outcome(handler_client):
    guide = default_guide()
    html = handler_client.get("/guide/").content.decode()
    for question in guide.questions.values():
        assert f"{question.id}." in html
    for code, outcome in guide.outcomes.items():
        assert f"Outcome {code}: {outcome.title}" in html
    assert "Open Government Licence" in html


def test_unknown_page_is_a_friendly_404(handler_client):
    response = handler_client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_aggregate_only_roles_land_on_the_start_page_with_their_links(org, make_user):
    analyst = make_user(org, "equality-analyst")
    client = Client()
    response = client.post("/sign-in/", {"username": analyst.username, "password": PASSWORD})
    assert response["Location"] == "/"
    html = client.get("/").content.decode()
    assert 'href="/insights/"' in html and 'href="/fairness/"' in html
    assert 'href="/cases/"' not in html and 'href="/actions/"' not in html
