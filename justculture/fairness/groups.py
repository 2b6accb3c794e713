"""The equality dimensions, their groups and the events compared, read from categories.yaml.

Everything here is definitions: which groups a dimension has, what an event means, how a
detailed ethnic category collapses to White or Ethnic minority, and how a spelling found in an
imported file maps to a stored code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from justculture.cases.choices import EmploymentType, StaffGroup

CATEGORIES_FILE = Path(__file__).with_name("categories.yaml")

PREFER_NOT = "prefer-not-to-say"
NOT_KNOWN = "not-known"
NOT_STATED_CODES = (PREFER_NOT, NOT_KNOWN)
# The dimension shown first and used by the decision prompt (as WRES indicator 3 does).
DEFAULT_DIMENSION = "ethnicity-collapsed"
DEFAULT_EVENT = "formal-action"
# The order dimensions are offered in.
DIMENSION_ORDER = (
    "ethnicity-collapsed", "ethnicity", "sex", "disability", "age-band", "qualified", "staff-group",
    "contract-type",
)
# Dimensions recorded on the equality record (the others come from the person's record).
RECORD_FIELDS = {
    "ethnicity": "ethnicity", "sex": "sex", "disability": "disability", "age-band": "age_band",
    "qualified": "qualified",
}


def normalise(text: str) -> str:
    """A spelling reduced for matching: lower case, letters and digits only ("White - British" -> "whitebritish")."""
    return re.sub(r"[^0-9a-z+<]", "", text.casefold())


@dataclass(frozen=True)
class Group:
    code: str
    title: str
    aliases: tuple[str, ...] = ()
    collapsed: str = ""

    @property
    def stated(self) -> bool:
        return self.code not in NOT_STATED_CODES


@dataclass(frozen=True)
class Dimension:
    code: str
    title: str
    short: str
    groups: tuple[Group, ...]
    not_stated: tuple[Group, ...]
    reference: str | None
    from_person: str | None

    @property
    def all_groups(self) -> tuple[Group, ...]:
        """The stated groups, then "Prefer not to say" and "Not known"."""
        return self.groups + self.not_stated

    def group(self, code: str) -> Group | None:
        return next((g for g in self.all_groups if g.code == code), None)

    def title_of(self, code: str) -> str:
        group = self.group(code)
        return group.title if group else code

    def is_stated(self, code: str) -> bool:
        return any(g.code == code for g in self.groups)

    def choices(self) -> list[tuple[str, str]]:
        return [(g.code, g.title) for g in self.all_groups]

    def lookup(self) -> dict[str, str]:
        """Every accepted spelling (normalised) to its group code."""
        table: dict[str, str] = {}
        for g in self.all_groups:
            for spelling in (g.code, g.title, *g.aliases):
                table.setdefault(normalise(spelling), g.code)
        return table

    def match(self, text: str) -> str | None:
        return self.lookup().get(normalise(text))


@dataclass(frozen=True)
class Event:
    code: str
    title: str
    phrase: str
    measure: str | None


@dataclass(frozen=True)
class Definitions:
    dimensions: dict[str, Dimension]
    events: dict[str, Event]

    def dimension(self, code: str) -> Dimension:
        return self.dimensions[code]

    def event(self, code: str) -> Event:
        return self.events[code]

    def collapse(self, ethnicity_code: str) -> str:
        """The White / Ethnic minority group of a detailed category; not-stated answers stay as they are."""
        group = self.dimensions["ethnicity"].group(ethnicity_code)
        if group is None or not group.stated:
            return ethnicity_code if ethnicity_code in NOT_STATED_CODES else NOT_KNOWN
        return group.collapsed

    def dimension_choices(self) -> list[tuple[str, str]]:
        return [(code, self.dimensions[code].title) for code in DIMENSION_ORDER]

    def event_choices(self) -> list[tuple[str, str]]:
        return [(e.code, e.title) for e in self.events.values()]


def _groups(specs: list[dict[str, Any]]) -> tuple[Group, ...]:
    return tuple(
        Group(str(s["code"]), str(s["title"]), tuple(str(a) for a in s.get("aliases", ())), str(s.get("collapsed", "")))
        for s in specs
    )


def _person_groups(field: str) -> tuple[Group, ...]:
    choices = {"staff_group": StaffGroup.choices, "employment_type": EmploymentType.choices}[field]
    return tuple(Group(str(code), str(label)) for code, label in choices)


@cache
def definitions() -> Definitions:
    """The dimensions and events, loaded once and checked for consistency."""
    data = yaml.safe_load(CATEGORIES_FILE.read_text(encoding="utf-8"))
    not_stated = _groups(data["not_stated"])
    if tuple(g.code for g in not_stated) != NOT_STATED_CODES:
        raise ValueError("categories.yaml: not_stated must list prefer-not-to-say and not-known")
    dimensions: dict[str, Dimension] = {}
    for code in DIMENSION_ORDER:
        spec = data["dimensions"][code]
        from_person = spec.get("from_person")
        groups = _person_groups(from_person) if from_person else _groups(spec["groups"])
        reference = spec.get("reference")
        dimension = Dimension(
            code=code, title=spec["title"], short=spec["short"], groups=groups,
            # Fields of the person's record are always filled in, so they have no "not stated".
            not_stated=() if from_person else not_stated,
            reference=str(reference) if reference is not None else None, from_person=from_person,
        )
        if dimension.reference is not None and not dimension.is_stated(dimension.reference):
            raise ValueError(f"categories.yaml: {code}: reference {reference!r} is not one of its groups")
        spellings: dict[str, str] = {}
        for g in dimension.all_groups:
            for spelling in {normalise(s) for s in (g.code, g.title, *g.aliases)}:
                if spellings.setdefault(spelling, g.code) != g.code:
                    raise ValueError(f"categories.yaml: {code}: {spelling!r} names two groups")
        dimensions[code] = dimension
    collapsed = {g.code for g in dimensions["ethnicity-collapsed"].groups}
    for g in dimensions["ethnicity"].groups:
        if g.collapsed not in collapsed:
            raise ValueError(f"categories.yaml: ethnic category {g.code} must collapse to one of {sorted(collapsed)}")
    events = {
        str(e["code"]): Event(str(e["code"]), str(e["title"]), str(e["phrase"]), e.get("measure"))
        for e in data["events"]
    }
    return Definitions(dimensions=dimensions, events=events)
