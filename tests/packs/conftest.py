"""Fixtures for the documentation pack: the demo organisation with decisions, referral answers and
advice added, a case whose incident names a patient, and helpers that read PDFs back with
poppler-utils (pdftotext, pdftoppm)."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from justculture.assessments import services as assessment_services
from justculture.cases import services as case_services
from justculture.cases.models import Case
from justculture.casework import decisions as casework_decisions
from justculture.core.models import Organisation, Team, User
from justculture.decisions import services as decision_services
from justculture.demo.data import load_demo

DEMO_PASSWORD = "pack-demo-password-2718"
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

PATIENT_NAME = "Jane Mary Doe"
PATIENT_IDENTIFIER = "943 476 5919"
# Ways the patient is written in free text, none of which may survive redaction.
PATIENT_TRACES = ["Jane", "Mary", "Doe", "9434765919", "943 476 5919", "943-476-5919"]


@pytest.fixture
def demo(db: Any, settings: Any) -> Organisation:
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = FAST_HASHERS  # nine demo users: no need for slow hashing here
    organisation, _users, _created = load_demo(password=DEMO_PASSWORD)
    return organisation


@pytest.fixture
def demo_users(demo: Organisation) -> dict[str, User]:
    return {u.username: u for u in User.objects.filter(organisation=demo)}


@pytest.fixture
def decided_case(demo: Organisation, demo_users: dict[str, User]) -> Case:
    """Demo case C-0001 with two decisions (the later one departs from the guide), referral
    considerations and a record of advice taken."""
    case = Case.objects.get(organisation=demo, reference="C-0001")
    maker = demo_users["decision.maker"]
    today = timezone.localdate()
    casework_decisions.decision_record(
        case=case, measures=["support", "local-action"], local_action_types=["training", "supervision"],
        rationale="System factors dominated; a supported return with supervised medicine rounds.",
        decided_by_name="Helen Price", decided_on=today - timedelta(days=20),
        support_detail="Weekly check-ins with the practice educator for two months.",
        support_offered=["occupational-health", "peer-support"],
        support_notes="Staff-side representative invited to every meeting.",
        who_hurt="The patient, their family and the nurse herself.",
        their_needs="An apology and explanation for the family; reassurance for the nurse.",
        obligations="The ward manager owns the apology; pharmacy owns the storage change.",
        by=maker,
    )
    casework_decisions.decision_record(
        case=case, measures=["formal-process"], formal_type="capability",
        rationale="A second, similar error came to light after the first decision.",
        departure_justification="The pattern of two similar errors needs a structured capability review.",
        decided_by_name="Helen Price", decided_on=today - timedelta(days=2), by=maker,
    )
    decision_services.referral_considerations_save(
        case=case, regulator="nmc",
        answers={
            "risk-of-harm": {"answer": "no", "notes": "Supervised practice removes the immediate risk."},
            "context-considered": {"answer": "yes", "notes": "Staffing and look-alike bottles weighed heavily."},
            "bias-checked": {"answer": "unsure", "notes": "Awaiting the independent review panel."},
        },
        summary="Local action manages the risk; no referral at this stage.", by=maker,
    )
    decision_services.advice_record(
        case=case, advised_on=today - timedelta(days=5), adviser="Regulator's employer advice line",
        advice="Agreed that local action is proportionate while the capability review runs.", by=maker,
    )
    return case


@pytest.fixture
def patient_case(org: Organisation, team: Team, handler: User) -> Case:
    """A case whose incident names a patient, who is then mentioned across the free text."""
    incident = case_services.incident_create(
        organisation=org, occurred_at=timezone.now().replace(microsecond=0), team=team,
        description="Jane Mary Doe (NHS number 943 476 5919) was given a double dose of insulin.",
        patient_name=PATIENT_NAME, patient_identifier=PATIENT_IDENTIFIER, by=handler,
    )
    person = case_services.person_create(
        organisation=org, name="Sam Taylor", role_title="Staff nurse", staff_group="nursing-midwifery",
        employment_type="substantive", registration_number="12A3456B", band_or_grade="Band 5", by=handler,
    )
    case = case_services.case_open(
        incident=incident, person=person, by=handler,
        concern="Gave Mrs Doe two doses of insulin; her record (9434765919) shows both signatures.",
        acts=["Gave Jane Doe a second dose of insulin without checking the chart."],
    )
    case_services.factor_record_save(
        case=case, factor_id="distractions", present="yes", contribution="moderate",
        account="While preparing the dose for JANE the nurse was called to another bay.", by=handler,
    )
    assessment = assessment_services.assessment_start(act=case.acts.get(number=1), by=handler)
    assessment_services.assessment_answer(
        assessment=assessment, question_id="1a", answer="no", by=handler,
        rationale="No intent to harm Mary Doe; identifier 943-476-5919 was checked afterwards.",
    )
    return case


# Reading PDFs back ---------------------------------------------------------------------------


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} was not found: install Debian's poppler-utils (scripts/setup.sh does).")
    return path


def pdf_text(pdf: bytes, tmp_path: Path, *, page: int | None = None) -> str:
    """The text of a PDF (or one page of it), as pdftotext -layout lays it out."""
    source = tmp_path / "read.pdf"
    source.write_bytes(pdf)
    pages = ["-f", str(page), "-l", str(page)] if page is not None else []
    result = subprocess.run([_tool("pdftotext"), "-layout", *pages, str(source), "-"],
                            capture_output=True, check=True, timeout=60)
    return result.stdout.decode("utf-8")


def page_count(pdf: bytes, tmp_path: Path) -> int:
    return pdf_text(pdf, tmp_path).count("\f")


RUNNING = re.compile(r"^\s*(Case \S+\s+Confidential|Page \d+ of \d+)\s*$")


def flat(text: str) -> str:
    """Text with the running header and footer lines dropped and all white space collapsed, so
    a paragraph that wraps or runs onto the next page reads as one line."""
    lines = [line for line in text.replace("\f", "\n").splitlines() if not RUNNING.match(line)]
    return " ".join(" ".join(lines).split())


def normal(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class Bitmap:
    """One page as 8-bit grey levels, row by row (0 is black, 255 white)."""

    name: str
    width: int
    height: int
    grey: bytes

    def dark(self, box: tuple[int, int, int, int], threshold: int = 200) -> list[tuple[int, int]]:
        """The (x, y) of pixels darker than threshold inside box = (left, top, right, bottom)."""
        left, top = max(box[0], 0), max(box[1], 0)
        right, bottom = min(box[2], self.width), min(box[3], self.height)
        found = []
        for y in range(top, bottom):
            row = self.grey[y * self.width + left:y * self.width + right]
            found += [(left + i, y) for i, value in enumerate(row) if value < threshold]
        return found


def page_bitmaps(pdf: bytes, tmp_path: Path, dpi: int = 50) -> list[Bitmap]:
    """Every page rendered by pdftoppm: PNG read with Pillow (which WeasyPrint brings), or, if
    Pillow is missing, pdftoppm's grey PGM output read directly."""
    source = tmp_path / "pages.pdf"
    source.write_bytes(pdf)
    prefix = tmp_path / "page"
    try:
        from PIL import Image
    except ImportError:
        subprocess.run([_tool("pdftoppm"), "-r", str(dpi), "-gray", str(source), str(prefix)], check=True, timeout=120)
        return [_read_pgm(p) for p in _numbered(tmp_path.glob("page-*.pgm"))]
    subprocess.run([_tool("pdftoppm"), "-r", str(dpi), "-png", str(source), str(prefix)], check=True, timeout=120)
    bitmaps = []
    for path in _numbered(tmp_path.glob("page-*.png")):
        with Image.open(path) as image:
            grey = image.convert("L")
            bitmaps.append(Bitmap(path.name, grey.width, grey.height, grey.tobytes()))
    return bitmaps


def _numbered(paths: Iterable[Path]) -> list[Path]:
    return sorted(paths, key=lambda p: int(p.stem.rsplit("-", 1)[1]))


def _read_pgm(path: Path) -> Bitmap:
    """A binary PGM (P5) file with 8-bit samples, as pdftoppm -gray writes it."""
    data = path.read_bytes()
    fields: list[bytes] = []
    position = 0
    while len(fields) < 4:
        while data[position:position + 1].isspace():
            position += 1
        if data[position:position + 1] == b"#":
            position = data.index(b"\n", position) + 1
            continue
        end = position
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[position:end])
        position = end
    assert fields[0] == b"P5" and int(fields[3]) == 255, "expected an 8-bit binary PGM"
    width, height = int(fields[1]), int(fields[2])
    pixels = data[position + 1:position + 1 + width * height]
    return Bitmap(path.name, width, height, pixels)


@pytest.fixture
def upload_text() -> Callable[..., Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    def make(name: str, text: str) -> SimpleUploadedFile:
        return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/plain")

    return make


def days_ago(days: int) -> date:
    return timezone.localdate() - timedelta(days=days)
