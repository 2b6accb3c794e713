"""How long the documentation pack PDF takes for a large case, against a trivial WeasyPrint page.

Run from the repository root:

    .venv/bin/python bench/pack_bench.py            # text report, JSON saved under bench/results/
    .venv/bin/python bench/pack_bench.py --json     # the JSON report on standard output

It sets Django up on a throwaway SQLite database in a temporary folder (DEBUG on, uploads in the
same folder), builds one case big enough for a pack of about 30 pages through the services, and
times, in the same process:

* build_pack (reading the case into the pack dictionary),
* render_pdf for that pack (WeasyPrint), and
* a baseline: WeasyPrint rendering a one-page document with a heading and a paragraph.

The ratio (pack seconds / baseline seconds) is the figure to compare between machines, since
both sides slow down together on a slower machine. Each is run once to warm up (fonts, caches)
and then --repeat times; the median is reported. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"

PARAGRAPH = (
    "The ward was running with one registered nurse fewer than planned because a colleague had been "
    "moved to cover the emergency department. Two patients needed one-to-one care during the medicine "
    "round, the electronic prescribing system was slow to load, and the nurse was interrupted by call "
    "bells and a relative's telephone call while preparing the dose. "
)

BASELINE_HTML = """<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>Baseline</title>
<style>@page { size: A4; margin: 20mm } body { font-family: "Liberation Sans", sans-serif }</style></head>
<body><h1>Baseline</h1><p>One page with a heading and a paragraph.</p></body></html>"""


def setup_django(folder: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "justculture.config.settings"
    os.environ["DEBUG"] = "true"
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ["JUSTCULTURE_DATA_DIR"] = str(folder)
    os.environ["MEDIA_ROOT"] = str(folder / "media")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # Users are only made to own records here: no need for slow password hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)


def build_large_case(acts: int, documents: int) -> Any:
    """One case with every factor recorded at length, many acts walked to an outcome (some
    revisited, with peer views), many evidence documents, a decision, referral answers and advice."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from justculture.assessments import services as assessments
    from justculture.cases import services as cases
    from justculture.casework import assessments as casework_assessments
    from justculture.casework import decisions as casework_decisions
    from justculture.core import services as core
    from justculture.decisions import services as decisions
    from justculture.decisions.selectors import referral_question_ids
    from justculture.factors.selectors import factors_for

    org = core.organisation_create(slug="bench", name="Benchmark Hospitals NHS Trust")
    team = core.team_create(organisation=org, name="Ward 9", site="General Hospital")
    user = core.user_create(
        organisation=org, username="bench", password=secrets.token_urlsafe(16), first_name="Bench",
        last_name="Mark", job_title="Matron", roles_held=[("case-handler", None), ("decision-maker", None)],
    )
    incident = cases.incident_create(
        organisation=org, occurred_at=timezone.now() - timedelta(days=30), team=team,
        description=PARAGRAPH * 3, external_reference="BENCH-1", patient_name="Alex Example",
        patient_identifier="999 000 1234", by=user,
    )
    person = cases.person_create(
        organisation=org, name="Jordan Blake", role_title="Staff nurse", staff_group="nursing-midwifery",
        employment_type="substantive", registration_number="00A0000A", band_or_grade="Band 5",
        years_in_role=Decimal("2.5"), by=user,
    )
    case = cases.case_open(
        incident=incident, person=person, concern=PARAGRAPH * 2,
        acts=[f"Act {n}: {PARAGRAPH}" for n in range(1, acts + 1)], by=user,
    )
    uploaded = []
    for n in range(1, documents + 1):
        upload = SimpleUploadedFile(f"statement-{n:03d}.txt", f"Statement {n}\n{PARAGRAPH}\n".encode(),
                                    content_type="text/plain")
        uploaded.append(cases.evidence_upload(
            case=case, upload=upload, description=f"Witness statement {n} about the night shift",
            document_date=timezone.localdate() - timedelta(days=n), by=user,
        ))
    for index, factor in enumerate(factors_for(org)):
        cases.factor_record_save(
            case=case, factor_id=factor.id, present="yes", contribution="moderate",
            account=(PARAGRAPH * 4).strip(), documents=uploaded[index * 3:index * 3 + 3], by=user,
        )
    walk = [("1a", "no"), ("2a", "no"), ("2b", "no"), ("2c", "no"), ("3a", "yes"), ("3b", "yes"),
            ("3c", "yes"), ("4a", "no"), ("4b", "no"), ("4c", "no"), ("5a", "no")]
    for number in range(1, acts + 1):
        assessment = assessments.assessment_start(act=case.acts.get(number=number), by=user)
        for question, answer in walk:
            assessments.assessment_answer(assessment=assessment, question_id=question, answer=answer,
                                          rationale=f"{question}: {PARAGRAPH}", by=user)
        casework_assessments.assessment_complete(assessment=assessment, by=user)
        if number % 2 == 0:
            second = assessments.assessment_revisit(assessment=assessment, reason=PARAGRAPH, by=user)
            assessments.peer_view_add(assessment=second, peer_name=f"Peer {number}", peer_role="Staff nurse",
                                      experience="Three years on the ward", view="same", account=PARAGRAPH, by=user)
            assessments.assessment_answer(assessment=second, question_id="4a", answer="yes",
                                          rationale=f"Revisited: {PARAGRAPH}", by=user)
            casework_assessments.assessment_complete(assessment=second, by=user)
    casework_decisions.decision_record(
        case=case, measures=["support", "local-action"], local_action_types=["training", "supervision"],
        rationale=PARAGRAPH * 2, decided_by_name="Deputy chief nurse", decided_on=timezone.localdate(),
        support_detail=PARAGRAPH, support_offered=["occupational-health"], who_hurt=PARAGRAPH,
        their_needs=PARAGRAPH, obligations=PARAGRAPH, by=user,
    )
    decisions.referral_considerations_save(
        case=case, regulator="nmc", summary=PARAGRAPH,
        answers={qid: {"answer": "no", "notes": PARAGRAPH} for qid in referral_question_ids()}, by=user,
    )
    decisions.advice_record(case=case, advised_on=timezone.localdate(), adviser="Employer advice line",
                            advice=PARAGRAPH, by=user)
    return case


