"""The interactive API page (Swagger UI) works from our own static files under the strict
Content-Security-Policy: operations are listed, and a request made from it with a token succeeds."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

from justculture.api.services import token_create
from justculture.core.models import User


def test_docs_page_works_under_our_csp(page: Page, live_server: Any, handler: User) -> None:
    _token, plain = token_create(user=handler, by=None, name="docs page")
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    response = page.goto(f"{live_server.url}/api/docs")
    assert response is not None and response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() >= 20
    page.click("button.authorize")
    page.fill(".auth-container input", plain)
    page.click(".auth-btn-wrapper button.authorize")
    page.click(".auth-btn-wrapper button.btn-done")
    page.click("#operations-factors-justculture_api_cases_factor_catalogue .opblock-summary")
    page.click("button.try-out__btn")
    page.click("button.execute")
    status = page.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip() == "200"
    assert "Staffing" in page.locator(".live-responses-table .highlight-code").first.inner_text()
    # A policy violation is reported on the console; there must be none.
    assert not console_errors, console_errors
