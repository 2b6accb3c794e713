"""The audit log page in real headless Chromium, checked with axe-core (WCAG 2.2 AA): filtered,
paged, and with a mistake in the filters."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from justculture.cases.models import Case
from justculture.core import audit
from justculture.core.models import Organisation, User
from tests.auditlog.conftest import signed_in
from tests.browser_support import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in_as(page: Page, base: str, user: User) -> None:
    """Hand the browser a signed-in session (second factor passed) instead of typing a code."""
    session_key = signed_in(user).cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session_key, "url": base}])


def test_an_auditor_filters_pages_and_downloads_on_an_accessible_page(
        page: Page, live_server, org: Organisation, handler: User, make_case: Callable[..., Case],
        make_user: Callable[..., User]) -> None:
    make_case(handler)
    auditor = make_user(org, "auditor")
    for number in range(60):
        audit.record(by=handler, action="retention.run", organisation_id=org.pk, summary=f"Note {number}",
                     changes={"status": ["open", "closed"], "concern": audit.REDACTED})
    base = live_server.url
    sign_in_as(page, base, auditor)

    page.goto(f"{base}/audit/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    assert_accessible(page)

    page.select_option("#action", "retention.run")
    page.fill("#actor", handler.username)
    page.fill("#q", "Note")
    page.click("button:has-text('Apply filters')")
    expect(page.locator("caption")).to_have_text("Events 1 to 50 of 60")
    expect(page.locator("tbody tr").first).to_contain_text("Note 59")
    assert_accessible(page)

    page.get_by_role("navigation", name="Pages of audit events").get_by_role("link", name="Page 2").click()
    expect(page.locator("caption")).to_have_text("Events 51 to 60 of 60")
    assert_accessible(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download these 60 events as a spreadsheet (CSV)").click()
    assert download.value.suggested_filename.startswith("audit-log-north-")

    page.goto(f"{base}/audit/")
    page.fill("#date_from", "2025-03-01")
    page.fill("#date_to", "2025-01-01")
    page.click("button:has-text('Apply filters')")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("must be the same as or after")
    assert page.title().startswith("Error:")
    assert_accessible(page)

    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(f"{base}/audit/?action=retention.run")
    assert_accessible(page)
