"""Input and output shapes of the API. Inputs carry the same limits as the database columns and
the web forms, so bad input is a 422 naming the field, never a database error. Fixed lists of
values come from the one place the models and forms take them from (cases.choices, the action
kinds file, ...), so the schema can never offer a different list."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from django.utils import timezone
from ninja import Field, Schema
from pydantic import AfterValidator, BeforeValidator, ConfigDict, StringConstraints, WithJsonSchema

from justculture.actions.kinds import action_kinds
from justculture.assessments.models import Answer
from justculture.cases import choices
from justculture.cases.models import Act
from justculture.cases.states import case_states
from justculture.core.forms import EARLIEST_DAY, LATEST_DAY
from justculture.core.validators import no_direction_controls
from justculture.insights.selectors import PERIOD_KINDS


def _clean_text(value: str) -> str:
    # PostgreSQL refuses NUL characters and unpaired surrogates; refuse them here with a message.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


def _sensible_date(value: date) -> date:
    if not EARLIEST_DAY <= value <= LATEST_DAY:
        raise ValueError(f"must be a date between {EARLIEST_DAY.year} and {LATEST_DAY.year}")
    return value


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}.*")


def _written_day(value: Any) -> Any:
    # Pydantic would also take a number (seconds since 1970) as a date: the API documents dates
    # as YYYY-MM-DD, and that is all it accepts.
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DAY.fullmatch(value)):
        return value
    raise ValueError("must be a date written YYYY-MM-DD")


def _written_moment(value: Any) -> Any:
    if isinstance(value, datetime) or (isinstance(value, str) and _ISO_MOMENT.fullmatch(value)):
        return value
    raise ValueError("must be a date and time in ISO 8601, such as 2026-03-04T10:15:00Z")


def _known_regulator(value: str) -> str:
    known = [r["code"] for r in choices.regulators()]
    if value not in known:
        raise ValueError(f"must be one of: {', '.join(known)}")
    return value


def _past_moment(value: datetime) -> datetime:
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value.year < 1900:
        raise ValueError("must be in 1900 or later")
    if value > timezone.now():
        raise ValueError("must be now or in the past")
    return value


Clean = AfterValidator(_clean_text)
Text200 = Annotated[str, StringConstraints(max_length=200), Clean]
Text300 = Annotated[str, StringConstraints(max_length=300), Clean]
LongText = Annotated[str, StringConstraints(max_length=20000), Clean]
Needed200 = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True), Clean]
#: A name or title: shown in lists and documents, so no hidden text-direction characters.
Name200 = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True), Clean,
                    AfterValidator(no_direction_controls)]
NeededText = Annotated[str, StringConstraints(min_length=1, max_length=20000), Clean]
# An act is one specific action or omission (the limit is Act.MAX_LENGTH, as on the web form).
ActText = Annotated[str, StringConstraints(min_length=1, max_length=Act.MAX_LENGTH), Clean]
Code = Annotated[str, StringConstraints(max_length=80, pattern=r"^[A-Za-z0-9_.-]*$")]
# The documents say exactly which dates are accepted (a generated client, or schemathesis, can rely
# on it): years 1900-2199 (EARLIEST_DAY, LATEST_DAY) and real days of the month (29 February only
# through the service's own forms).
_MONTH_DAY = ("((01|03|05|07|08|10|12)-(0[1-9]|[12][0-9]|3[01])|(04|06|09|11)-(0[1-9]|[12][0-9]|30)"
              "|02-(0[1-9]|1[0-9]|2[0-8]))")
DAY_PATTERN = f"^(19|20|21)[0-9]{{2}}-{_MONTH_DAY}$"
# A moment must be in the past: the document allows 1900 up to the end of last year (the service
# takes anything up to now).
_PAST_YEARS = "|".join(["19[0-9]{2}", *(str(y) for y in range(2000, date.today().year))])
MOMENT_PATTERN = (f"^({_PAST_YEARS})-{_MONTH_DAY}T([01][0-9]|2[0-3]):[0-5][0-9]"
                  "(:[0-5][0-9](\\.[0-9]{1,6})?)?(Z|[+-](0[0-9]|1[0-2]):00)$")
Day = Annotated[date, BeforeValidator(_written_day), AfterValidator(_sensible_date),
                WithJsonSchema({"type": "string", "format": "date", "pattern": DAY_PATTERN})]
Moment = Annotated[datetime, BeforeValidator(_written_moment), AfterValidator(_past_moment),
                   WithJsonSchema({"type": "string", "format": "date-time", "pattern": MOMENT_PATTERN,
                                   "description": "A date and time in the past, in ISO 8601 with its offset"})]
Id = Annotated[int, Field(ge=1, le=2_147_483_647, examples=[1])]
Reference = Annotated[str, StringConstraints(min_length=1, max_length=30, pattern=r"^[A-Za-z0-9-]+$"),
                      Field(examples=["C-0001"])]
IncidentReference = Annotated[str, StringConstraints(min_length=1, max_length=30, pattern=r"^[A-Za-z0-9-]+$"),
                              Field(examples=["INC-0001"])]
FactorId = Annotated[str, StringConstraints(min_length=1, max_length=80, pattern=r"^[a-z0-9-]+$")]
DocumentToken = Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^[0-9a-f]+$")]



def one_of(values: Iterable[str]) -> Any:
    """A Literal of these values, built when the module loads: pydantic refuses anything else with
    a 422 naming the field, and the OpenAPI document lists them as the field's enum."""
    return Literal[tuple(values)]


