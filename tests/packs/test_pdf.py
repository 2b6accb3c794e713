"""The PDF read back with poppler-utils: all content present, page numbers, running header, no
overflow into the margins, table headers repeated, free text escaped."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from justculture.assessments.models import Answer, PeerView
from justculture.cases import services as case_services
from justculture.cases.models import Case
from justculture.decisions.models import AdviceRecord, Decision, ReferralConsideration
from justculture.packs.builder import build_pack
from justculture.packs.render import _url_fetcher, render_html, render_pdf
from tests.packs.conftest import _read_pgm, flat, normal, page_bitmaps, page_count, pdf_text

# The page box at 50 dots per inch: A4 is 8.27 x 11.69 inches; the template's margins are
# 22 mm (top), 18 mm (sides) and 20 mm (bottom).
DPI = 50
MM = DPI / 25.4
SIDE_MARGIN = 18 * MM
BOTTOM_MARGIN = 20 * MM
TOLERANCE = 2  # pixels of anti-aliasing at the edge of the page body


def _content_of(case: Case) -> list[str]:
    """Every piece of free text the PDF must show for a case."""
    texts = [case.concern, case.incident.description, *(a.description for a in case.acts.all())]
    texts += [r.account for r in case.factor_records.all() if r.account]
    texts += [a.rationale for a in Answer.objects.filter(assessment__case=case)]
    for peer in PeerView.objects.filter(assessment__case=case):
        texts += [peer.peer_name, peer.peer_role, peer.experience, peer.account]
    texts += [a.revisit_reason for a in case.assessments.all() if a.revisit_reason]
    for d in Decision.objects.filter(case=case):
        texts += [t for t in [d.rationale, d.departure_justification, d.support_detail, d.support_notes,
                              d.who_hurt, d.their_needs, d.obligations] if t]
    referral = ReferralConsideration.objects.filter(case=case).first()
    if referral is not None:
        texts += [a["notes"] for a in referral.answers.values() if a["notes"]] + [referral.summary]
    texts += [a.advice for a in AdviceRecord.objects.filter(case=case)]
    texts += [d.description for d in case.documents.all()]
    return texts


def test_every_account_rationale_and_peer_view_is_in_the_pdf(decided_case: Case, demo, tmp_path: Path) -> None:
    for case in [decided_case, Case.objects.get(organisation=demo, reference="C-0002")]:
        pdf = render_pdf(build_pack(case, include_patient_details=False))
        assert pdf.startswith(b"%PDF-")
        text = flat(pdf_text(pdf, tmp_path))
        expected = _content_of(case)
        assert len(expected) > 10
        missing = [t for t in expected if normal(t) not in text]
        assert missing == [], f"{case.reference}: not found in the PDF text: {missing}"
        for heading in ["The concern", "Timeline of events", "Contextual factors", "Assessments with the just culture guide",
                        "Local action and support already given", "The decision", "Referral considerations",
                        "Appendices: evidence documents"]:
            assert heading in text, heading
        assert "Patient details redacted" in text


def test_every_page_is_numbered_and_has_the_running_header(decided_case: Case, tmp_path: Path) -> None:
    pdf = render_pdf(build_pack(decided_case, include_patient_details=False))
    total = page_count(pdf, tmp_path)
    assert total >= 5
    for number in range(1, total + 1):
        page = pdf_text(pdf, tmp_path, page=number)
        assert f"Page {number} of {total}" in page, number
        assert re.search(r"Case C-0001\s+Confidential", page), number


@pytest.fixture
def crowded_case(case: Case, handler, upload_text) -> Case:
    """A case built to push the layout: unbroken strings, long names and a table of 45 rows."""
    unbroken = "A" * 300
    link = "https://intranet.example.nhs.uk/" + "very-long-path-segment/" * 12 + "rota.xlsx"
    case_services.act_add(case=case, description=f"Left the pump running. Reference {unbroken}", by=handler)
    case_services.factor_record_save(
        case=case, factor_id="staffing", present="yes", contribution="major",
        account=f"Rota at {link} shows one nurse short. {unbroken}", by=handler)
    for n in range(1, 46):
        case_services.evidence_upload(
            case=case, upload=upload_text(f"bulk-evidence-{n:03d}-{'long-name-' * 8}.txt", f"Document {n}\n"),
            description=f"Witness statement number {n} " + "with a long description " * 4, by=handler)
    return case


def test_nothing_spills_into_the_margins(crowded_case: Case, tmp_path: Path) -> None:
    pdf = render_pdf(build_pack(crowded_case, include_patient_details=False))
    pages = page_bitmaps(pdf, tmp_path, dpi=DPI)
    assert len(pages) == page_count(pdf, tmp_path) >= 3
    for page in pages:
        width, height = page.width, page.height
        right = int(width - SIDE_MARGIN) + TOLERANCE
        left = int(SIDE_MARGIN) - TOLERANCE
        body_bottom = int(height - BOTTOM_MARGIN) + TOLERANCE
        assert page.dark((right, 0, width, height)) == [], f"{page.name}: something in the right margin"
        assert page.dark((0, 0, left, height)) == [], f"{page.name}: something in the left margin"
        # Below the body only the centred page number may appear.
        footer = page.dark((0, body_bottom, width, height))
        assert footer, f"{page.name}: no page number"
        assert all(width * 0.35 < x < width * 0.65 for x, _ in footer), f"{page.name}: something in the bottom margin"


def test_the_pgm_reader_used_without_pillow(tmp_path: Path) -> None:
    path = tmp_path / "page-1.pgm"
    path.write_bytes(b"P5\n# made by hand\n3 2\n255\n" + bytes([255, 0, 255, 255, 255, 10]))
    bitmap = _read_pgm(path)
    assert (bitmap.width, bitmap.height) == (3, 2)
    assert bitmap.dark((0, 0, 3, 2)) == [(1, 0), (2, 1)]


def test_rendering_fetches_nothing_from_outside() -> None:
    fetcher = _url_fetcher()
    for url in ["https://example.org/logo.png", "http://169.254.169.254/", "file:///etc/passwd"]:
        with pytest.raises(ValueError, match="disallowed protocol"):
            fetcher.fetch(url)


def test_a_table_that_runs_over_pages_repeats_its_header(crowded_case: Case, tmp_path: Path) -> None:
    pdf = render_pdf(build_pack(crowded_case, include_patient_details=False))
    pages_with_rows = []
    for number in range(1, page_count(pdf, tmp_path) + 1):
        page = pdf_text(pdf, tmp_path, page=number)
        if re.search(r"appendices/\d+-bulk-evidence", page):
            pages_with_rows.append(number)
            assert re.search(r"No\.\s+Appendix file and description\s+Document date\s+Size", page), number
    assert len(pages_with_rows) >= 2, "the appendix table should run over more than one page"
    text = flat(pdf_text(pdf, tmp_path))
    for n in range(1, 46):
        assert f"Witness statement number {n} with" in text


def test_free_text_is_escaped_not_interpreted(case: Case, handler, tmp_path: Path) -> None:
    hostile = "<script>alert('pack')</script><b>bold</b> & <img src=\"https://example.org/x.png\">"
    case_services.factor_record_save(case=case, factor_id="distractions", present="yes",
                                     contribution="minor", account=hostile, by=handler)
    pack = build_pack(case, include_patient_details=False)
    html = render_html(pack)
    assert "<script>" not in html and "<b>bold</b>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&#39;pack&#39;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt; &amp;" in html
    text = flat(pdf_text(render_pdf(pack), tmp_path))
    assert normal(hostile) in text


def test_patient_details_do_not_reach_the_pdf_unless_included(patient_case: Case, tmp_path: Path) -> None:
    redacted = flat(pdf_text(render_pdf(build_pack(patient_case, include_patient_details=False)), tmp_path))
    for word in ["Jane", "Mary", "Doe"]:
        assert not re.search(rf"\b{word}\b", redacted, re.IGNORECASE), word
    assert "9434765919" not in re.sub(r"[\s\-]", "", redacted)
    assert "Patient details redacted" in redacted and "J.M.D." in redacted

    included = flat(pdf_text(render_pdf(build_pack(patient_case, include_patient_details=True)), tmp_path))
    assert "Jane Mary Doe" in included and "943 476 5919" in included and "Mrs Doe" in included
    assert "Patient details included" in included
