"""Bad input in every free-text field of every form: HTML and script, and SQL-looking strings.

The forms are not listed by hand: every page of the app (each route of the URL configuration, as
a user holding every role, and the public pages as an anonymous visitor) is fetched and its forms
read as a browser reads them. Each free-text field (text inputs and text areas) gets its own
payload; the rest of the form is sent as a browser would, with the few structured text inputs
(numbers, codes) given a sensible value in STRUCTURED below. A form or field found on a page that
this file does not know about fails the test, so a new form cannot slip past.

Then: each post is accepted; each payload is stored exactly as typed; no page shows it unescaped
(and some page shows it, escaped); every table is still there and none lost rows; and the
documentation pack PDF shows the text literally.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.db.models import Q
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone

from justculture.cases.models import Case, Incident
from justculture.casework import assessments as casework_assessments
from justculture.packs import services as pack_services
from tests.packs.conftest import RUNNING
from tests.security.forms_html import Form, forms_of
from tests.security.routes import (
    ALL_ROLES,
    OrgObjects,
    Route,
    World,
    client_as,
    web_routes,
    world_for_module,
)

SQL_TABLE = "cases_case"


def payload(tag: str, limit: int | None = None) -> str:
    """Script, an attribute break-out and SQL, labelled with a short tag; shorter variants for
    fields that hold fewer characters (the longest that fits ``limit``)."""
    variants = [
        f'<script>alert("{tag}")</script>"><img src=x onerror=alert("{tag}")>'
        f"'; DROP TABLE {SQL_TABLE}; -- ' OR '1'='1",
        f'"><img src=x onerror=alert("{tag}")>\' OR \'1\'=\'1',
        f'"><script>alert("{tag}")',
        f"<b>{tag}</b>'--",
    ]
    return next((v for v in variants if limit is None or len(v) <= limit), variants[-1])


def raw_marks(tag: str) -> list[str]:
    """What a page would hold if the payload were not escaped."""
    return [f'<script>alert("{tag}")', f'<img src=x onerror=alert("{tag}")', f"<b>{tag}</b>"]


@dataclass
class Spec:
    """How to send one route's form. ``fixed``: structured text inputs and their values (not free
    text, so no payload); ``refused``: the form cannot succeed with bad input (a code, a password)
    and must show the form again, escaped; ``download``: a successful post answers with a file."""

    fixed: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    omit: tuple[str, ...] = ()
    refused: bool = False
    download: bool = False
    in_pack: bool = False  # shown in the pack of the world's case
    in_new_pack: bool = False  # shown in the pack of the case the forms opened (patient details in)
    shown: bool = True  # some page shows what was typed (a pack's or export's reason is only kept)
    # What was typed is kept somewhere. Not for a subject access export: its reason is free text,
    # which the audit log never holds (docs/audit.md), and there is nowhere else to keep it.
    kept: bool = True


SPECS: dict[str, Spec] = {
    "core:sign-in": Spec(refused=True),  # a wrong username and password: shown again, escaped
    "core:two-factor-setup": Spec(refused=True),  # the code is 6 digits; text is refused
    "factors:organisation": Spec(),
    "factors:edit": Spec(in_pack=True),
    "factors:evidence-upload": Spec(in_pack=True),
    "assessments:question": Spec(in_pack=True),
    "assessments:peer-new": Spec(in_pack=True),
    "assessments:revisit": Spec(in_pack=True),
    "decisions:regulators": Spec(),
    # Support and a formal process: a departure from the guide's outcome D, so the justification
    # is kept too (it is only asked for, and kept, when the decision departs).
    "decisions:decision-new": Spec(
        extra={"measures": ["support", "formal-process"], "formal_type": "capability",
               "support_offered": ["occupational-health"], "considered_consistency": "on"},
        in_pack=True,
    ),
    "decisions:referral": Spec(extra={"considered_consistency": "on"}, in_pack=True),
    "decisions:advice-new": Spec(in_pack=True),
    # The pack holds the decision's local actions, not the action tracker's entries.
    "case_actions:new": Spec(),
    "case_actions:detail": Spec(),
    "packs:pack": Spec(extra={"format": "pdf"}, shown=False),
    "auditlog:search": Spec(),
    "retention:period-change": Spec(fixed={"amount": "7"}, extra={"unit": "years"}),
    "retention:people": Spec(),
    "retention:export": Spec(extra={"include_patient_details": "yes"}, download=True, shown=False),
    "cases:list": Spec(),
    "cases:incident-new": Spec(in_new_pack=True),
    "cases:case-new": Spec(fixed={"years_in_role": "3"}, in_new_pack=True),
    "cases:concern": Spec(in_pack=True),
    "cases:act-new": Spec(in_pack=True),
    "cases:act-edit": Spec(in_pack=True),
    # The reason for a move is kept with it and shown on the timeline and in the pack.
    "cases:status": Spec(in_pack=True),
}


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[World]:
    with world_for_module(django_db_blocker, str(tmp_path_factory.mktemp("bad-input-media"))) as made:
        yield made


@pytest.fixture
def bad_world(world: World, db: Any, settings: Any) -> World:
    settings.MEDIA_ROOT = world.media_root
    return world


def _route_of(url: str) -> str | None:
    try:
        match = resolve(url.split("?", 1)[0])
    except Resolver404:
        return None
    return match.view_name


@dataclass
class Found:
    route: Route
    page: str  # the address of the page the form is on
    form: Form


def discover(client: Client, anonymous: Client, own: OrgObjects) -> list[Found]:
    """Every form with a free-text field on every page of the app."""
    found: list[Found] = []
    for route in web_routes():
        url = route.url(own.kwargs_for(route))
        for reader in (client, anonymous):
            response = reader.get(url)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            for form in forms_of(response.content.decode()):
                if form.text_fields():
                    found.append(Found(route, url, form))
            break
    return found


def test_every_form_with_free_text_is_covered(bad_world: World) -> None:
    own = bad_world.own
    found = discover(client_as(own.users[ALL_ROLES]), client_as(None), own)
    unknown = sorted({f"{f.route.name} ({', '.join(t.name for t in f.form.text_fields())})"
                      for f in found if f.route.name not in SPECS})
    assert not unknown, ("forms with free text that tests/security/test_bad_input.py does not cover "
                         "(add them to SPECS): " + "; ".join(unknown))
    stale = sorted(set(SPECS) - {f.route.name for f in found})
    assert not stale, f"SPECS names forms no page shows any more: {stale}"


def _stored_exactly(value: str) -> bool:
    """True when some text column holds the value exactly, or some JSON column holds it as a value."""
    for model in apps.get_models():
        if not model._meta.managed:
            continue
        text = [f.name for f in model._meta.concrete_fields if isinstance(f, models.CharField | models.TextField)]
        if text:
            query = Q()
            for name in text:
                query |= Q(**{name: value})
            if model._default_manager.filter(query).exists():
                return True
        for json_field in [f.name for f in model._meta.concrete_fields if isinstance(f, models.JSONField)]:
            for blob in model._default_manager.exclude(**{json_field: None}).values_list(json_field, flat=True):
                if _holds(blob, value):
                    return True
    return False


def _holds(blob: Any, value: str) -> bool:
    if isinstance(blob, dict):
        return any(_holds(v, value) for v in blob.values())
    if isinstance(blob, list):
        return any(_holds(v, value) for v in blob)
    return blob == value


def _counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models() if m._meta.managed}


def _body(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def _error_summary(page: str) -> str:
    """The messages of the page's error summary, as plain text."""
    start = page.find("nhsuk-error-summary__list")
    if start < 0:
        return "no error summary"
    end = page.find("</ul>", start)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page[start:end])).split())[25:]


