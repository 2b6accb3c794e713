"""Demo data: a realistic organisation built entirely through the services (so it is audited)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from justculture.assessments import services as assessments
from justculture.cases import services as cases
from justculture.cases.models import Case
from justculture.cases.states import CaseState
from justculture.casework import assessments as casework_assessments
from justculture.casework.status import case_status_change
from justculture.core import services as core
from justculture.core.models import Organisation, Team, User
from justculture.core.permissions import roles

DEMO_SLUG = "demo"


@dataclass(frozen=True)
class DemoUser:
    username: str
    name: str
    role: str
    team: str
    password: str


USERS = [
    # username, first, last, job title, role, team name or None for all teams
    ("ward.manager", "Priya", "Shah", "Ward manager, Ward 7", "case-handler", "Ward 7"),
    ("matron", "Grace", "Okafor", "Matron, acute medicine", "case-handler", None),
    ("investigator", "Tom", "Reilly", "Senior nurse investigator", "investigator", None),
    ("decision.maker", "Helen", "Price", "Deputy chief nurse", "decision-maker", None),
    ("hr.adviser", "Marcus", "Bell", "Senior HR adviser", "hr-adviser", None),
    ("safety.lead", "Aisha", "Rahman", "Patient-safety lead", "patient-safety-lead", None),
    ("equality.analyst", "Daniel", "Kim", "Workforce equality analyst", "equality-analyst", None),
    ("auditor", "Ruth", "Evans", "Information governance auditor", "auditor", None),
    ("admin", "Sam", "Patel", "Service administrator", "org-admin", None),
]

TEAMS = [
    ("Ward 7", "City Hospital"),
    ("Maternity", "County Hospital"),
    ("Emergency department", "City Hospital"),
    ("Theatres", "City Hospital"),
]


def _pdf(text: str) -> bytes:
    """A small but valid one-page PDF carrying a line of text."""
    safe = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 12 Tf 72 720 Td ({safe}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _password(fixed: str | None) -> str:
    return fixed or secrets.token_urlsafe(12)


def load_demo(password: str | None = None) -> tuple[Organisation, list[DemoUser], bool]:
    """Create the demo organisation, or refresh its users' passwords if it exists.

    Returns the organisation, the users with their new passwords, and whether it was created.
    """
    existing = Organisation.objects.filter(slug=DEMO_SLUG).first()
    if existing is not None:
        result = []
        with transaction.atomic():
            for username, first, last, _title, role, team in USERS:
                user = User.objects.filter(organisation=existing, username=username).first()
                if user is None:
                    continue
                new = _password(password)
                core.user_set_password(user=user, password=new)
                result.append(DemoUser(username, f"{first} {last}", roles()[role].title, team or "All teams", new))
        return existing, result, False

    with transaction.atomic():
        org = core.organisation_create(slug=DEMO_SLUG, name="Riverside Hospitals NHS Foundation Trust (demo)")
        teams = {name: core.team_create(organisation=org, name=name, site=site) for name, site in TEAMS}
        users: dict[str, User] = {}
        result = []
        for username, first, last, title, role, team in USERS:
            new = _password(password)
            users[username] = core.user_create(
                organisation=org, username=username, password=new, first_name=first, last_name=last,
                job_title=title, roles_held=[(role, teams[team] if team else None)],
            )
            result.append(DemoUser(username, f"{first} {last}", roles()[role].title, team or "All teams", new))
        _demo_cases(org, teams, users)
        _demo_fairness(org, users)
    return org, result, True


def _case(
    *, teams: dict[str, Team], by: User, team: str, days_ago: int, what: str, name: str, role: str,
    group: str, band: str, years: str, employment: str, reg: str, number: str, concern: str,
    acts: list[str], reference: str = "",
) -> Case:
    incident = cases.incident_create(
        organisation=teams[team].organisation,
        occurred_at=(timezone.now() - timedelta(days=days_ago)).replace(hour=14, minute=20, second=0, microsecond=0),
        team=teams[team], location="", description=what, external_reference=reference, by=by,
    )
    from decimal import Decimal

    person = cases.person_create(
        organisation=teams[team].organisation, name=name, role_title=role, staff_group=group,
        registration_body=reg, registration_number=number, band_or_grade=band,
        years_in_role=Decimal(years), employment_type=employment, by=by,
    )
    return cases.case_open(incident=incident, person=person, concern=concern, acts=acts, by=by)


def _answer_all(case: Case, act_number: int, answers: list[tuple[str, str, str]], by: User, complete: bool = True) -> None:
    act = case.acts.get(number=act_number)
    assessment = assessments.assessment_start(act=act, by=by)
    for question, answer, why in answers:
        assessments.assessment_answer(assessment=assessment, question_id=question, answer=answer, rationale=why, by=by)
    if complete:
        casework_assessments.assessment_complete(assessment=assessment, by=by)


NO_HARM_NO_HEALTH = [
    ("1a", "no", "Nothing suggests any intention to cause harm; the nurse raised the error herself."),
    ("2a", "no", "No indication of substance misuse in statements or occupational health records."),
    ("2b", "no", "No physical health problems were reported or observed."),
    ("2c", "no", "No indications of mental ill health at the time."),
]


def _demo_cases(org: Organisation, teams: dict[str, Team], users: dict[str, User]) -> None:
    manager, matron, safety = users["ward.manager"], users["matron"], users["safety.lead"]

    # 1. Ward 7 medication error: factors with evidence, assessment to D, decided.
    c1 = _case(
        teams=teams, by=manager, team="Ward 7", days_ago=60, reference="LRMS-20431",
        what="A patient received a 10 mg dose of oral morphine instead of the prescribed 1 mg during a night shift.",
        name="Adaeze Nwosu", role="Staff nurse", group="nursing-midwifery", band="Band 5", years="1.5",
        employment="substantive", reg="nmc", number="18I2345E",
        concern="Administered ten times the prescribed dose of oral morphine.",
        acts=["Drew up and gave 10 mg of oral morphine solution instead of 1 mg."],
    )
    rota = cases.evidence_upload(
        case=c1, upload=SimpleUploadedFile("ward7-rota-night.pdf", _pdf("Ward 7 night rota: 2 RNs for 28 beds")),
        description="Night shift rota showing two registered nurses for 28 patients",
        document_date=(timezone.now() - timedelta(days=60)).date(), factor_ids=["staffing"], by=manager,
    )
    label = cases.evidence_upload(
        case=c1, upload=SimpleUploadedFile("oral-morphine-bottles.txt",
                                           b"Two strengths of oral morphine solution stocked side by side with "
                                           b"near-identical labels (10 mg/5 ml and 100 mg/5 ml).\n"),
        description="Pharmacy note on look-alike oral morphine bottles",
        document_date=(timezone.now() - timedelta(days=55)).date(), factor_ids=["equipment-design"], by=manager,
    )
    cases.factor_record_save(case=c1, factor_id="staffing", present="yes", contribution="major",
                             account="Two registered nurses for 28 patients against a planned three; the third was redeployed.",
                             documents=[rota], by=manager)
    cases.factor_record_save(case=c1, factor_id="equipment-design", present="yes", contribution="moderate",
                             account="Two strengths stocked side by side with similar labels.", documents=[label], by=manager)
    cases.factor_record_save(case=c1, factor_id="distractions", present="yes", contribution="moderate",
                             account="Interrupted twice by call bells while preparing the dose.", by=manager)
    cases.factor_record_save(case=c1, factor_id="bullying-history", present="no", contribution="none",
                             account="No history found in HR records or staff survey free text.", by=manager)
    _answer_all(c1, 1, [*NO_HARM_NO_HEALTH,
                        ("3a", "yes", "The medicines policy requires an independent second check for controlled drugs."),
                        ("3b", "no", "With two nurses for 28 patients the second check was not routinely possible at night.")],
                by=manager)
    case_status_change(case=c1, to=CaseState.DECIDED, reason="Decided at the case review meeting.", by=matron)

    # 2. ED: substitution test met (E), with a revisit.
    c2 = _case(
        teams=teams, by=matron, team="Emergency department", days_ago=40,
        what="A deteriorating patient's early warning score was not escalated for two hours.",
        name="Liam O'Connor", role="Staff nurse", group="nursing-midwifery", band="Band 5", years="3",
        employment="agency", reg="nmc", number="15A9876C",
        concern="Did not escalate a rising early warning score.",
        acts=["Did not escalate a NEWS2 score of 7 to the medical team."],
    )
    cases.factor_record_save(case=c2, factor_id="unusual-expectations", present="yes", contribution="major",
                             account="Department at 180% occupancy with corridor care.", by=matron)
    cases.factor_record_save(case=c2, factor_id="team-culture", present="yes", contribution="moderate",
                             account="Escalation of scores below 8 was commonly deferred during surges.", by=matron)
    answers = [*NO_HARM_NO_HEALTH,
               ("3a", "yes", "The deterioration policy requires escalation of a score of 5 or more."),
               ("3b", "yes", "The policy is workable and used routinely outside surges."),
               ("3c", "yes", "The nurse knew the policy and chose to finish observations first."),
               ("4a", "no", "Initial view: peers would have escalated.")]
    _answer_all(c2, 1, answers, by=matron, complete=False)
    first = c2.assessments.get(version=1)
    assessments.assessment_answer(assessment=first, question_id="4b", answer="no", rationale="Training records complete.", by=matron)
    assessments.assessment_answer(assessment=first, question_id="4c", answer="no", rationale="Supervision was in place.", by=matron)
    assessments.assessment_answer(assessment=first, question_id="5a", answer="no", rationale="None identified at first.", by=matron)
    casework_assessments.assessment_complete(assessment=first, by=matron)
    second = assessments.assessment_revisit(
        assessment=first, reason="Peer interviews showed that deferring escalation was usual practice in surges.", by=safety)
    assessments.peer_view_add(assessment=second, peer_name="Band 5 nurse A", peer_role="Staff nurse, ED",
                              experience="3 years in ED, same training", view="same",
                              account="During surges we finish the round of observations before escalating.", by=safety)
    assessments.assessment_answer(assessment=second, question_id="4a", answer="yes",
                                  rationale="Two peers said they would have done the same in that surge.", by=safety)
    casework_assessments.assessment_complete(assessment=second, by=safety)

    # 3. Maternity: gathering information before the assessment starts.
    c3 = _case(
        teams=teams, by=matron, team="Maternity", days_ago=12,
        what="A CTG trace showing decelerations was not reviewed by a second midwife as the fresh-eyes policy requires.",
        name="Fatima Hussain", role="Midwife", group="nursing-midwifery", band="Band 6", years="6",
        employment="substantive", reg="nmc", number="09C1122M",
        concern="Fresh-eyes review of a CTG was not carried out.",
        acts=["Did not request a fresh-eyes review of the CTG at the hourly point."],
    )
    case_status_change(case=c3, to=CaseState.GATHERING, reason="Statements requested from the team.", by=matron)
    cases.factor_record_save(case=c3, factor_id="staffing", present="unknown", contribution="not-assessed",
                             account="Awaiting the acuity tool figures for that shift.", by=matron)

    # 4. Theatres: just opened.
    _case(
        teams=teams, by=matron, team="Theatres", days_ago=3,
        what="A swab count discrepancy was signed as correct at the end of a procedure.",
        name="Kwame Mensah", role="Operating department practitioner", group="allied-health", band="Band 6",
        years="4", employment="bank", reg="hcpc", number="ODP12345",
        concern="Signed a swab count as complete when it was not.", acts=[],
    )

    # 5. Ward 7: outcome G after a full walk, closed.
    c5 = _case(
        teams=teams, by=manager, team="Ward 7", days_ago=120,
        what="Observations were recorded in the chart for a time when the patient was off the ward.",
        name="Chris Walker", role="Healthcare support worker", group="clinical-support", band="Band 3", years="8",
        employment="substantive", reg="none", number="",
        concern="Recorded observations that were not taken.",
        acts=["Recorded a full set of observations at 02:00 that were not taken."],
    )
    cases.factor_record_save(case=c5, factor_id="management", present="no", contribution="none",
                             account="Manager support and supervision records are in order.", by=manager)
    _answer_all(c5, 1, [*NO_HARM_NO_HEALTH,
                        ("3a", "yes", "Documentation standards require observations to be recorded as taken."),
                        ("3b", "yes", "The standard is workable and followed routinely."),
                        ("3c", "yes", "Admitted knowing the chart entry was not a real reading."),
                        ("4a", "no", "Peers interviewed would not have recorded readings not taken."),
                        ("4b", "no", "Completed the documentation training in the last year."),
                        ("4c", "no", "Normal supervision was in place that night."),
                        ("5a", "no", "No significant mitigation was found.")], by=manager)
    case_status_change(case=c5, to=CaseState.DECIDED, reason="Decided at the case review meeting.", by=matron)
    case_status_change(case=c5, to=CaseState.CLOSED, reason="Support plan agreed; the system learning is tracked by the ward.", by=matron)


# --- Fairness and consistency (issue 6) -------------------------------------------------------
# Equality data for the demo people and a demo workforce, recorded through the fairness services
# by the HR adviser (so both are audited). The people are fictional; some answers are "prefer not
# to say" and "not known", as in real monitoring data.

DEMO_EQUALITY = {
    # name: (ethnic category code, sex, disability, age band, where first qualified)
    "Adaeze Nwosu": ("N", "female", "no", "25-34", "rest-of-world"),
    "Liam O'Connor": ("B", "male", "no", "25-34", "eu"),
    "Fatima Hussain": ("prefer-not-to-say", "female", "prefer-not-to-say", "35-44", "uk"),
    "Kwame Mensah": ("M", "male", "yes", "35-44", "uk"),
    "Chris Walker": ("A", "male", "not-known", "45-54", "not-known"),
}

# Whole-organisation headcounts per dimension and group, and each team's White / Ethnic minority split.
DEMO_WORKFORCE = {
    "ethnicity": {"A": 3650, "B": 120, "C": 430, "D": 40, "E": 35, "F": 45, "G": 30, "H": 520, "J": 180, "K": 60,
                  "L": 240, "M": 150, "N": 610, "P": 45, "R": 70, "S": 95, "prefer-not-to-say": 60, "not-known": 240},
    "sex": {"female": 5150, "male": 1450, "not-known": 20},
    "disability": {"yes": 420, "no": 5300, "prefer-not-to-say": 310, "not-known": 590},
    "age-band": {"under-25": 520, "25-34": 1710, "35-44": 1560, "45-54": 1480, "55-64": 1120, "65-and-over": 210,
                 "not-known": 20},
    "qualified": {"uk": 4700, "eu": 410, "rest-of-world": 1220, "not-known": 290},
    "staff-group": {"nursing-midwifery": 2450, "medical-dental": 980, "allied-health": 640, "scientific": 210,
                    "pharmacy": 150, "clinical-support": 1430, "other": 760},
    "contract-type": {"substantive": 5900, "bank": 520, "agency": 140, "student": 60},
}
DEMO_TEAMS = {"Ward 7": (38, 21, 3), "Maternity": (96, 41, 6), "Emergency department": (120, 85, 9),
              "Theatres": (70, 44, 2)}


def demo_workforce_csv(years: list[int]) -> str:
    """The demo workforce as the CSV the import page takes (also handy for trying the page)."""
    lines = ["period,team,dimension,group,headcount"]
    for year in years:
        for dimension, groups in DEMO_WORKFORCE.items():
            lines += [f"{year},,{dimension},{group},{count}" for group, count in groups.items()]
        for team, (white, minority, unknown) in DEMO_TEAMS.items():
            lines += [f"{year},{team},ethnicity-collapsed,White,{white}",
                      f"{year},{team},ethnicity-collapsed,Ethnic minority,{minority}",
                      f"{year},{team},ethnicity-collapsed,Not known,{unknown}"]
    return "\n".join(lines) + "\n"


def _demo_fairness(org: Organisation, users: dict[str, User]) -> None:
    from justculture.fairness import services as fairness

    hr = users["hr.adviser"]
    for case in Case.objects.filter(organisation=org).select_related("person", "team"):
        answers = DEMO_EQUALITY.get(case.person.name)
        if answers is not None:
            ethnicity, sex, disability, age_band, qualified = answers
            fairness.equality_record_save(case=case, ethnicity=ethnicity, sex=sex, disability=disability,
                                          age_band=age_band, qualified=qualified, by=hr)
    this_year = timezone.localdate().year
    fairness.workforce_import(data=demo_workforce_csv([this_year - 1, this_year]), by=hr,
                              filename="demo-workforce.csv")
