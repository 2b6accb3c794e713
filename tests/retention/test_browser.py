"""The retention and subject access pages in a real headless Chromium, checked with axe-core."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from justculture.core.models import User
from justculture.retention.models import RetentionOverride
from tests.browser_support import assert_accessible, sign_in
from tests.conftest import PASSWORD
from tests.retention.conftest import Built

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_administrator_changes_a_period_and_exports_a_subject_access_request(
        page: Page, live_server: Any, full: Built, admin: User) -> None:
    base = live_server.url
    sign_in(page, base, admin.username, PASSWORD)
    page.click("a.nhsuk-header__navigation-link:has-text('Retention')")
    expect(page.locator("h1")).to_contain_text("Retention periods")
    assert_accessible(page)

    page.click("tr:has-text('Closed cases and everything in them') a:has-text('Change')")
    assert_accessible(page)
    page.fill("#amount", "6")
    page.check("input[name=unit][value=months]")
    page.fill("#reason", "Trust records policy, section 4")
    page.click("button:has-text('Save the period')")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("must be at least 1 year")
    expect(page.locator("#reason")).to_have_value("Trust records policy, section 4")
    assert page.title().startswith("Error:")
    assert_accessible(page)
    page.fill("#amount", "8")
    page.check("input[name=unit][value=years]")
    page.click("button:has-text('Save the period')")
    expect(page.locator("h1")).to_contain_text("Retention periods")
    assert RetentionOverride.objects.get().amount == 8

    page.click("a.nhsuk-header__navigation-link:has-text('Subject access')")
    assert_accessible(page)
    page.fill("#q", "Taylor")
    page.click("button:has-text('Search')")
    assert_accessible(page)
    page.click("a:has-text('Export')")
    expect(page.locator("h1")).to_contain_text("Export everything held about Sam Taylor")
    assert_accessible(page)
    page.check("input[name=include_patient_details][value=yes]")
    page.click("button:has-text('Download the export')")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter the reason for including patient details")
    assert_accessible(page)
    page.check("input[name=include_patient_details][value=no]")
    with page.expect_download() as download:
        page.click("button:has-text('Download the export')")
    path = download.value.path()
    assert path is not None
    with open(path, "rb") as handle:
        data = json.loads(zipfile.ZipFile(io.BytesIO(handle.read())).read("subject-access.json"))
    assert data["person"]["name"] == "Sam Taylor" and data["patient_details"] == "redacted"