def _prepare(route_name: str, own: OrgObjects) -> None:
    """Bring the case to the state where the route's form can succeed."""
    if route_name == "assessments:revisit":
        # Only the newest complete version can be revisited: complete version 2 first.
        own.open.refresh_from_db()
        if not own.open.is_complete:
            casework_assessments.assessment_complete(assessment=own.open, by=own.users["case-handler"])


def _limits(page: str) -> dict[str, int]:
    """Fields the page says are too long, with their limits (from Django's max_length message)."""
    found: dict[str, int] = {}
    for name, limit in re.findall(r'href="#([\w-]+)"[^>]*>[^<]*?(?:at most|or fewer)[^<]*?(\d+) characters', page):
        found[name] = int(limit)
    for name, limit in re.findall(r'href="#([\w-]+)"[^>]*>\s*[^<]*?(\d+) characters or fewer', page):
        found[name] = int(limit)
    return found


@dataclass
class Sent:
    tag: str
    field: str  # route name and field name
    value: str
    spec: Spec


def _fill(found: Found, spec: Spec, limits: dict[str, int], tags: Iterator[str]) -> tuple[dict[str, Any], list[Sent]]:
    sent: list[Sent] = []
    fill: dict[str, str] = {}
    name = found.route.name
    for text_field in found.form.text_fields():
        if text_field.name in spec.fixed:
            fill[text_field.name] = spec.fixed[text_field.name]
            continue
        tag = next(tags)
        fill[text_field.name] = payload(tag, limits.get(text_field.name))
        sent.append(Sent(tag, f"{name}.{text_field.name}", fill[text_field.name], spec))
    today = timezone.localdate()
    for other in found.form.fields:  # a person picks a date (today: neither future nor past)
        if other.type in {"date", "time"} and not other.value and other.name:
            fill.setdefault(other.name, today.isoformat() if other.type == "date" else "00:00")
    data: dict[str, Any] = found.form.data(fill)
    for omitted in spec.omit:
        data.pop(omitted, None)
    data.update(spec.extra)
    if name == "factors:evidence-upload":
        # The file's name is typed by someone too. No slash in it: a name is cut at the last one.
        tag = next(tags)
        file_name = f'"><img src=x onerror=alert("{tag}")>\' OR \'1\'=\'1.txt'
        data["file"] = SimpleUploadedFile(file_name, b"Night rota.\n", "text/plain")
        sent.append(Sent(tag, f"{name}.file name", file_name, spec))
    return data, sent


