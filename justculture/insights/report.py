"""The insights report: the aggregates turned into cards, tables and charts, with small counts hidden.

One report feeds the page, the CSV and the PDF, so all three hide exactly the same figures.

Readers who may not open every case behind the figures (an equality analyst, say) never see a
count below the organisation's suppression threshold:

- counts are hidden by the service's one disclosure rule (justculture.core.disclosure): a count
  below the threshold is hidden ("fewer than 10"), and where a table's rows add up to a total the
  reader can see, so that the hidden counts could be worked out by subtraction, the next smallest
  count is hidden as well ("not shown") whenever the hidden ones would add up to more than 0 but
  less than the threshold;
- rows are ordered so that hidden counts never reveal their order;
- incident dates are widened to whole months, which makes differencing two nearly equal
  date ranges much less useful;
- hotspots need at least as many cases as the suppression threshold, and show "at least N"
  rather than their count (which could undo the hiding in the tables by team and by site).

Linked tables (a site is the sum of its teams; a month is part of a quarter) and repeated queries
with slightly different filters can still narrow a hidden figure down; the rules above remove
the direct ways of reading one, not every indirect one.

Readers who may see all the cases get exact counts and links to the cases behind each figure.
"""

from __future__ import annotations

import calendar
import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from justculture.core.disclosure import SECONDARY, SMALL, suppress_counts
from justculture.core.formatting import localtime_date
from justculture.guide import default_guide
from justculture.insights import selectors
from justculture.insights.charts import Chart, bar_chart
from justculture.insights.selectors import FactorInfo, Filters, Scope

# A hotspot shown to a reader who may not see small figures says "at least N", not its count:
# a hotspot's count would otherwise undo the hiding in the tables by team and by site.
BANDED = "banded"
CHART_ROWS = 12
# Tables on the page and in the PDF stop after this many rows (the CSV always has every row), so
# that their size depends on neither the number of cases nor the number of teams and periods.
TABLE_ROWS = 200
HOTSPOT_ROWS = 50
FRAMEWORKS = (
    ("seips", "SEIPS work system elements", "SEIPS element"),
    ("london", "London Protocol contributory factor classes", "London Protocol class"),
    ("ycff", "Yorkshire Contributory Factors Framework domains", "YCFF domain"),
)


@dataclass(frozen=True)
class Cell:
    """One figure as this reader may see it. ``count`` is None whenever the figure is hidden."""

    count: int | None
    hidden: str = ""
    link: str = ""
    context: str = ""
    threshold: int = 0

    @property
    def suppressed(self) -> bool:
        return bool(self.hidden)

    @property
    def text(self) -> str:
        if self.hidden == SMALL:
            return f"fewer than {self.threshold}"
        if self.hidden == SECONDARY:
            return "not shown"
        if self.hidden == BANDED:
            return f"at least {self.threshold}"
        return f"{self.count:,}"


@dataclass(frozen=True)
class Line:
    """A table row: row headings as shown, the figures, and the keys used in the CSV."""

    heads: tuple[str, ...]
    cells: tuple[Cell, ...]
    dimension: str = "all"
    factor: str = ""
    period: str = ""

    @property
    def label(self) -> str:
        return ": ".join(h for h in self.heads if h)


@dataclass
class Table:
    key: str
    caption: str
    head_labels: tuple[str, ...]
    measure_labels: tuple[str, ...]
    measures: tuple[str, ...]
    lines: list[Line]
    chart: Chart | None = None
    empty: str = "Nothing was found for these filters."
    # The most rows the page shows (the PDF shows fewer; the CSV has them all).
    limit: int = TABLE_ROWS


@dataclass
class Section:
    id: str
    title: str
    intro: list[str]
    tables: list[Table]
    links: list[tuple[str, str]] = field(default_factory=list)
    # Shown on the page only, not in the PDF (about links, say).
    page_notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Card:
    key: str
    label: str
    cell: Cell


