"""Turning one row of an export into our fields, with a problem for each thing wrong with it.

Pure Python (no database): the teams the rows may name are handed in. A problem names the row,
the column (as the file spells it) and what is wrong; the values of sensitive fields (patient
details, the description) are never repeated in a message.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping as MappingType
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from justculture.imports.mappings import FieldSpec, Mapping, key
from justculture.imports.source import FileProblem


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str

    def text(self, file: str) -> str:
        where = f"{file}, row {self.row}" + (f", column '{self.column}'" if self.column else "")
        return f"{where}: {self.message}"


class IncidentRow(NamedTuple):
    row: int
    source_reference: str
    occurred_at: datetime
    team_id: int
    description: str
    location: str
    external_reference: str
    patient_name: str
    patient_identifier: str


class Columns:
    """Where each mapped column sits in the file, checked against the header."""

    def __init__(self, mapping: Mapping, header: list[str], label: str) -> None:
        self.mapping = mapping
        self.width = len(header)
        positions: dict[str, list[int]] = {}
        for index, name in enumerate(header):
            positions.setdefault(key(name), []).append(index)
        self.index: dict[str, int] = {}
        missing: list[str] = []
        for spec in mapping.fields.values():
            wanted = [*spec.columns, *([spec.time_column] if spec.time_column else [])]
            for column in wanted:
                found = positions.get(key(column))
                if found is None:
                    if not spec.optional:
                        missing.append(column)
                    continue
                if len(found) > 1:
                    raise FileProblem(label, 1, column, f"the column '{column}' appears {len(found)} times in the "
                                      "header, so it is not clear which one to read.")
                self.index[column] = found[0]
        if missing:
            shown = ", ".join(f"'{c}'" for c in missing)
            raise FileProblem(
                label, 1, missing[0],
                f"the header has no column {shown}, which the mapping ({mapping.origin}) reads. "
                f"The header has: {', '.join(repr(h) for h in header[:30])}"
                + (" ..." if len(header) > 30 else "") + ".",
            )

    def raw(self, spec: FieldSpec, values: list[str]) -> str:
        """The field's text from the row: a fixed value, one column, or several joined."""
        if spec.value is not None:
            return spec.value
        parts = []
        for column in spec.columns:
            index = self.index.get(column)
            if index is not None and index < len(values):
                text = values[index].strip()
                if text:
                    parts.append(text)
        text = spec.join.join(parts)
        if not text:
            return spec.default
        if spec.values:
            text = spec.values.get(key(text), text)
        return text

    def getter(self, spec: FieldSpec | None) -> Callable[[list[str]], str]:
        """A function giving the field's text from a row: the plain one-column case made quick.

        Only for rows whose width has been checked (every mapped column's index is in range).
        """
        if spec is None:
            return lambda values: ""
        index = self.index.get(spec.columns[0]) if len(spec.columns) == 1 else None
        if spec.value is None and index is not None and not spec.values and not spec.default:
            return lambda values: values[index].strip()
        return lambda values: self.raw(spec, values)

    def first_column(self, spec: FieldSpec) -> str:
        return spec.columns[0] if spec.columns else f"(fixed value for {spec.name})"

    def width_problem(self, number: int, values: list[str]) -> Problem | None:
        if len(values) == self.width:
            return None
        if len(values) > self.width and not any(v.strip() for v in values[self.width:]):
            return None  # trailing empty cells, as some spreadsheets write
        return Problem(number, "", f"this row has {len(values)} values but the header names {self.width} "
                                   "columns; check for a stray comma or a missing quote.")


def parse_datetime(text: str, formats: tuple[str, ...]) -> datetime | None:
    for fmt in formats:
        try:
            if fmt == "iso":
                return datetime.fromisoformat(text)
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def parse_time(text: str, formats: tuple[str, ...]) -> time | None:
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt).time()
        except ValueError:
            continue
    return None