if TYPE_CHECKING:  # the type checker sees text; at run time each is a Literal of the one list
    Presence = str
    Contribution = str
    StaffGroup = str
    EmploymentType = str
    AnswerValue = str
    ActionKind = str
    ActionStatus = str
    PeriodKind = str
    CaseStatusCode = str
else:
    Presence = one_of(choices.Presence.values)
    Contribution = one_of(choices.Contribution.values)
    StaffGroup = one_of(choices.StaffGroup.values)
    EmploymentType = one_of(choices.EmploymentType.values)
    AnswerValue = one_of(code for code, _label in Answer.CHOICES)
    ActionKind = one_of(action_kinds().kinds)
    ActionStatus = one_of(action_kinds().statuses)
    PeriodKind = one_of(PERIOD_KINDS)
    CaseStatusCode = one_of(case_states().states)


class Error(Schema):
    message: str
    field: str | None = None


# --- Shared pieces -------------------------------------------------------------------------------


class TeamOut(Schema):
    id: int
    name: str
    site: str


class Page(Schema):
    count: int
    limit: int
    offset: int


class Paging(Schema):
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


# --- People and incidents --------------------------------------------------------------------------


class PersonOut(Schema):
    id: int
    name: str
    role_title: str
    staff_group: str
    registration_body: str
    registration_number: str
    band_or_grade: str
    years_in_role: float | None
    employment_type: str


class PersonIn(Schema):
    name: Name200
    role_title: Needed200
    staff_group: StaffGroup
    employment_type: EmploymentType
    registration_body: Annotated[str, StringConstraints(max_length=10), AfterValidator(_known_regulator)] = Field(
        "nmc", description="The regulator's code (see cases/regulators.yaml), or 'none'")
    registration_number: Annotated[str, StringConstraints(max_length=40), Clean] = ""
    band_or_grade: Annotated[str, StringConstraints(max_length=60), Clean] = ""
    years_in_role: Annotated[float, Field(ge=0, le=70, multiple_of=0.1)] | None = None

    # As on the web form: a registered professional's number is needed (the endpoint checks it too).
    model_config = ConfigDict(json_schema_extra={"anyOf": [
        {"properties": {"registration_body": {"const": "none"}}, "required": ["registration_body"]},
        {"properties": {"registration_number": {"minLength": 1, "pattern": "\\S"}},
         "required": ["registration_number"]},
    ]})


class PersonList(Page):
    items: list[PersonOut]


class IncidentOut(Schema):
    """Patient details are never part of the API's output."""

    reference: str
    occurred_at: datetime
    team: TeamOut
    location: str
    description: str
    external_reference: str
    created_at: datetime


class IncidentIn(Schema):
    occurred_at: Moment
    team_id: Id
    description: NeededText
    location: Text200 = ""
    external_reference: Annotated[str, StringConstraints(max_length=100), Clean] = ""


class IncidentList(Page):
    items: list[IncidentOut]


# --- Cases ------------------------------------------------------------------------------------------


