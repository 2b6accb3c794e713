"""Reading the fairness CSV files, and figures worked out from files alone. Pure Python: no Django.

Three formats, each with a header row naming its columns (in any order; extra columns ignored):

- cases, for ``justculture fairness --cases``: ``period,group,event`` and optionally ``team``,
  one row per person entering that event in that period;
- workforce, for ``--workforce``: ``period,group,headcount`` and optionally ``team``; a row with
  no team is the whole organisation;
- workforce import (the web page): as workforce, plus an optional ``dimension`` column (one of
  the dimension codes; without the column every row is ``ethnicity-collapsed``).

Rows are numbered as a spreadsheet shows them: the header is row 1, the first figures row 2.
Every problem names the file, the row and the column; a file with any problem is rejected whole.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from justculture.fairness.stats import DEFAULT_MIN_COUNT, Comparison, GroupCounts, comparison

MAX_ROWS = 100_000
# The longest period label the database keeps (WorkforceFigure.period).
MAX_PERIOD = 40
# Group names in the analyst's files that mean "not stated": left out of both sides.
NOT_STATED_NAMES = frozenset({
    "", "not stated", "prefer not to say", "not known", "unknown", "not recorded", "not disclosed",
    "declined", "z", "99",
})


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        return place_message(self.file, self.row, self.column, self.message)


def place_message(file: str, row: int | None, column: str | None, message: str) -> str:
    """'FILE, row N, column 'C': message', leaving out what is not known: every CSV problem the
    product reports (fairness files, imports) names its place this way."""
    where = [file]
    if row is not None:
        where.append(f"row {row}")
    if column:
        where.append(f"column '{column}'")
    return f"{', '.join(where)}: {message}"


class CsvFileError(ValueError):
    """One or more problems with a file; nothing from it should be used."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        shown = "\n".join(str(p) for p in problems[:20])
        more = f"\n... and {len(problems) - 20} more problems" if len(problems) > 20 else ""
        super().__init__(shown + more)


def key(text: str) -> str:
    """How names are compared across files: case and runs of spaces do not matter."""
    return " ".join(text.split()).casefold()


def is_not_stated(group: str) -> bool:
    return key(group) in NOT_STATED_NAMES