def _submit(client: Client, found: Found, data: dict[str, Any]) -> Any:
    target = found.form.action or found.page
    if found.form.method == "get":
        return client.get(target, data)
    return client.post(target, data)


def _more_pages(own: OrgObjects) -> list[str]:
    """Pages of the objects the forms made or changed: every case, incident, act, version, action."""
    from django.urls import reverse

    from justculture.actions.models import Action
    from justculture.assessments.models import Assessment

    urls = []
    for case in Case.objects.filter(organisation=own.organisation):
        urls += [reverse("cases:detail", args=[case.reference]), reverse("cases:timeline", args=[case.reference])]
        urls += [reverse("assessments:act", args=[case.reference, act.number]) for act in case.acts.all()]
    urls += [reverse("cases:incident", args=[i.reference]) for i in Incident.objects.filter(organisation=own.organisation)]
    for version in Assessment.objects.filter(organisation=own.organisation).select_related("case", "act"):
        name = "assessments:outcome" if version.is_complete else "assessments:check"
        urls.append(reverse(name, args=[version.case.reference, version.act.number, version.version]))
        if not version.is_complete:
            urls.append(reverse("assessments:question", args=[version.case.reference, version.act.number,
                                                                version.version, "4a"]))
    for action in Action.objects.filter(organisation=own.organisation).select_related("case"):
        urls.append(reverse("case_actions:detail", args=[action.case.reference, action.pk]))
    return urls