class ActOut(Schema):
    number: int
    description: str


class ActIn(Schema):
    """New wording for an act. Completed assessments keep the wording they assessed."""

    description: ActText


class ActUpdated(ActOut):
    reworded_since_assessment: bool = Field(
        description="True when a completed assessment of the act assessed other wording: revisit it to assess the new one.")


class CaseStatusIn(Schema):
    """A move to another state. Closing a case with work outstanding, and reopening a closed case,
    need a reason."""

    status: CaseStatusCode
    reason: str = Field("", max_length=2000)


class StatusChangeOut(Schema):
    from_status: str
    to_status: str
    reason: str
    outstanding: dict[str, int]
    changed_by: str
    changed_at: datetime


class CaseOut(Schema):
    reference: str
    status: str
    status_title: str
    team: TeamOut
    incident: str
    incident_occurred_at: datetime
    person: PersonOut
    concern: str
    latest_outcome: str
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = Field(None, description="When the case was last closed; null while it is not closed.")


class CaseDetail(CaseOut):
    acts: list[ActOut]
    status_history: list[StatusChangeOut] = Field(default_factory=list)


class CaseList(Page):
    items: list[CaseOut]


class CaseFilters(Paging):
    q: Text200 = ""
    status: Annotated[str, StringConstraints(max_length=20), Clean] = ""
    team: Id | None = None
    outcome: Annotated[str, StringConstraints(max_length=4), Clean] = Field(
        "", description="An outcome code, or 'none' for cases with no outcome yet"
    )
    date_from: Day | None = None
    date_to: Day | None = None
    factor: Annotated[str, StringConstraints(max_length=80), Clean] = ""


class CaseIn(Schema):
    incident: IncidentReference
    person_id: Id
    concern: NeededText
    acts: list[ActText] = Field(default_factory=list, max_length=Act.MAX_PER_CASE)
    team_id: Id | None = None


# --- Contextual factors --------------------------------------------------------------------------


class FactorOut(Schema):
    id: str
    title: str
    description: str
    special_category: bool
    builtin: bool


class FactorRecordOut(Schema):
    factor_id: str
    title: str
    special_category: bool
    present: str
    contribution: str
    account: str
    documents: list[str]
    recorded_by: str
    recorded_at: datetime


class FactorRecordIn(Schema):
    present: Presence
    contribution: Contribution = choices.Contribution.NOT_ASSESSED.value
    account: LongText = ""
    documents: list[DocumentToken] = Field(default_factory=list, max_length=100)


# --- Assessments ----------------------------------------------------------------------------------


class OutcomeOut(Schema):
    code: str
    title: str
    recommendation: str
    system_learning: str
    individual_action: str


class EvaluationOut(Schema):
    status: str
    outcome: OutcomeOut | None
    path: list[str]
    next_question: str | None
    next_question_text: str | None
    unused: list[str]


class AnswerOut(Schema):
    question_id: str
    question_text: str
    answer: str
    rationale: str
    documents: list[str]
    factor_ids: list[str]
    answered_by: str
    answered_at: datetime


class AssessmentOut(Schema):
    act: int
    version: int
    versions: int
    status: str
    guide_id: str
    guide_version: str
    outcome_code: str
    revisit_reason: str
    act_description: str = Field(description="The act as this version assessed it; a completed version keeps it for ever.")
    started_at: datetime
    completed_at: datetime | None
    answers: list[AnswerOut]
    evaluation: EvaluationOut


class AnswerIn(Schema):
    question_id: Annotated[str, StringConstraints(min_length=1, max_length=10, pattern=r"^[0-9a-z]+$")]
    answer: AnswerValue
    rationale: NeededText
    documents: list[DocumentToken] = Field(default_factory=list, max_length=100)
    factor_ids: list[FactorId] = Field(default_factory=list, max_length=50)


class RevisitIn(Schema):
    reason: NeededText


# --- Decisions --------------------------------------------------------------------------------------


class RecommendationOut(Schema):
    outcomes: list[str]
    indication: str | None
    incomplete_acts: list[int]