def decode(data: str | bytes | Iterable[str], name: str) -> str | Iterable[str]:
    """Text of a file: UTF-8 (with or without the mark spreadsheets add), else Windows-1252.

    Lines already decoded (an iterable of text, as ``justculture import workforce`` streams them)
    are passed through as they are.
    """
    if not isinstance(data, bytes):
        return data
    if b"\x00" in data[:4096]:
        raise CsvFileError([Problem(name, None, None, "this is not a CSV text file. Save it as CSV and try again.")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            raise CsvFileError([Problem(name, None, None, "the file's characters cannot be read. Save it as CSV UTF-8.")]) from None


def _column_name(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().lstrip("\ufeff").casefold())


def _rows(
    text: str | Iterable[str], name: str, required: tuple[str, ...], optional: tuple[str, ...]
) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, {column: value}) for each non-blank row; CsvFileError for a bad header."""
    reader = csv.reader(io.StringIO(text, newline="") if isinstance(text, str) else text)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise CsvFileError([Problem(name, 1, None, f"the header row cannot be read ({exc}).")]) from None
    if header is None or not any(h.strip() for h in header):
        raise CsvFileError([Problem(
            name, None, None, f"the file is empty. Its first row must name the columns: {', '.join(required)}."
        )])
    names = [_column_name(h) for h in header]
    problems = [
        Problem(name, 1, column, f"the column '{column}' is missing. The first row must name the columns "
                                 f"{', '.join(required)}" + (f" (and optionally {', '.join(optional)})" if optional else "") + ".")
        for column in required if column not in names
    ]
    repeated = sorted(c for c, n in Counter(names).items() if n > 1 and c in (*required, *optional))
    problems += [Problem(name, 1, c, f"the column '{c}' appears more than once.") for c in repeated]
    if problems:
        raise CsvFileError(problems)
    wanted = {c: names.index(c) for c in (*required, *optional) if c in names}
    number = 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise CsvFileError([Problem(name, number + 1, None, f"this row cannot be read ({exc}).")]) from None
        number += 1
        if number > MAX_ROWS + 1:
            raise CsvFileError([Problem(name, number, None, f"the file has more than {MAX_ROWS:,} rows.")])
        if not any(v.strip() for v in values):
            continue
        yield number, {c: (values[i].strip() if i < len(values) else "") for c, i in wanted.items()}


def _headcount(value: str) -> int | None:
    if re.fullmatch(r"\d+", value):
        return int(value)
    if re.fullmatch(r"\d{1,3}(,\d{3})+", value):
        return int(value.replace(",", ""))
    return None


def _headcount_problem(name: str, number: int, value: str) -> Problem | None:
    if not value:
        return Problem(name, number, "headcount", "the headcount is missing. Enter a whole number, 0 or more.")
    if _headcount(value) is not None:
        return None
    if re.fullmatch(r"-\s*[\d,]+(\.\d+)?", value):
        return Problem(name, number, "headcount", f"the headcount '{value}' is negative. Enter a whole number, 0 or more.")
    return Problem(name, number, "headcount", f"the headcount '{value}' is not a whole number. Enter a whole number, 0 or more.")


def _required_values(name: str, number: int, row: Mapping[str, str], columns: Iterable[str]) -> list[Problem]:
    return [Problem(name, number, c, f"the {c} is missing.") for c in columns if not row.get(c)]


# --- The analyst's two files (command line, no database) ------------------------------------

@dataclass(frozen=True)
class CaseRow:
    row: int
    period: str
    group: str
    event: str
    team: str


@dataclass(frozen=True)
class WorkforceRow:
    row: int
    period: str
    group: str
    headcount: int
    team: str


def read_cases(data: str | bytes, name: str = "cases file") -> list[CaseRow]:
    """Rows of a cases file. An empty group means the person's group is not stated."""
    text = decode(data, name)
    rows: list[CaseRow] = []
    problems: list[Problem] = []
    for number, row in _rows(text, name, ("period", "group", "event"), ("team",)):
        found = _required_values(name, number, row, ("period", "event"))
        if found:
            problems += found
            continue
        rows.append(CaseRow(number, row["period"], row["group"], row["event"], row.get("team", "")))
    if problems:
        raise CsvFileError(problems)
    return rows


def read_workforce(data: str | bytes, name: str = "workforce file") -> list[WorkforceRow]:
    """Rows of a workforce file; the same period, team and group twice is a problem."""
    text = decode(data, name)
    rows: list[WorkforceRow] = []
    problems: list[Problem] = []
    seen: dict[tuple[str, str, str], int] = {}
    for number, row in _rows(text, name, ("period", "group", "headcount"), ("team",)):
        found = _required_values(name, number, row, ("period", "group"))
        bad = _headcount_problem(name, number, row["headcount"])
        if bad:
            found.append(bad)
        if found:
            problems += found
            continue
        team = row.get("team", "")
        ident = (key(row["period"]), key(team), key(row["group"]))
        if ident in seen:
            problems.append(Problem(name, number, "group", f"a headcount for '{row['group']}' in period "
                                    f"'{row['period']}'{' and team ' + repr(team) if team else ''} was already given in row {seen[ident]}."))
            continue
        seen[ident] = number
        headcount = _headcount(row["headcount"])
        assert headcount is not None
        rows.append(WorkforceRow(number, row["period"], row["group"], headcount, team))
    if problems:
        raise CsvFileError(problems)
    return rows


# --- The workforce import (web page and service) --------------------------------------------

@dataclass(frozen=True)
class ImportRow:
    row: int
    period: str
    team: str | None  # the team's name as known to the organisation; None = whole organisation
    dimension: str
    group: str  # the group's code
    headcount: int


def read_workforce_import(
    data: str | bytes | Iterable[str],
    *,
    teams: Mapping[str, str],
    groups: Mapping[str, Mapping[str, str]],
    normalise: Any,
    default_dimension: str,
    name: str = "the file",
) -> list[ImportRow]:
    """Check every row of a workforce import and return them all, or raise CsvFileError.

    ``teams`` maps key(name) to the team's name; ``groups`` maps each dimension code to
    {normalised spelling: group code}; ``normalise`` is the function that made those spellings.
    """
    text = decode(data, name)
    rows: list[ImportRow] = []
    problems: list[Problem] = []
    seen: dict[tuple[str, str | None, str, str], int] = {}
    for number, row in _rows(text, name, ("period", "group", "headcount"), ("team", "dimension")):
        found = _required_values(name, number, row, ("period", "group"))
        if len(row["period"]) > MAX_PERIOD:
            found.append(Problem(name, number, "period", f"the period must be {MAX_PERIOD} characters or fewer, like 2024."))
        team_name = row.get("team", "")
        team: str | None = None
        if team_name:
            team = teams.get(key(team_name))
            if team is None:
                found.append(Problem(name, number, "team", f"there is no team called '{team_name}'. Use a team's name "
                                     "exactly as the service shows it, or leave the team blank for the whole organisation."))
        dimension = row.get("dimension", "") or default_dimension
        dimension_code = next((d for d in groups if normalise(d) == normalise(dimension)), None)
        group_code: str | None = None
        if dimension_code is None:
            found.append(Problem(name, number, "dimension", f"'{dimension}' is not a dimension. Use one of: {', '.join(groups)}."))
        elif row["group"]:
            group_code = groups[dimension_code].get(normalise(row["group"]))
            if group_code is None:
                found.append(Problem(name, number, "group", f"'{row['group']}' is not a group of {dimension_code}. "
                                     "See the list of groups on the import page."))
        bad = _headcount_problem(name, number, row["headcount"])
        if bad:
            found.append(bad)
        if found:
            problems += found
            continue
        assert dimension_code is not None and group_code is not None
        ident = (key(row["period"]), team, dimension_code, group_code)
        if ident in seen:
            problems.append(Problem(name, number, "group", f"this repeats row {seen[ident]} (same period, team, "
                                    "dimension and group). Give each headcount once."))
            continue
        seen[ident] = number
        headcount = _headcount(row["headcount"])
        assert headcount is not None
        rows.append(ImportRow(number, row["period"], team, dimension_code, group_code, headcount))
    if problems:
        raise CsvFileError(problems)
    return rows


# --- Figures from the two files -------------------------------------------------------------

def result_objects(result: Comparison, titles: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """The "results" list of the JSON output, reference group first."""
    names = titles or {}
    ordered = sorted(result.results, key=lambda r: (r.group != result.reference,))
    return [
        {
            "group": names.get(r.group, r.group), "events": r.events, "headcount": r.headcount, "rate": r.rate,
            "relative_likelihood": r.relative_likelihood, "ci_low": r.ci_low, "ci_high": r.ci_high,
            "suppressed": r.suppressed,
        }
        for r in ordered
    ]


def file_figures(
    cases: list[CaseRow],
    workforce: list[WorkforceRow],
    *,
    reference: str = "White",
    event: str | None = None,
    period: str | None = None,
    team: str | None = None,
    min_count: int = DEFAULT_MIN_COUNT,
) -> list[dict[str, Any]]:
    """One JSON-ready object per event and period found in the files (or chosen).

    With ``team``, only that team's rows of both files count. Without it every case row counts,
    and the headcounts are the whole-organisation rows (no team); a period with only team rows
    uses their sum. Groups are matched ignoring case; not-stated groups are on neither side.
    """
    if team is not None:
        cases = [c for c in cases if key(c.team) == key(team)]
        workforce = [w for w in workforce if key(w.team) == key(team)]
    else:
        whole = {key(w.period) for w in workforce if not w.team}
        workforce = [w for w in workforce if (not w.team) or key(w.period) not in whole]
    shown_period: dict[str, str] = {}
    shown_group: dict[str, str] = {}
    shown_event: dict[str, str] = {}
    for c in cases:
        shown_period.setdefault(key(c.period), c.period)
        shown_event.setdefault(key(c.event), c.event)
        if not is_not_stated(c.group):
            shown_group.setdefault(key(c.group), c.group)
    for w in workforce:
        shown_period.setdefault(key(w.period), w.period)
        if not is_not_stated(w.group):
            shown_group.setdefault(key(w.group), w.group)
    periods = [key(period)] if period is not None else list(shown_period)
    events = [key(event)] if event is not None else list(shown_event)
    ref = key(reference)
    shown_group.setdefault(ref, reference)

    events_in: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for c in cases:
        events_in[(key(c.event), key(c.period))][key(c.group) if not is_not_stated(c.group) else ""] += 1
    heads_in: dict[str, Counter[str]] = defaultdict(Counter)
    for w in workforce:
        heads_in[key(w.period)][key(w.group) if not is_not_stated(w.group) else ""] += w.headcount

    output = []
    for e in events:
        for p in periods:
            counted = events_in.get((e, p), Counter())
            heads = heads_in.get(p, Counter())
            groups = sorted({g for g in (*counted, *heads) if g} | {ref})
            counts = [GroupCounts(g, counted.get(g, 0), heads.get(g, 0)) for g in groups]
            result = comparison(counts, ref, min_count, not_stated_events=counted.get("", 0))
            output.append({
                "event": shown_event.get(e, event), "reference": reference,
                "period": shown_period.get(p, period), "team": team,
                "results": result_objects(result, shown_group),
                "not_stated": {"events": result.not_stated_events, "headcount": heads.get("", 0),
                               "suppressed": result.not_stated_suppressed},
                "min_count": min_count,
            })
    return output


def groups_in(cases: list[CaseRow], workforce: list[WorkforceRow]) -> list[str]:
    """The stated group names found in either file, as first spelled."""
    found: dict[str, str] = {}
    for name in [c.group for c in cases] + [w.group for w in workforce]:
        if not is_not_stated(name):
            found.setdefault(key(name), name)
    return list(found.values())
