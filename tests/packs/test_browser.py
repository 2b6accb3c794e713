"""The pack pages in real headless Chromium, checked with axe-core (WCAG 2.2 AA) in each state:
the form, its errors, the status page while the worker has not run and once the pack is ready."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from justculture.cases.models import Case
from tests.browser_support import assert_accessible, sign_in
from tests.conftest import PASSWORD
from tests.deploy.worker import run_queued_tasks

pytestmark = pytest.mark.django_db(transaction=True)


def test_pack_page(page: Page, live_server, handler, patient_case: Case, tmp_path: Path) -> None:
    base = live_server.url
    sign_in(page, base, handler.username, PASSWORD)
    page.goto(f"{base}/cases/{patient_case.reference}/pack/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Documentation pack")
    assert_accessible(page)

    page.check("#include_patient_details")

    # Without a reason: the error summary, the choices kept, and a link to the reason.
    page.check("#format-2")
    page.click("button:has-text('Create the pack')")
    page.wait_for_load_state("load")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter why patient details need to be included")
    assert page.title().startswith("Error:")
    expect(page.locator("#format-2")).to_be_checked()
    expect(page.locator("#include_patient_details")).to_be_checked()
    assert_accessible(page)
    page.click(".nhsuk-error-summary a:has-text('Enter why patient details')")
    expect(page.locator("#reason")).to_be_focused()

    page.fill("#reason", "The regulator asked for the unredacted record.")
    page.click("button:has-text('Create the pack')")
    # The pack is made by the worker: the status page says so and offers a refresh.
    expect(page.get_by_role("heading", level=1)).to_have_text("Your documentation pack")
    expect(page.locator("#pack-status")).to_have_text("Queued")
    assert_accessible(page)
    run_queued_tasks()
    page.click("text=Refresh status")
    expect(page.locator("#pack-status")).to_have_text("Ready")
    assert_accessible(page)
    with page.expect_download() as download:
        page.click("#download")
    saved = tmp_path / "pack.json"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "C-0001-documentation-pack-with-patient-details.json"
    assert json.loads(saved.read_text())["cover"]["patient_details"]["name"] == "Jane Mary Doe"