class DecisionOut(Schema):
    id: int
    measures: list[str]
    severity: int
    support_detail: str
    local_action_types: list[str]
    formal_type: str
    rationale: str
    guide_outcomes: list[str]
    guide_indication: str
    departs_from_guide: bool
    departure_justification: str
    who_hurt: str
    their_needs: str
    obligations: str
    support_offered: list[str]
    support_notes: str
    decided_by_name: str
    decided_on: date
    recorded_by: str
    recorded_at: datetime


class DecisionsOut(Schema):
    current: DecisionOut | None
    earlier: list[DecisionOut]
    recommendation: RecommendationOut


class DecisionIn(Schema):
    measures: list[Code] = Field(min_length=1, max_length=10)
    rationale: NeededText
    decided_by_name: Needed200
    decided_on: Day
    support_detail: LongText = ""
    local_action_types: list[Code] = Field(default_factory=list, max_length=10)
    formal_type: Annotated[str, StringConstraints(max_length=20), Clean] = ""
    departure_justification: LongText = ""
    who_hurt: LongText = ""
    their_needs: LongText = ""
    obligations: LongText = ""
    support_offered: list[Code] = Field(default_factory=list, max_length=10)
    support_notes: LongText = ""


# --- Actions -----------------------------------------------------------------------------------------


class ActionOut(Schema):
    id: int
    kind: str
    category: str
    title: str
    description: str
    owner: str | None
    due_date: date | None
    status: str
    status_note: str
    factor_ids: list[str]
    outcome_code: str
    auto_created: bool
    is_overdue: bool
    created_at: datetime
    completed_at: datetime | None


class ActionIn(Schema):
    kind: ActionKind
    category: Annotated[str, StringConstraints(min_length=1, max_length=40), Clean]
    title: Name200
    description: LongText = ""
    owner: Annotated[str, StringConstraints(min_length=1, max_length=150), Clean] | None = Field(
        None, description="The username of the person who owns the action"
    )
    due_date: Day | None = None
    factor_ids: list[FactorId] = Field(default_factory=list, max_length=20)


class ActionUpdateIn(Schema):
    category: Annotated[str, StringConstraints(min_length=1, max_length=40), Clean]
    title: Name200
    description: LongText = ""
    owner: Annotated[str, StringConstraints(min_length=1, max_length=150), Clean] | None = None
    due_date: Day | None = None
    factor_ids: list[FactorId] = Field(default_factory=list, max_length=20)


class ActionStatusIn(Schema):
    status: ActionStatus
    note: LongText = ""


# --- Insights and fairness --------------------------------------------------------------------------


class CellOut(Schema):
    count: int | None = Field(description="Null when the figure is hidden from this reader")
    hidden: str = Field(description="Why it is hidden: 'small', 'secondary', 'banded', or '' when shown")
    text: str


class CardOut(CellOut):
    key: str
    label: str


class LineOut(Schema):
    label: str
    dimension: str
    factor: str
    period: str
    cells: list[CellOut]


class TableOut(Schema):
    key: str
    caption: str
    measures: list[str]
    measure_labels: list[str]
    lines: list[LineOut]


class InsightsOut(Schema):
    organisation: str
    exact: bool
    threshold: int
    generated_at: datetime
    cards: list[CardOut]
    tables: list[TableOut]
    notes: list[str]


class InsightsQuery(Schema):
    date_from: Day | None = None
    date_to: Day | None = None
    team: Id | None = None
    site: Text200 = ""
    period: PeriodKind = "month"


class FairnessRowOut(Schema):
    group: str
    title: str
    is_reference: bool
    events: int | None
    headcount: int | None
    rate: float | None
    relative_likelihood: float | None
    ci_low: float | None
    ci_high: float | None
    suppressed: bool
    alert: bool


class FairnessOut(Schema):
    event: str
    dimension: str
    period: str
    team: TeamOut | None
    workforce_period: str | None
    workforce_note: str
    reference: str
    min_count: int
    not_stated_events: int | None
    rows: list[FairnessRowOut]


class FairnessQuery(Schema):
    event: Code = ""
    dimension: Code = ""
    period: Annotated[str, StringConstraints(max_length=10, pattern=r"^[0-9-]*$")] = Field(
        "", description="A year (2024) or the last day of a two-year window (2025-03-31); default: the two "
                        "years to today"
    )
    team: Id | None = None
    workforce_period: Annotated[str, StringConstraints(max_length=40), Clean] = ""