@dataclass
class Report:
    organisation_name: str
    filters: Filters
    exact: bool
    threshold: int
    hotspot_threshold: int
    generated_at: datetime
    cards: list[Card]
    sections: list[Section]
    notes: list[str] = field(default_factory=list)
    filter_summary: list[tuple[str, str]] = field(default_factory=list)
    hotspot_count: int = 0

    def tables(self) -> Iterator[Table]:
        for section in self.sections:
            yield from section.tables

    def csv_rows(self) -> Iterator[tuple[str, str, str, str, str, str, str]]:
        """Long format: table, dimension, factor, period, measure, count ("" when hidden), suppressed."""
        for card in self.cards:
            yield ("summary", "all", "", "", card.key, _csv_count(card.cell), _flag(card.cell))
        for table in self.tables():
            for line in table.lines:
                for measure, cell in zip(table.measures, line.cells, strict=True):
                    yield (table.key, line.dimension, line.factor, line.period, measure, _csv_count(cell), _flag(cell))


def _csv_count(cell: Cell) -> str:
    return "" if cell.count is None else str(cell.count)


def _flag(cell: Cell) -> str:
    return "true" if cell.suppressed else "false"


# --- Hiding small counts -------------------------------------------------------------------


def protect(counts: Sequence[int], *, threshold: int, exact: bool, total_shown: bool = False) -> list[str]:
    """For each count, "" when the reader may see it, otherwise why it is hidden (SMALL, SECONDARY).

    The rule is justculture.core.disclosure's, the same for every figure in the service; this
    only adds that readers who may see every case behind the figures (``exact``) see them all.
    ``total_shown`` says that the counts add up to a total the reader sees elsewhere, so what
    is hidden could be worked out as the total minus what is shown.
    """
    if exact:
        return [""] * len(counts)
    return suppress_counts(counts, threshold=threshold, total_known=total_shown)


def _order(items: list[Any], count: Callable[[Any], int], reason: Callable[[Any], str], exact: bool) -> list[Any]:
    """Largest first. For a reader with hidden counts, shown ones first and hidden ones after,
    in their given order, so that the order does not rank the hidden counts."""
    if exact:
        return sorted(items, key=lambda item: -count(item))
    shown = sorted((i for i in items if not reason(i)), key=lambda item: -count(item))
    return shown + [i for i in items if reason(i)]


# --- Periods and links ---------------------------------------------------------------------


def period_bounds(start: date, kind: str) -> tuple[date, date]:
    months = 3 if kind == "quarter" else 1
    last_month = start.month + months - 1
    return start, date(start.year, last_month, calendar.monthrange(start.year, last_month)[1])


def period_key(start: date, kind: str) -> str:
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}" if kind == "quarter" else f"{start:%Y-%m}"


def period_label(start: date, kind: str) -> str:
    if kind == "quarter":
        end = period_bounds(start, kind)[1]
        return f"{start:%B} to {end:%B} {start.year}"
    return f"{start:%B} {start.year}"


def widen_to_months(filters: Filters) -> Filters:
    date_from = filters.date_from.replace(day=1) if filters.date_from else None
    date_to = None
    if filters.date_to:
        date_to = filters.date_to.replace(day=calendar.monthrange(filters.date_to.year, filters.date_to.month)[1])
    return replace(filters, date_from=date_from, date_to=date_to)


