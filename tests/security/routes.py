"""Every route of the URL configuration, and real objects to fill in their URL parameters.

Used by the authorisation matrix, the CSRF sweep and the bad-input sweep. The routes come from
walking django.urls.get_resolver(), so a new route is picked up without anyone listing it here.
The objects (incident, case, acts, assessments, a peer view, evidence, a factor record, an action,
a decision, advice, equality data) are made through the real services, once in our organisation
and once, with tell-tale text, in another organisation.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from justculture.actions import services as action_services
from justculture.assessments import services as assessment_services
from justculture.assessments.models import Assessment
from justculture.cases import services as case_services
from justculture.cases.models import Act, Case, EvidenceDocument, Incident
from justculture.casework import assessments as casework_assessments
from justculture.casework import decisions as casework_decisions
from justculture.core import services as core_services
from justculture.core.models import Organisation, Team, User
from justculture.core.permissions import roles
from justculture.decisions import services as decision_services
from justculture.fairness import services as fairness_services
from tests.conftest import PASSWORD, client_for

ANONYMOUS = "anonymous"
NO_ROLE = "no-role"
#: A user holding every role (not a matrix column): for sweeps that need to reach every form.
ALL_ROLES = "all-roles"

#: Answers that walk the NHS guide to outcome D.
TO_D = [("1a", "no"), ("2a", "no"), ("2b", "no"), ("2c", "no"), ("3a", "no")]

#: Text that only the other organisation's records hold: it must never show in our pages.
OTHER_MARKERS = ("Zebedee Southgate", "Southmost-only incident text", "Southmost Ward")


def role_codes() -> list[str]:
    """The roles of roles.yaml, in file order."""
    return list(roles())


def signed_in_kinds() -> list[str]:
    """Every kind of signed-in user the matrix covers: each role, and a user holding none."""
    return [*role_codes(), NO_ROLE]


# --- The route walk ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One URL pattern: its full name ("namespace:name"), its path template and parameter names."""

    name: str
    template: str
    params: tuple[str, ...]
    callback: Callable[..., Any] = field(compare=False, repr=False)

    @property
    def is_api(self) -> bool:
        return self.template.startswith("api/")

    def url(self, kwargs: dict[str, Any]) -> str:
        missing = [p for p in self.params if p not in kwargs]
        if missing:
            raise KeyError(
                f"route {self.name}: tests/security/routes.py has no value for URL parameter(s) "
                f"{', '.join(missing)}; add them to OrgObjects.kwargs()"
            )
        if self.name.startswith("<unnamed>"):
            return "/" + self.template.format(**{p: kwargs[p] for p in self.params})
        return reverse(self.name, kwargs={p: kwargs[p] for p in self.params})

    def api_methods(self) -> list[str]:
        """The HTTP methods of this django-ninja operation. Ninja gives each operation of a path its
        own URL name but one view for the path (a closure over its PathView), so the operation is
        found by its name."""
        bare = self.name.rsplit(":", 1)[-1]
        path_view = next(
            (cell.cell_contents for cell in (getattr(self.callback, "__closure__", None) or ())
             if hasattr(cell.cell_contents, "operations")),
            None,
        )
        for operation in getattr(path_view, "operations", []) or []:
            name = getattr(operation, "url_name", None) or getattr(operation.view_func, "__name__", "")
            if name == bare:
                return [m.upper() for m in operation.methods]
        return ["GET"]


def _walk(resolver: URLResolver, prefix: str, namespace: str) -> Iterator[Route]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            template = prefix + str(entry.pattern)
            params = tuple(entry.pattern.converters) if hasattr(entry.pattern, "converters") else ()
            inner_params = tuple(_params_of(template))
            if entry.name:
                name = f"{namespace}:{entry.name}" if namespace else entry.name
            else:
                name = f"<unnamed> /{template}"
            yield Route(name, template, inner_params or params, entry.callback)


def _params_of(template: str) -> list[str]:
    """The parameter names of a path template such as 'cases/<str:reference>/acts/<int:number>/'."""
    import re

    return re.findall(r"<(?:\w+:)?(\w+)>", template)


def all_routes() -> list[Route]:
    """Every route of the URL configuration, in resolution order; a repeated name keeps its first."""
    seen: dict[str, Route] = {}
    for route in _walk(get_resolver(), "", ""):
        seen.setdefault(route.name, route)
    return list(seen.values())


def web_routes() -> list[Route]:
    return [r for r in all_routes() if not r.is_api]


def api_routes() -> list[Route]:
    return [r for r in all_routes() if r.is_api]


# --- Objects for the URL parameters -------------------------------------------------------------

_numbers = itertools.count(1)