def median_time(action: Callable[[], Any], repeat: int) -> tuple[float, list[float], Any]:
    action()  # warm-up: fonts, template and CSS caches
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times, result


def count_pages(pdf: bytes) -> int | None:
    """Pages as poppler's pdfinfo counts them (None when poppler-utils is not installed)."""
    pdfinfo = shutil.which("pdfinfo")
    if pdfinfo is None:
        return None
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        result = subprocess.run([pdfinfo, handle.name], capture_output=True, text=True, check=True)  # noqa: S603
    match = re.search(r"^Pages:\s+(\d+)", result.stdout, re.MULTILINE)
    return int(match.group(1)) if match else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--acts", type=int, default=3, help="acts to assess (default 3)")
    parser.add_argument("--documents", type=int, default=24, help="evidence documents (default 24)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs after one warm-up (default 3)")
    parser.add_argument("--json", action="store_true", help="print the JSON report instead of text")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="jc-pack-bench-") as folder:
        setup_django(Path(folder))
        from weasyprint import HTML

        from justculture.packs.builder import build_pack
        from justculture.packs.render import render_pdf

        case = build_large_case(args.acts, args.documents)
        build_seconds, _, pack = median_time(lambda: build_pack(case, include_patient_details=False), args.repeat)
        pack_seconds, pack_runs, pdf = median_time(lambda: render_pdf(pack), args.repeat)
        base_seconds, base_runs, base_pdf = median_time(lambda: HTML(string=BASELINE_HTML).write_pdf(), args.repeat)

    import weasyprint

    report = {
        "benchmark": "documentation pack PDF",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "weasyprint": weasyprint.__version__},
        "case": {"acts": args.acts, "evidence_documents": args.documents,
                 "assessment_versions": sum(len(a["versions"]) for a in pack["assessments"]),
                 "factors": len(pack["factors"])},
        "repeat": args.repeat,
        "build_pack_seconds": round(build_seconds, 4),
        "pack": {"pages": count_pages(pdf), "bytes": len(pdf), "seconds": round(pack_seconds, 4),
                 "runs": [round(t, 4) for t in pack_runs]},
        "baseline": {"pages": count_pages(base_pdf), "seconds": round(base_seconds, 4),
                     "runs": [round(t, 4) for t in base_runs]},
        "ratio": round(pack_seconds / base_seconds, 1) if base_seconds else None,
    }
    pages = report["pack"]["pages"]
    report["seconds_per_page"] = round(pack_seconds / pages, 4) if pages else None
    RESULTS.mkdir(exist_ok=True)
    saved = RESULTS / "pack_bench.json"
    saved.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"Pack for a case with {args.acts} acts ({report['case']['assessment_versions']} assessment versions), "
          f"{report['case']['factors']} factors and {args.documents} evidence documents")
    print(f"  build_pack:   {build_seconds:.3f} s")
    print(f"  render_pdf:   {pack_seconds:.3f} s for {pages or 'an unknown number of'} pages "
          f"({report['seconds_per_page'] or '?'} s a page; median of {args.repeat})")
    print(f"  baseline:     {base_seconds:.3f} s for {report['baseline']['pages']} page (trivial WeasyPrint document)")
    print(f"  ratio:        {report['ratio']} (pack / baseline)")
    print(f"JSON report: {saved}")


if __name__ == "__main__":
    main()