class _Links:
    """Links to the case list filtered to the cases behind a figure, for readers who may see them."""

    def __init__(self, scope: Scope, filters: Filters) -> None:
        self.enabled = scope.drill_down
        self.scope = scope
        self.filters = filters
        self.base = reverse("cases:list")

    def __call__(self, *, factor: FactorInfo | None = None, team: int | None = None, outcome: str = "",
                 period: tuple[date, date] | None = None) -> str:
        if not self.enabled:
            return ""
        team = team if team is not None else self.filters.team
        # The case list has no site filter, and a team-scoped reader's list may hold other teams'
        # cases assigned to them: without a team the link would not match the figure.
        if team is None and (self.filters.site or self.scope.team_ids is not None):
            return ""
        if factor is not None and not factor.active:
            return ""
        date_from, date_to = self.filters.date_from, self.filters.date_to
        if period is not None:
            date_from = max(d for d in (date_from, period[0]) if d is not None)
            date_to = min(d for d in (date_to, period[1]) if d is not None)
        params: dict[str, str] = {}
        if factor is not None:
            params["factor"] = factor.id
        if team is not None:
            params["team"] = str(team)
        if outcome:
            params["outcome"] = outcome
        if date_from:
            params["date_from"] = date_from.isoformat()
        if date_to:
            params["date_to"] = date_to.isoformat()
        return f"{self.base}?{urlencode(params)}"


# --- The report ----------------------------------------------------------------------------