def test_bad_input_is_escaped_stored_exactly_and_lost_nowhere(bad_world: World, tmp_path: Path) -> None:
    own = bad_world.own
    client = client_as(own.users[ALL_ROLES])
    anonymous = client_as(None)
    before = _counts()
    cases_before, incidents_before = Case.objects.count(), Incident.objects.count()
    tags = (f"t{n}" for n in itertools.count(1))

    pages: dict[str, str] = {}  # address -> HTML of every page seen
    sent: list[Sent] = []
    problems: list[str] = []
    submitted: set[str] = set()
    redirected: dict[str, str] = {}  # route name -> where its accepted form led

    for found in discover(client, anonymous, own):
        name = found.route.name
        spec = SPECS.get(name)
        if spec is None:
            continue  # reported by the coverage test
        if name == "assessments:revisit":
            _prepare(name, own)
            found.page = found.page.replace("/assessments/1/", f"/assessments/{own.open.version}/")
            found.form.action = ""
        if name == "cases:case-new" and "cases:incident-new" in redirected:
            # Open the case on the incident the incident form just made, so both are in one pack.
            found.form.action = redirected["cases:incident-new"]
        reader = anonymous if name == "core:sign-in" else client
        submitted.add(name)
        data, typed = _fill(found, spec, {}, tags)
        response = _submit(reader, found, data)
        label = f"{name} ({found.form.method.upper()} {found.form.action or found.page})"
        if response.status_code == 200 and not spec.refused and found.form.method == "post":
            limits = _limits(_body(response))
            if limits:  # too long for a field: it said so, naming the field; try a shorter payload
                pages[f"{label}, too long"] = _body(response)
                data, typed = _fill(found, spec, limits, tags)
                response = _submit(reader, found, data)
        if response.status_code >= 500:
            problems.append(f"{label}: server error {response.status_code}")
            continue
        if spec.refused:
            if response.status_code != 200:
                problems.append(f"{label}: expected the form again with an error, got {response.status_code}")
            pages[f"{label}, refused"] = _body(response)
            sent += [Sent(t.tag, t.field, t.value, Spec(refused=True, shown=False)) for t in typed]
            continue
        sent += typed
        if found.form.method == "get":
            if response.status_code != 200:
                problems.append(f"{label}: expected 200, got {response.status_code}")
            pages[label] = _body(response)
        elif spec.download:
            if "attachment" not in response.get("Content-Disposition", ""):
                problems.append(f"{label}: expected a download: {_error_summary(_body(response))}")
        elif response.status_code != 302:
            problems.append(f"{label}: the form was not accepted ({response.status_code}): "
                            f"{_error_summary(_body(response))}")
            pages[f"{label}, not accepted"] = _body(response)
        else:
            redirected[name] = response["Location"]
            pages[response["Location"]] = _body(client.get(response["Location"]))

    if submitted != set(SPECS):
        problems.append(f"forms not found on any page, so not tried: {sorted(set(SPECS) - submitted)}")

    # Every page of the app once more, and the pages of what the forms made, now the text is in.
    addresses = [route.url(own.kwargs_for(route)) for route in web_routes()] + _more_pages(own)
    for address in addresses:
        response = client.get(address)
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            pages[address] = _body(response)

    for address, page in pages.items():
        for item in sent:
            for mark in raw_marks(item.tag):
                if mark in page:
                    problems.append(f"{address}: shows what was typed into {item.field} unescaped: {mark!r}")
    everything = html.unescape("\n".join(pages.values()))
    for item in sent:
        if item.spec.refused or item.field.split(".")[0] in {r for r, s in SPECS.items() if s.refused}:
            continue
        is_search = not _stored_exactly(item.value) and item.value in everything
        if item.spec.kept and not _stored_exactly(item.value) and not _is_search_field(item.field):
            problems.append(f"{item.field}: the text was not stored exactly as typed")
        if not item.spec.kept and _stored_exactly(item.value):
            problems.append(f"{item.field}: the text was kept, but should not be")
        if item.spec.shown and item.value not in everything and not is_search:
            problems.append(f"{item.field}: no page shows the text")

    # The tables are all still there, none lost rows, and the new case and incident were made.
    after = _counts()  # would raise if a table had gone
    lost = {k: (before[k], v) for k, v in after.items() if v < before.get(k, 0)}
    if lost:
        problems.append(f"tables lost rows (before, after): {lost}")
    if Case.objects.count() != cases_before + 1 or Incident.objects.count() != incidents_before + 1:
        problems.append("expected exactly one new case and one new incident")

    # The documentation pack shows the text literally.
    content, _name, _type = pack_services.pack_generate(case=own.case, fmt="pdf", by=own.users["case-handler"])
    text = _pdf_reading_order(content, tmp_path)
    for item in sent:
        if item.spec.in_pack and " ".join(item.value.split()) not in text:
            at = text.find(f'alert("{item.tag}")')
            problems.append(f"{item.field}: the pack PDF does not show the text literally"
                            + (f"; it shows: {text[max(at - 60, 0):at + 80]!r}" if at >= 0 else ""))

    newest = Case.objects.filter(organisation=own.organisation).order_by("-pk").first()
    assert newest is not None and newest.pk != own.case.pk
    content, _name, _type = pack_services.pack_generate(
        case=newest, fmt="pdf", include_patient_details=True, reason="Checking bad input", by=own.users["case-handler"],
    )
    text = _pdf_reading_order(content, tmp_path)
    for item in sent:
        if item.spec.in_new_pack and " ".join(item.value.split()) not in text:
            problems.append(f"{item.field}: the pack PDF of {newest.reference} does not show the text literally")

    assert not problems, "\n".join(problems)
    print(f"{len(sent)} fields of {len(submitted)} forms; {len(pages)} pages checked")


def _pdf_reading_order(pdf: bytes, tmp_path: Path) -> str:
    """The PDF's text in reading order (pdftotext without -layout, so a table cell's text is not
    interleaved with the next column's), running heads dropped and white space collapsed."""
    import shutil
    import subprocess

    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.fail("pdftotext was not found: install Debian's poppler-utils (scripts/setup.sh does).")
    source = tmp_path / "pack.pdf"
    source.write_bytes(pdf)
    out = subprocess.run([tool, str(source), "-"], capture_output=True, check=True, timeout=60).stdout.decode()
    lines = [line for line in out.replace("\f", "\n").splitlines() if not RUNNING.match(line)]
    return " ".join(" ".join(lines).split())


def _is_search_field(field_name: str) -> bool:
    """Search boxes (GET forms) keep nothing: what is typed is only shown back."""
    route = field_name.split(".")[0]
    return route in {"cases:list", "auditlog:search", "retention:people"}