@dataclass
class OrgObjects:
    """One organisation with a user per role and one of everything a URL can name."""

    organisation: Organisation
    team: Team
    users: dict[str, User]
    incident: Incident
    case: Case
    act: Act
    spare_act: Act
    done: Assessment  # version 1 of act 1, complete
    open: Assessment  # version 2 of act 1, in progress
    document: EvidenceDocument
    factor_id: str
    action_pk: int
    peer_id: int
    person_id: int
    pack_request_id: str

    def kwargs(self) -> dict[str, Any]:
        """A value for every URL parameter name the app uses."""
        return {
            "reference": self.case.reference, "incident_ref": self.incident.reference,
            "number": self.act.number, "version": self.open.version, "question_id": "1a",
            "peer_id": self.peer_id, "factor_id": self.factor_id, "token": self.document.token,
            "pk": self.action_pk, "action_id": self.action_pk, "person_id": self.person_id,
            "request_id": self.pack_request_id, "rule": RETENTION_RULE,
        }

    def kwargs_for(self, route: Route) -> dict[str, Any]:
        values = self.kwargs()
        values.update(ROUTE_KWARGS.get(route.name, {}))
        if route.is_api and "incidents/<" in route.template:
            values["reference"] = self.incident.reference  # the API names incidents "reference" too
        if route.name == "assessments:start":
            values["number"] = self.spare_act.number
        return values

    def fresh_kwargs(self, route: Route) -> dict[str, Any]:
        """Values for a request that may use its object up (removing a peer view): a new one each time."""
        values = self.kwargs_for(route)
        if route.name == "assessments:peer-remove":
            values["peer_id"] = add_peer(self.open, self.users["case-handler"]).pk
        return values


#: A retention rule an organisation may change.
RETENTION_RULE = "incident"

#: Routes whose parameters need another object than the default (the completed version).
ROUTE_KWARGS: dict[str, dict[str, Any]] = {
    "assessments:outcome": {"version": 1},
    "assessments:revisit": {"version": 1},
}


def add_peer(assessment: Assessment, by: User) -> Any:
    return assessment_services.peer_view_add(
        assessment=assessment, peer_name="Alex Peer", peer_role="Staff nurse", experience="Five years",
        view="same", account="I would have done the same on that shift.", by=by,
    )


def make_user(organisation: Organisation, *role_codes_held: str, prefix: str = "") -> User:
    n = next(_numbers)
    return core_services.user_create(
        organisation=organisation, username=f"{prefix or organisation.slug}-{n}", password=PASSWORD,
        first_name="Matrix", last_name=f"User {n}", roles_held=[(code, None) for code in role_codes_held],
    )