class _Builder:
    def __init__(self, scope: Scope, filters: Filters, hotspot_threshold: int | None, today: date) -> None:
        organisation = scope.organisation
        self.scope = scope
        self.exact = scope.exact
        self.threshold = organisation.suppression_threshold
        self.notes: list[str] = []
        if not self.exact and (filters.date_from or filters.date_to):
            widened = widen_to_months(filters)
            if widened != filters:
                self.notes.append("Because small figures are hidden from you, the incident dates were widened to "
                                  "whole months.")
            filters = widened
        self.filters = filters
        self.today = today
        configured = organisation.hotspot_threshold
        if self.exact:
            self.hotspot_threshold = hotspot_threshold or configured
        else:
            self.hotspot_threshold = max(configured, self.threshold)
            if self.hotspot_threshold != configured or hotspot_threshold:
                self.notes.append(f"Hotspots shown to you need at least {self.hotspot_threshold} cases, because "
                                  f"figures below {self.threshold} are hidden from you.")
        self.catalogue = selectors.factor_catalogue(organisation)
        self.link = _Links(scope, filters)

    def factor(self, factor_id: str) -> FactorInfo:
        return self.catalogue.get(factor_id) or FactorInfo(factor_id, factor_id, active=False)

    def cell(self, count: int, reason: str, link: str = "", context: str = "") -> Cell:
        if reason:
            return Cell(None, reason, threshold=self.threshold)
        return Cell(count, link=link, context=context, threshold=self.threshold)

    def cells(self, counts: Sequence[int], *, total_shown: bool = False) -> list[str]:
        return protect(counts, threshold=self.threshold, exact=self.exact, total_shown=total_shown)

    # Sections ---------------------------------------------------------------------------

    def cards(self, totals: Mapping[str, int], actions: Sequence[Mapping[str, Any]], hotspots: int) -> list[Card]:
        figures = [
            ("cases", "Cases", totals["cases"]),
            ("cases-with-factor", "Cases with a contextual factor found", totals["with_factor"]),
            ("open-system-actions", "Open system-learning actions", sum(a["open"] for a in actions)),
            ("overdue-system-actions", "Overdue system-learning actions", sum(a["overdue"] for a in actions)),
        ]
        cards = [Card(key, label, self.cell(count, reason))
                 for (key, label, count), reason in zip(figures, self.cells([f[2] for f in figures]), strict=True)]
        # A number of hotspots, not of cases: each one already has enough cases behind it.
        cards.append(Card("hotspots", "Hotspots to consider for a system review", Cell(hotspots, threshold=self.threshold)))
        return cards

    def recurring(self, overall: Mapping[str, int], by_team: list[dict[str, Any]], by_site: list[dict[str, Any]],
                  by_period: list[dict[str, Any]]) -> Section:
        ids = list(self.catalogue) + sorted(set(overall) - set(self.catalogue))
        counts = [overall.get(i, 0) for i in ids]
        reasons = self.cells(counts)
        shown_total = {i: not r for i, r in zip(ids, reasons, strict=True)}
        items = _order(list(zip(ids, counts, reasons, strict=True)), lambda x: x[1], lambda x: x[2], self.exact)
        lines = []
        for factor_id, count, reason in items:
            info = self.factor(factor_id)
            lines.append(Line(
                heads=(info.title, ", ".join(info.seips) or "Not mapped", ", ".join(info.london) or "Not mapped"),
                cells=(self.cell(count, reason, self.link(factor=info), f"cases with {info.title}"),),
                factor=factor_id,
            ))
        charted = [ln for ln in lines if ln.cells[0].suppressed or ln.cells[0].count]
        overall_table = Table(
            key="factors", caption="Cases in which each contextual factor was found",
            head_labels=("Contextual factor", "SEIPS element", "London Protocol class"),
            measure_labels=("Cases",), measures=("cases",), lines=lines,
            chart=bar_chart("chart-factors", "cases in which each contextual factor was found",
                            [(ln.heads[0], ln.cells[0].count, ln.cells[0].text) for ln in charted]),
        )
        team_table = self._breakdown(
            "factors-by-team", "Contextual factors found, by team", "Team", by_team, shown_total,
            place=lambda r: r["team"], link=lambda r, info: self.link(factor=info, team=r["team_id"]),
        )
        site_table = self._breakdown(
            "factors-by-site", "Contextual factors found, by site", "Site", by_site, shown_total,
            place=lambda r: r["site"] or "No site recorded", link=lambda r, info: "",
        )
        kind = self.filters.period
        period_table = self._breakdown(
            "factors-by-period", f"Contextual factors found, by {kind} of the incident", kind.capitalize(),
            sorted(by_period, key=lambda r: r["period"], reverse=True), shown_total,
            place=lambda r: period_label(r["period"], kind),
            link=lambda r, info: self.link(factor=info, period=period_bounds(r["period"], kind)),
            period=lambda r: period_key(r["period"], kind), keep_order=True,
        )
        intro = [
            "How many cases had each contextual factor recorded as present. A case can have several factors, "
            "so the figures do not add up to the number of cases.",
        ]
        section = Section("recurring", "Contextual factors that recur", intro,
                          [overall_table, team_table, site_table, period_table])
        if self.exact:
            section.page_notes.append("Select a figure to see the cases behind it. Figures by site have no links, "
                                      "because the case list cannot be filtered by site.")
        return section

    def _breakdown(self, key: str, caption: str, place_label: str, rows: list[dict[str, Any]],
                   shown_total: Mapping[str, bool], *, place: Callable[[dict[str, Any]], str],
                   link: Callable[[dict[str, Any], FactorInfo], str],
                   period: Callable[[dict[str, Any]], str] | None = None, keep_order: bool = False) -> Table:
        """Rows of (place, factor, count), hidden per factor against the factor's overall count."""
        reasons: dict[int, str] = {}
        by_factor: dict[str, list[int]] = {}
        for index, row in enumerate(rows):
            by_factor.setdefault(row["factor_id"], []).append(index)
        for factor_id, indexes in by_factor.items():
            found = self.cells([rows[i]["cases"] for i in indexes], total_shown=shown_total.get(factor_id, False))
            reasons.update(zip(indexes, found, strict=True))
        factor_rank = {f: n for n, f in enumerate(self.catalogue)}
        indexes = list(range(len(rows)))
        # Group by place (in the given order for periods, by name otherwise), then largest first.
        places: dict[str, list[int]] = {}
        for i in indexes if keep_order else sorted(indexes, key=lambda i: place(rows[i]).lower()):
            places.setdefault(place(rows[i]), []).append(i)
        lines: list[Line] = []
        for name, members in places.items():
            members.sort(key=lambda i: factor_rank.get(rows[i]["factor_id"], len(factor_rank)))
            for i in _order(members, lambda i: rows[i]["cases"], lambda i: reasons[i], self.exact):
                row = rows[i]
                info = self.factor(row["factor_id"])
                lines.append(Line(
                    heads=(name, info.title),
                    cells=(self.cell(row["cases"], reasons[i], link(row, info), f"cases with {info.title}, {name}"),),
                    dimension="" if period else name, factor=info.id, period=period(row) if period else "",
                ))
        charted = _order([ln for ln in lines if not ln.cells[0].suppressed], lambda ln: ln.cells[0].count or 0,
                         lambda ln: "", True)[:CHART_ROWS]
        what = caption[0].lower() + caption[1:]
        title = what if len(charted) == len(lines) else f"{what} (the {len(charted)} largest figures)"
        return Table(
            key=key, caption=caption, head_labels=(place_label, "Contextual factor"), measure_labels=("Cases",),
            measures=("cases",), lines=lines,
            chart=bar_chart(f"chart-{key}", title, [(ln.label, ln.cells[0].count, ln.cells[0].text) for ln in charted],
                            more=len(lines) - len(charted)),
        )

    def frameworks(self, counts: Mapping[str, Mapping[str, int]]) -> Section:
        tables = []
        for framework, caption, label in FRAMEWORKS:
            elements = counts[framework]
            names = list(elements)
            values = [elements[n] for n in names]
            reasons = self.cells(values)
            items = _order(list(zip(names, values, reasons, strict=True)), lambda x: x[1], lambda x: x[2], self.exact)
            lines = [Line(heads=(name,), cells=(self.cell(count, reason),), dimension=name)
                     for name, count, reason in items]
            chart = None
            if framework == "seips":
                chart = bar_chart("chart-seips", "cases with a factor found, by SEIPS work system element",
                                  [(ln.heads[0], ln.cells[0].count, ln.cells[0].text) for ln in lines])
            tables.append(Table(key=framework, caption=f"Cases with a factor found, by {caption}",
                                head_labels=(label,), measure_labels=("Cases",), measures=("cases",), lines=lines,
                                chart=chart))
        intro = [
            "The same findings read through frameworks patient-safety teams already use: the SEIPS work system "
            "(used by PSIRF), the London Protocol and the Yorkshire Contributory Factors Framework. The mapping "
            "of each contextual factor is this service's own alignment. A case counts once under an element "
            "however many of its factors map to it; factors your organisation added have no mapping.",
        ]
        return Section("frameworks", "Read across safety frameworks", intro, tables)

    def outcomes(self, outcomes: Mapping[str, int], total_cases: int, total_shown: bool) -> Section:
        guide = default_guide()
        keys = [*guide.outcomes, ""]
        keys += sorted(set(outcomes) - set(keys))
        counts = [outcomes.get(k, 0) for k in keys]
        reasons = self.cells(counts, total_shown=total_shown)
        lines = []
        for key, count, reason in zip(keys, counts, reasons, strict=True):
            title = (f"{key}: {guide.outcomes[key].title}" if key in guide.outcomes
                     else ("No outcome yet" if key == "" else key))
            lines.append(Line(
                heads=(title,), dimension=key or "none",
                cells=(self.cell(count, reason, self.link(outcome=key or "none"), f"cases with outcome {title}"),),
            ))
        table = Table(
            key="outcomes", caption="Cases by the outcome of their newest completed guide assessment",
            head_labels=("Outcome",), measure_labels=("Cases",), measures=("cases",), lines=lines,
            chart=bar_chart("chart-outcomes", "cases by guide outcome",
                            [(ln.heads[0], ln.cells[0].count, ln.cells[0].text) for ln in lines]),
        )
        intro = [f"How the {'cases' if total_cases != 1 else 'case'} in view spread across the outcomes of the just "
                 "culture guide. A case with several acts shows the outcome assessed most recently."]
        return Section("outcomes", "How cases spread across guide outcomes", intro, [table])

    def substitution(self, figures: Mapping[str, int]) -> Section:
        answered_reason = self.cells([figures["answered"]])[0]
        same_reason, not_same_reason = self.cells([figures["same"], figures["not_same"]],
                                                  total_shown=not answered_reason)
        answered = self.cell(figures["answered"], answered_reason)
        same = self.cell(figures["same"], same_reason)
        not_same = self.cell(figures["not_same"], not_same_reason)
        lines = [
            Line(heads=("Assessments that reached the substitution test",), cells=(answered,), dimension="answered"),
            Line(heads=("Peers would probably have done the same",), cells=(same,), dimension="same"),
            Line(heads=("Peers would probably not have done the same",), cells=(not_same,), dimension="not-same"),
        ]
        intro = [
            "Question 4a of the guide asks whether others from the same peer group, with similar experience, would "
            "probably have acted in the same way. When they would, the main problem is likely to lie in the system "
            "rather than the person. Counted over each act's newest completed assessment that reached question 4a.",
        ]
        if same.count is not None and answered.count:
            intro.append(f"Peers would probably have done the same in {same.count} of {answered.count} "
                         f"({round(100 * same.count / answered.count)}%).")
        table = Table(
            key="substitution", caption="Substitution test answers", head_labels=("Answer",),
            measure_labels=("Assessments",), measures=("assessments",), lines=lines,
            chart=bar_chart("chart-substitution", "substitution test answers",
                            [(ln.heads[0], ln.cells[0].count, ln.cells[0].text) for ln in lines[1:]]),
        )
        return Section("substitution", "How often peers would have done the same", intro, [table])

    def actions(self, rows: list[dict[str, Any]], open_shown: bool, overdue_shown: bool) -> Section:
        rows = sorted(rows, key=lambda r: r["team"].lower())
        open_reasons = self.cells([r["open"] for r in rows], total_shown=open_shown)
        overdue_reasons = self.cells([r["overdue"] for r in rows], total_shown=overdue_shown)
        lines = [
            Line(heads=(r["team"],), dimension=r["team"],
                 cells=(self.cell(r["open"], o), self.cell(r["overdue"], d)))
            for r, o, d in zip(rows, open_reasons, overdue_reasons, strict=True)
        ]
        intro = ["System-learning actions still open or in progress, by team. An action is overdue when its due "
                 "date has passed."]
        links: list[tuple[str, str]] = []
        if self.exact:
            # The tracker is another app's page; the figures stand without it.
            with contextlib.suppress(NoReverseMatch):
                links.append((reverse("actions:tracker"), "Open the action tracker"))
        charted = _order([ln for ln in lines if not ln.cells[0].suppressed], lambda ln: ln.cells[0].count or 0,
                         lambda ln: "", True)[:CHART_ROWS]
        table = Table(
            key="system-actions", caption="Open and overdue system-learning actions, by team",
            head_labels=("Team",), measure_labels=("Open", "Of which overdue"), measures=("open", "overdue"),
            lines=lines, empty="No system-learning actions are open for these filters.",
            chart=bar_chart("chart-actions", "open system-learning actions by team",
                            [(ln.label, ln.cells[0].count, ln.cells[0].text) for ln in charted],
                            more=len(lines) - len(charted)),
        )
        return Section("actions", "Open and overdue system-learning actions", intro, [table], links)

    def hotspots(self, spots: list[dict[str, Any]]) -> Section:
        kind = self.filters.period
        # Most cases first (every count here is at or above the threshold, so the order reveals no
        # small figure), newest period first among equals.
        spots = sorted(spots, key=lambda s: (-s["cases"], -s["period"].toordinal(), s["kind"], s["place"].lower(),
                                             s["factor_id"]))
        lines = []
        for index, spot in enumerate(spots):
            info = self.factor(spot["factor_id"])
            label = period_label(spot["period"], kind)
            # Only rows the page shows get a link; the CSV has none.
            link = self.link(factor=info, team=spot["team_id"], period=period_bounds(spot["period"], kind)) \
                if spot["team_id"] is not None and index < HOTSPOT_ROWS else ""
            cell = (self.cell(spot["cases"], "", link, f"cases with {info.title}, {spot['place']}, {label}")
                    if self.exact else Cell(None, BANDED, threshold=self.hotspot_threshold))
            lines.append(Line(
                heads=(f"{spot['place']} ({spot['kind']})", info.title, label),
                cells=(cell,),
                dimension=f"{spot['kind']}:{spot['place']}", factor=info.id, period=period_key(spot["period"], kind),
            ))
        n = self.hotspot_threshold
        cases = f"{n} case{'s' if n != 1 else ''}"
        table = Table(
            key="hotspots", caption=f"Hotspots: a factor found in at least {cases} of one team or site in a {kind}",
            head_labels=("Team or site", "Contextual factor", kind.capitalize()), measure_labels=("Cases",),
            measures=("cases",), lines=lines, limit=HOTSPOT_ROWS,
            empty=f"No team or site had one factor in {n} or more cases in a {kind}.",
        )
        intro = [
            f"A hotspot is a team or site where one contextual factor was found in {cases} or more in the same "
            f"{kind}. When a factor keeps coming up in one place, the cause is likely to lie in the system there "
            "rather than with individuals: consider a system review.",
        ]
        return Section("hotspots", "Hotspots", intro, [table])