class IncidentConverter:
    """Checks and converts rows of an incident export, given the organisation's teams.

    ``teams`` maps key(team name) to the team's id; ``allowed_teams`` is the set of team ids the
    importing user may record incidents for (None: every team).
    """

    def __init__(self, mapping: Mapping, columns: Columns, *, teams: MappingType[str, int],
                 team_names: MappingType[int, str], allowed_teams: set[int] | None, username: str,
                 now: datetime) -> None:
        self.mapping = mapping
        self.columns = columns
        self.teams = teams
        self.team_names = team_names
        self.allowed = allowed_teams
        self.username = username
        self.latest = now + timedelta(days=1)
        self.specs = {name: mapping.fields.get(name) for name in
                      ("source_reference", "occurred_at", "team", "description", "location",
                       "external_reference", "patient_name", "patient_identifier")}
        self.get = {name: columns.getter(spec) for name, spec in self.specs.items()}
        self.limits = [(name, spec.rule.max_length) for name, spec in self.specs.items()
                       if spec is not None and spec.rule.max_length is not None and name != "team"]
        self.width = columns.width
        self._team_ids: dict[str, int | None] = {}  # the file's spelling -> team id (or None), remembered

    def _check_text(self, texts: dict[str, str], number: int, problems: list[Problem]) -> None:
        for name, spec in self.specs.items():
            if spec is None or name not in texts:
                continue
            text = texts[name]
            column = self.columns.first_column(spec)
            label = name.replace("_", " ")
            if not text and spec.rule.required:
                problems.append(Problem(number, column, f"the {label} is missing."))
            limit = spec.rule.max_length
            if limit is not None and len(text) > limit:
                shown = "" if spec.rule.sensitive else f" ('{text[:40]}...')"
                problems.append(Problem(number, column, f"the {label} is {len(text)} characters long{shown}; "
                                        f"at most {limit} fit."))

    def convert(self, number: int, values: list[str]) -> tuple[IncidentRow | None, list[Problem]]:
        if len(values) != self.width:
            bad_width = self.columns.width_problem(number, values)
            if bad_width is not None:
                return None, [bad_width]
        get = self.get
        texts = {
            "source_reference": get["source_reference"](values), "description": get["description"](values),
            "location": get["location"](values), "external_reference": get["external_reference"](values),
            "patient_name": get["patient_name"](values), "patient_identifier": get["patient_identifier"](values),
        }
        problems: list[Problem] = []
        occurred = self._occurred(values, number, problems)
        team_id = self._team(values, number, problems)
        fine = texts["source_reference"] and texts["description"] and all(
            len(texts[name]) <= limit for name, limit in self.limits)
        if not fine:
            self._check_text(texts, number, problems)
        if problems or occurred is None or team_id is None:
            return None, problems
        return IncidentRow(number, texts["source_reference"], occurred, team_id, texts["description"],
                           texts["location"], texts["external_reference"], texts["patient_name"],
                           texts["patient_identifier"]), []

    def _occurred(self, values: list[str], number: int, problems: list[Problem]) -> datetime | None:
        spec = self.specs["occurred_at"]
        assert spec is not None
        text = self.get["occurred_at"](values)
        column = self.columns.first_column(spec)
        if not text:
            problems.append(Problem(number, column, "the date of the incident is missing."))
            return None
        when = parse_datetime(text, spec.formats)
        if when is None:
            shown = " or ".join("ISO 8601 (2024-03-05 14:30)" if f == "iso" else f for f in spec.formats)
            problems.append(Problem(number, column, f"'{text[:40]}' is not a date in the expected format ({shown})."))
            return None
        if spec.time_column is not None:
            time_text = ""
            index = self.columns.index.get(spec.time_column)
            if index is not None and index < len(values):
                time_text = values[index].strip()
            if time_text:
                at = parse_time(time_text, spec.time_formats)
                if at is None:
                    problems.append(Problem(number, spec.time_column, f"'{time_text[:20]}' is not a time in the "
                                            f"expected format ({' or '.join(spec.time_formats)})."))
                    return None
                when = datetime.combine(date(when.year, when.month, when.day), at)
        if when.tzinfo is None:
            when = when.replace(tzinfo=self.mapping.timezone)
        if when > self.latest:
            problems.append(Problem(number, column, f"the date {when:%d/%m/%Y} is in the future."))
            return None
        if when.year < 1900:
            problems.append(Problem(number, column, f"the year {when.year} is too early; check the date."))
            return None
        return when.astimezone(UTC)

    def _team(self, values: list[str], number: int, problems: list[Problem]) -> int | None:
        spec = self.specs["team"]
        assert spec is not None
        text = self.get["team"](values)
        column = self.columns.first_column(spec)
        if not text:
            problems.append(Problem(number, column, "the team is missing."))
            return None
        if text in self._team_ids:
            team_id = self._team_ids[text]
        else:
            team_id = self.teams.get(key(text))
            if len(self._team_ids) < 10_000:
                self._team_ids[text] = team_id
        if team_id is None:
            problems.append(Problem(number, column, f"there is no team called '{text[:80]}' in this organisation. "
                                    "Use the team's name as the service shows it, or map the export's value to "
                                    "it under 'values' in the mapping."))
            return None
        if self.allowed is not None and team_id not in self.allowed:
            problems.append(Problem(number, column, f"{self.username} may not record incidents for the team "
                                    f"'{self.team_names[team_id]}'."))
            return None
        return team_id
