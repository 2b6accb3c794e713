"""Closing and reopening a case in a real headless Chromium, checked with axe-core."""

from __future__ import annotations

import os
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from justculture.actions import services as action_services
from justculture.cases.models import Case, CaseStatusChange
from justculture.core.models import User
from tests.browser_support import assert_accessible, sign_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("JUSTCULTURE_SCREENSHOTS")


def _shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_closing_with_work_outstanding_then_reopening(page: Page, live_server: Any, case: Case,
                                                      handler: User) -> None:
    action_services.action_create(case=case, kind="system", category="staffing", title="Rota review", by=handler)
    base, ref = live_server.url, case.reference
    sign_in(page, base, handler.username, PASSWORD)
    page.goto(f"{base}/cases/{ref}/status/")
    expect(page.locator(".nhsuk-warning-callout")).to_contain_text("1 action is still open")
    expect(page.locator(".nhsuk-warning-callout")).to_contain_text("1 act has no completed assessment")
    assert_accessible(page)
    page.check("input[name=status][value=closed]")
    page.click("button:has-text('Change status')")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Give a reason for closing it now")
    expect(page.locator("input[name=status][value=closed]")).to_be_checked()
    assert_accessible(page)
    _shot(page, "status-error")
    page.fill("#reason", "The nurse has left the trust; learning is tracked by the ward.")
    page.click("button:has-text('Change status')")
    expect(page.locator("main")).to_contain_text("This case is closed, so nothing in it can be changed.")
    expect(page.locator("main")).not_to_contain_text("Add another act to assess")
    assert_accessible(page)
    _shot(page, "closed-case")
    change = CaseStatusChange.objects.get(case=case, to_status="closed")
    assert change.outstanding == {"open_actions": 1, "unassessed_acts": 1}

    # An edit page reached anyway refuses the change and keeps what was typed.
    page.goto(f"{base}/cases/{ref}/concern/")
    page.fill("#concern", "A longer description of the concern, typed after the case was closed.")
    page.click("button:has-text('Save')")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("This case is closed. Reopen it to make changes.")
    expect(page.locator("#concern")).to_have_value(
        "A longer description of the concern, typed after the case was closed.")
    assert_accessible(page)
    _shot(page, "closed-concern")

    page.goto(f"{base}/cases/{ref}/status/")
    page.check("input[name=status][value=gathering]")
    page.fill("#reason", "A new statement was received.")
    page.click("button:has-text('Change status')")
    expect(page.locator("main")).to_contain_text("Status changed to Gathering information.")
    page.goto(f"{base}/cases/{ref}/timeline/")
    expect(page.locator("main")).to_contain_text("A new statement was received.")
    assert_accessible(page)
    _shot(page, "timeline")
    assert Case.objects.get(pk=case.pk).status == "gathering"