def build_report(scope: Scope, filters: Filters, *, hotspot_threshold: int | None = None,
                 today: date | None = None) -> Report:
    """Every figure for the reader's scope and filters, with small counts hidden as they must be."""
    today = today or timezone.localdate()
    b = _Builder(scope, filters, hotspot_threshold, today)
    filters = b.filters
    totals = selectors.case_totals(scope, filters)
    overall = selectors.factor_counts(scope, filters)
    frameworks = selectors.framework_counts(
        scope, filters, {name: selectors.framework_groups(b.catalogue, name) for name, _, _ in FRAMEWORKS}
    )
    actions = selectors.system_actions_by_team(scope, filters, today)
    spots = selectors.hotspots(scope, filters, b.hotspot_threshold)
    cards = b.cards(totals, actions, len(spots))
    shown = {card.key: not card.cell.suppressed for card in cards}
    recurring = b.recurring(
        overall, selectors.factor_counts_by_team(scope, filters), selectors.factor_counts_by_site(scope, filters),
        selectors.factor_counts_by_period(scope, filters),
    )
    sections = [
        b.hotspots(spots),
        recurring,
        b.outcomes(selectors.outcome_counts(scope, filters), totals["cases"], shown["cases"]),
        b.substitution(selectors.substitution_test(scope, filters)),
        b.actions(actions, shown["open-system-actions"], shown["overdue-system-actions"]),
        b.frameworks(frameworks),
    ]
    notes = list(b.notes)
    if not scope.exact:
        notes.insert(0, f"You cannot open the cases behind these figures, so any figure below {b.threshold} is shown "
                        f"as “fewer than {b.threshold}”. “Not shown” hides a figure that would let a small one be "
                        "worked out from a total.")
    return Report(
        organisation_name=scope.organisation.name, filters=filters, exact=scope.exact, threshold=b.threshold,
        hotspot_threshold=b.hotspot_threshold, generated_at=timezone.now(), cards=cards, sections=sections,
        notes=notes, filter_summary=_describe(scope, filters), hotspot_count=len(spots),
    )


def _describe(scope: Scope, filters: Filters) -> list[tuple[str, str]]:
    """The filters in words, for the page, the PDF and its cover."""
    if filters.date_from and filters.date_to:
        dates = f"{localtime_date(filters.date_from)} to {localtime_date(filters.date_to)}"
    elif filters.date_from:
        dates = f"From {localtime_date(filters.date_from)}"
    elif filters.date_to:
        dates = f"Up to {localtime_date(filters.date_to)}"
    else:
        dates = "Any date"
    team = "Every team" if scope.team_ids is None else "Every team you cover"
    if filters.team is not None:
        team = str(selectors.teams_in(scope).filter(pk=filters.team).values_list("name", flat=True).first() or "")
    return [
        ("Incident dates", dates),
        ("Team", team),
        ("Site", filters.site or "Every site"),
        ("Periods", "Quarters" if filters.period == "quarter" else "Months"),
    ]
