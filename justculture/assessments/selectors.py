"""Reads for guide assessments. Callers pass a case already scoped with ``case_for``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count
from django.http import Http404

from justculture.assessments.models import Answer, Assessment, PeerView
from justculture.cases.models import Act, Case, EvidenceDocument, FactorRecord
from justculture.factors.selectors import CUSTOM_PREFIX, factors_for
from justculture.factors.taxonomy import default_taxonomy
from justculture.guide import GuideDefinition, Question


def assessments_of(act: Act) -> list[Assessment]:
    """Every version of the act's assessment, oldest first."""
    return list(
        act.assessments.select_related("started_by", "completed_by").order_by("version")
    )


def assessment_for(act: Act, version: int) -> Assessment:
    """One version of the act's assessment; a missing version is a 404."""
    assessment = (
        act.assessments.select_related("case", "act", "started_by", "completed_by")
        .filter(version=version)
        .first()
    )
    if assessment is None:
        raise Http404("No such assessment version")
    return assessment


def assessment_in(case: Case, number: int, version: int) -> Assessment:
    """One version of the assessment of the case's act ``number``, with the act, in one query (the
    question page's); a missing act or version is a 404."""
    assessment = (
        Assessment.objects.select_related("act").filter(case=case, act__number=number, version=version).first()
    )
    if assessment is None:
        raise Http404("No such act or assessment version")
    assessment.case = case
    return assessment


def is_newest(assessment: Assessment) -> bool:
    return not Assessment.objects.filter(
        act_id=assessment.act_id, version__gt=assessment.version
    ).exists()


def peer_views_of(assessment: Assessment) -> list[PeerView]:
    return list(assessment.peer_views.select_related("recorded_by"))


def peer_view_for(assessment: Assessment, peer_id: int) -> PeerView:
    peer = assessment.peer_views.select_related("assessment").filter(pk=peer_id).first()
    if peer is None:
        raise Http404("No such peer view")
    return peer


def answers_of(assessment: Assessment, *, links: bool = True) -> dict[str, Answer]:
    """The version's answers by question id, with who gave them and their linked evidence and
    factor records; ``links=False`` for the answers alone (enough to walk the guide)."""
    rows = assessment.answers.all()
    if links:
        rows = rows.select_related("answered_by").prefetch_related("documents", "factor_records")
    return {row.question_id: row for row in rows}


def documents_of(case: Case) -> list[EvidenceDocument]:
    return list(case.documents.all())


@dataclass(frozen=True)
class FactorRow:
    """A recorded contextual factor as the assessment pages show it."""

    record: FactorRecord
    title: str
    special_category: bool
    document_count: int


def factor_rows(case: Case) -> list[FactorRow]:
    """The case's recorded contextual factors, in taxonomy order (unknown ids last)."""
    # The number of documents of each record in the same query, rather than every document.
    found = list(case.factor_records.annotate(document_total=Count("documents")))
    # The organisation's own factors are read only when one of them is recorded: the ten
    # default ones come from the taxonomy file (docs/performance.md).
    if any(record.factor_id.startswith(CUSTOM_PREFIX) for record in found):
        factors = factors_for(case.organisation)
    else:
        factors = list(default_taxonomy().factors)
    order = {f.id: i for i, f in enumerate(factors)}
    by_id = {f.id: f for f in factors}
    records = sorted(found, key=lambda r: (order.get(r.factor_id, len(order)), r.pk))
    rows = []
    for record in records:
        factor = by_id.get(record.factor_id)
        rows.append(
            FactorRow(
                record=record,
                title=factor.title if factor else record.factor_id,
                special_category=bool(factor and factor.special_category),
                document_count=record.document_total,
            )
        )
    return rows


@dataclass(frozen=True)
class AnswerRow:
    """One question of a walk with the answer given to it (if any)."""

    question: Question
    test_title: str
    answer: Answer | None
    factor_titles: tuple[str, ...]

    @property
    def documents(self) -> list[EvidenceDocument]:
        return list(self.answer.documents.all()) if self.answer else []


def answer_rows(
    case: Case,
    guide: GuideDefinition,
    question_ids: Iterable[str],
    answers: dict[str, Answer],
) -> list[AnswerRow]:
    """Rows for the check and outcome pages, in the order given."""
    titles = {f.id: f.title for f in factors_for(case.organisation)}
    rows = []
    for qid in question_ids:
        answer = answers.get(qid)
        linked = answer.factor_records.all() if answer else []
        rows.append(
            AnswerRow(
                question=guide.question(qid),
                test_title=guide.test_for(qid).title,
                answer=answer,
                factor_titles=tuple(titles.get(r.factor_id, r.factor_id) for r in linked),
            )
        )
    return rows