def build_organisation(slug: str, name: str, *, marker: str = "") -> OrgObjects:
    """An organisation, a team, a user per role (organisation-wide) and one of every object.

    ``marker`` text goes into the other organisation's records, so a leak shows in our pages.
    """
    organisation = core_services.organisation_create(slug=slug, name=name)
    team = core_services.team_create(organisation=organisation, name="Southmost Ward" if marker else "Ward 7",
                                     site="City Hospital")
    users = {code: make_user(organisation, code) for code in role_codes()}
    users[NO_ROLE] = make_user(organisation)
    users[ALL_ROLES] = make_user(organisation, *role_codes())
    handler = users["case-handler"]
    if marker:
        # A first case, so that this organisation's references (C-0002, INC-0002) differ from ours:
        # asking for them by our own reference would find our own case and prove nothing.
        first = case_services.incident_create(
            organisation=organisation, occurred_at=timezone.now().replace(microsecond=0), team=team,
            description="An earlier incident.", by=handler,
        )
        first_person = case_services.person_create(
            organisation=organisation, name="Earlier Person", role_title="Porter", staff_group="other", registration_body="none",
            employment_type="substantive", by=handler,
        )
        case_services.case_open(incident=first, person=first_person, concern="Earlier.", acts=("An act",), by=handler)
    incident = case_services.incident_create(
        organisation=organisation, occurred_at=timezone.now().replace(microsecond=0) - timedelta(days=3),
        team=team, location="Bay 2",
        description=("Southmost-only incident text. " if marker else "") + "A dose was missed.",
        external_reference="W123456", by=handler,
    )
    person = case_services.person_create(
        organisation=organisation, name="Zebedee Southgate" if marker else "Sam Taylor",
        role_title="Staff nurse", staff_group="nursing-midwifery", employment_type="substantive",
        registration_body="nmc", registration_number="12A3456B", band_or_grade="Band 5", by=handler,
    )
    case = case_services.case_open(
        incident=incident, person=person, concern="Missed dose of IV antibiotics.",
        acts=("Gave the 10:00 dose late", "Did not escalate the delay"), by=handler,
    )
    act, spare_act = case.acts.get(number=1), case.acts.get(number=2)
    done = assessment_services.assessment_start(act=act, by=handler)
    for question_id, value in TO_D:
        assessment_services.assessment_answer(
            assessment=done, question_id=question_id, answer=value, rationale=f"Because {question_id}", by=handler,
        )
    done = casework_assessments.assessment_complete(assessment=done, by=handler)
    open_version = assessment_services.assessment_revisit(assessment=done, reason="New statement", by=handler)
    peer = add_peer(open_version, handler)
    document = case_services.evidence_upload(
        case=case, upload=SimpleUploadedFile("rota.txt", b"Night rota: two nurses short.\n", "text/plain"),
        description="The rota", factor_ids=["staffing"], by=handler,
    )
    case_services.factor_record_save(
        case=case, factor_id="staffing", present="yes", contribution="moderate",
        account="Two nurses short on the night.", by=handler,
    )
    action = action_services.action_create(
        case=case, kind="system", category="staffing", title="Review the night rota",
        description="Look at the last month.", owner=handler, by=handler,
    )
    casework_decisions.decision_record(
        case=case, measures=["support"], support_detail="Reflective practice sessions.",
        rationale="The guide reached outcome D.", decided_by_name="Jo Smith",
        decided_on=timezone.localdate(), by=users["decision-maker"],
    )
    decision_services.advice_record(
        case=case, advised_on=timezone.localdate(), adviser="Employer advice line",
        advice="Local action is proportionate.", by=users["decision-maker"],
    )
    fairness_services.equality_record_save(
        case=case, ethnicity="A", sex="female", disability="no", age_band="35-44", qualified="uk",
        by=users["hr-adviser"],
    )
    from justculture.packs import tasks as pack_tasks

    pack = pack_tasks.pack_request(case=case, fmt="pdf", by=handler)
    case.refresh_from_db()
    return OrgObjects(
        organisation=organisation, team=team, users=users, incident=incident, case=case, act=act,
        spare_act=spare_act, done=done, open=open_version, document=document, factor_id="staffing",
        action_pk=action.pk, peer_id=peer.pk, person_id=person.pk, pack_request_id=str(pack.pk),
    )


@dataclass
class World:
    own: OrgObjects
    other: OrgObjects
    media_root: str


def build_world(media_root: str) -> World:
    """Our organisation ("north") and another ("south"), each with one of everything."""
    own = build_organisation("matrix-north", "North Hospitals NHS Trust")
    other = build_organisation("matrix-south", "South Care NHS Trust", marker="south")
    return World(own=own, other=other, media_root=media_root)


# --- Making requests --------------------------------------------------------------------------


def api_token_for(user: User) -> str:
    """A bearer token for the user, made through the API's token service (one per user and test)."""
    from justculture.api import services as api_services  # the API app provides this

    cached: str | None = getattr(user, "_matrix_token", None)
    if cached is not None:
        from justculture.api.models import ApiToken

        if ApiToken.objects.filter(user=user).exists():  # not rolled back with the last test
            return cached

    # by=None: issued as an operator would at the command line (users of two-factor roles get
    # tokens only that way).
    _token, plain = api_services.token_create(user=user, by=None, name="authorisation matrix")
    user._matrix_token = plain  # type: ignore[attr-defined]
    return plain


def client_as(user: User | None) -> Client:
    """A client signed in as the user (past any second factor), or an anonymous one."""
    client = client_for(user) if user is not None else Client()
    client.raise_request_exception = False
    return client


def outcome_of(status: int, location: str = "") -> str:
    """A response reduced to what the matrix records: ok, login, 401, 403, 404, 405 or error."""
    if status >= 500:
        return "error"
    if 300 <= status < 400:
        target = location.split("?", 1)[0]
        if target == reverse(settings.LOGIN_URL):
            return "login"
        if target in (reverse("core:two-factor-verify"), reverse("core:two-factor-setup")):
            return "two-factor"
        return "ok"
    if 200 <= status < 300:
        return "ok"
    return str(status)


# --- The module-wide world -----------------------------------------------------------------------


@contextlib.contextmanager
def world_for_module(django_db_blocker: Any, media_root: str) -> Iterator[World]:
    """Both organisations and their objects, made once and rolled back at the end.

    For a module-scoped fixture: each test then runs in a savepoint inside this transaction
    (pytest-django's db fixture), so what one test's requests change is undone before the next.
    """
    from django.db import transaction
    from django.test.utils import override_settings

    # Two dozen users: a fast hasher, or Argon2 alone takes most of the run (the tests sign in
    # with force_login, never with the password).
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media_root, PASSWORD_HASHERS=fast):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world(media_root)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
