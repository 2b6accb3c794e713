"""The whole case workspace journey in real headless Chromium, with axe-core on every page visited:
sign in, record an incident and a case, record factors with an uploaded document, complete an
assessment to an outcome, revisit it, and see both versions."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from justculture.cases.models import Case, EvidenceDocument
from tests.browser_support import assert_accessible, sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def go(page: Page, click: str) -> None:
    page.click(click)
    page.wait_for_load_state("load")
    assert_accessible(page)


def answer(page: Page, value: str, why: str) -> None:
    page.check(f"input[name=answer][value={value}]")
    page.fill("#rationale", why)
    go(page, "button:has-text('Save and continue')")


def test_case_journey(page: Page, live_server, handler, team, tmp_path: Path) -> None:
    base = live_server.url
    sign_in(page, base, handler.username, PASSWORD)
    assert_accessible(page)

    # Record an incident; a mistake first, which keeps what was typed.
    go(page, "text=Record an incident >> nth=0")
    page.fill("#description", "A patient was given a tenfold overdose of oral morphine at 02:00.")
    go(page, "button:has-text('Save and continue')")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter the date of the incident")
    expect(page.locator("#description")).to_have_value("A patient was given a tenfold overdose of oral morphine at 02:00.")
    page.fill("#occurred_date", "2026-10-01")
    page.fill("#occurred_time", "02:00")
    page.select_option("#team", label=str(team))
    go(page, "button:has-text('Save and continue')")

    # Open a case about one professional, with one act.
    expect(page.get_by_role("heading", level=1)).to_have_text("Open a case about one professional")
    page.fill("#name", "Jordan Blake")
    page.fill("#role_title", "Staff nurse")
    page.select_option("#staff_group", label="Nursing and midwifery")
    page.fill("#registration_number", "12A3456B")
    page.fill("#years_in_role", "1.5")
    page.check("input[name=employment_type][value=agency]")
    page.fill("#concern", "Gave 10 mg of oral morphine instead of 1 mg.")
    page.fill("#acts", "Drew up and gave 10 mg instead of 1 mg.")
    go(page, "button:has-text('Open the case')")
    case = Case.objects.get()
    expect(page.get_by_role("heading", level=1)).to_have_text("Jordan Blake, Staff nurse")

    # Contextual factors: staffing, with an uploaded rota.
    go(page, "a:has-text('Contextual factors and evidence')")
    go(page, "a:has-text('Staffing, skill mix and workload')")
    page.check("input[name=present][value=yes]")
    page.check("input[name=contribution][value=major]")
    page.fill("#account", "Two registered nurses for 28 patients; the third was redeployed.")
    go(page, "button:has-text('Save')")
    go(page, "a:has-text('Staffing, skill mix and workload')")
    go(page, "a:has-text('Upload a new document for this factor')")
    rota = tmp_path / "night-rota.pdf"
    rota.write_bytes(b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")
    page.set_input_files("#file", str(rota))
    page.fill("#description", "Night rota for 1 October")
    go(page, "button:has-text('Upload')")
    document = EvidenceDocument.objects.get(case=case)
    assert document.original_name == "night-rota.pdf" and len(document.sha256) == 64
    assert document.factor_records.get().factor_id == "staffing"

    # The guided assessment, to outcome D via 3b (protocol not workable in the conditions).
    page.goto(f"{base}/cases/{case.reference}/")
    go(page, "a:has-text('Assessment of act 1')")
    go(page, "button:has-text('Start the assessment')")
    answer(page, "no", "No sign of any intent to harm.")
    answer(page, "no", "No indications of substance misuse.")
    answer(page, "no", "No physical health problems.")
    answer(page, "no", "No mental health problems.")
    answer(page, "yes", "Controlled drugs need an independent second check.")
    expect(page.get_by_text("Two registered nurses for 28 patients")).to_be_visible()  # factors beside 3b
    answer(page, "no", "With two nurses for 28 patients a second check was not routinely possible.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check your answers")
    go(page, "button:has-text('Confirm and see the outcome')")
    expect(page.locator("main")).to_contain_text("Outcome D")
    expect(page.locator("main")).to_contain_text("unlikely to be appropriate")

    # Revisit: new facts show the protocol was workable and known, and peers would do the same.
    go(page, "a:has-text('Revisit this assessment')")
    page.fill("#reason", "Statements show the second check was done on every other night shift.")
    go(page, "button:has-text('Start version 2')")
    go(page, "a:has-text('Change') >> nth=5")
    answer(page, "yes", "The second check was routinely done on other nights.")
    answer(page, "yes", "Knew the check was required and skipped it.")
    answer(page, "yes", "Peers said they would have done the same in that situation.")
    go(page, "button:has-text('Confirm and see the outcome')")
    expect(page.locator("main")).to_contain_text("Outcome E")

    # Both versions are there and the first still shows its own outcome and answers.
    page.goto(f"{base}/cases/{case.reference}/acts/1/")
    assert_accessible(page)
    expect(page.locator("main")).to_contain_text("Version 1")
    expect(page.locator("main")).to_contain_text("Version 2")
    go(page, "a:has-text('View the outcome of version 1')")
    expect(page.locator("main")).to_contain_text("Outcome D")
    expect(page.locator("main")).to_contain_text("a second check was not routinely possible")

    # The case page and its timeline reflect all of it.
    page.goto(f"{base}/cases/{case.reference}/timeline/")
    assert_accessible(page)
    expect(page.locator("main")).to_contain_text("reached outcome E")
    expect(page.locator("main")).to_contain_text("Evidence uploaded: night-rota.pdf")
