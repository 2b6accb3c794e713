"""The guided assessment in a real headless Chromium, checked with axe-core (WCAG 2.2 AA)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from justculture.cases import services as case_services
from justculture.cases.models import Case
from justculture.core.models import User
from tests.browser_support import assert_accessible, sign_in
from tests.conftest import PASSWORD, pdf_upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _answer(page: Page, value: str, rationale: str) -> None:
    page.check(f"input[name=answer][value={value}]")
    page.fill("#rationale", rationale)
    page.click("button:has-text('Save and continue')")


def test_walk_in_a_browser_is_accessible(
    page: Page, live_server: Any, handler: User, make_case: Callable[..., Case], media: Any,
) -> None:
    case = make_case(handler)
    rota = case_services.evidence_upload(
        case=case, upload=pdf_upload("rota.pdf"), description="Ward rota", by=handler,
    )
    case_services.factor_record_save(
        case=case, factor_id="staffing", present="yes", contribution="major",
        account="Two nurses short.", documents=[rota], by=handler,
    )
    base = live_server.url
    sign_in(page, base, handler.username, PASSWORD)
    act = f"{base}/cases/{case.reference}/acts/1/"
    page.goto(act)
    assert_accessible(page)
    page.click("button:has-text('Start the assessment')")
    expect(page.get_by_role("heading", level=1)).to_have_text("Did the person intend to cause harm?")
    assert_accessible(page)

    # An empty submission: error summary, focusable links, input kept.
    page.fill("#rationale", "Nothing suggests she meant harm.")
    page.click("button:has-text('Save and continue')")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Select yes, no or not yet known")
    expect(page.locator("#rationale")).to_have_value("Nothing suggests she meant harm.")
    assert page.title().startswith("Error:")
    assert_accessible(page)
    page.check("input[name=answer][value=no]")
    page.click("button:has-text('Save and continue')")

    for _ in ("2a", "2b", "2c"):
        _answer(page, "no", "No signs at all.")
    _answer(page, "yes", "The IV policy applies.")
    expect(page.get_by_role("heading", level=2, name="Contextual factors for this case")).to_be_visible()
    assert_accessible(page)
    page.check("input[name=documents]")
    page.check("input[name=factor_records]")
    _answer(page, "yes", "The policy is followed day to day.")
    _answer(page, "yes", "She chose to give it later.")

    expect(page.get_by_role("heading", level=2, name="Peer views")).to_be_visible()
    assert_accessible(page)
    page.click("a:has-text(\"Add a peer's view\")")
    page.click("button:has-text(\"Save the peer's view\")")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter the peer's name")
    assert_accessible(page)
    page.fill("#peer_name", "Alex Morgan")
    page.fill("#peer_role", "Staff nurse")
    page.fill("#experience", "Four years")
    page.check("input[name=view][value=same]")
    page.fill("#account", "I would have done the same.")
    page.click("button:has-text(\"Save the peer's view\")")
    expect(page.locator("body")).to_contain_text("Alex Morgan (Staff nurse)")
    assert_accessible(page)
    _answer(page, "yes", "Peers would have done the same.")

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before seeing the outcome"
    )
    assert_accessible(page)
    page.click("a:has-text('Change') >> nth=0")
    assert_accessible(page)
    page.go_back()
    page.click("button:has-text('Confirm and see the outcome')")
    expect(page.get_by_role("heading", level=1)).to_have_text("Outcome E: Substitution test met")
    assert_accessible(page)

    page.click("a:has-text('Revisit this assessment')")
    assert_accessible(page)
    page.click("button:has-text('Start version 2')")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Give the reason for revisiting")
    assert_accessible(page)
    page.fill("#reason", "A new statement arrived.")
    page.click("button:has-text('Start version 2')")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before seeing the outcome"
    )
    page.goto(act)
    assert_accessible(page)
    expect(page.locator("body")).to_contain_text("Version 2 is in progress.")
