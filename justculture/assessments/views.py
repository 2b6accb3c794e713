"""The guided assessment in the browser: the act page, one question per page, check your
answers, the outcome, peer views and revisiting. Thin: parse the form, call one service or
selector, render. Services check the ASSESS permission; so does the lookup of the case for every
page that only writes (on GET and POST alike), so a user who cannot assess is not shown a form they
cannot send, and for the POST of the check page, which anyone who sees the case may read."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from justculture.assessments import selectors
from justculture.assessments.forms import AnswerForm, PeerViewForm, RevisitForm
from justculture.assessments.models import Answer, Assessment
from justculture.assessments.services import (
    assessment_answer,
    assessment_revisit,
    assessment_start,
    evaluation_of,
    guide_for,
    health_answers_viewed,
    peer_view_add,
    peer_view_remove,
)
from justculture.cases.models import Act, Case
from justculture.cases.selectors import act_for, case_for
from justculture.core.errors import ServiceError
from justculture.core.http import current_user
from justculture.core.models import User
from justculture.core.permissions import Permission, has_permission
from justculture.guide import Evaluation

#: The substitution question of the NHS guide, where peers' views are gathered.
PEER_QUESTION = "4a"



def _load(request: HttpRequest, reference: str, number: int,
          permission: Permission | None = None) -> tuple[User, Case, Act]:
    """The user, the case (a 404 unless they see it; a 403 without ``permission``) and its act."""
    user = current_user(request)
    case = case_for(user, reference, permission=permission)
    return user, case, act_for(case, number)


def _url(name: str, case: Case, act: Act, *args: object) -> str:
    return reverse(f"assessments:{name}", args=[case.reference, act.number, *args])


def _question_url(case: Case, act: Act, assessment: Assessment, question_id: str,
                  change: bool = False) -> str:
    url = _url("question", case, act, assessment.version, question_id)
    return f"{url}?change=1" if change else url


def _resume_url(case: Case, act: Act, assessment: Assessment, walk: Evaluation) -> str:
    """Where to carry on: the question the walk waits on, or the check page once it is done."""
    if walk.next_question is not None:
        return _question_url(case, act, assessment, walk.next_question)
    return _url("check", case, act, assessment.version)


def _back_url(case: Case, act: Act, assessment: Assessment, walk: Evaluation, question_id: str,
              change: bool) -> str:
    """The check page when changing an answer, else the question before this one on the walk."""
    if change:
        return _url("check", case, act, assessment.version)
    position = walk.path.index(question_id) if question_id in walk.path else len(walk.path)
    if position > 0:
        return _question_url(case, act, assessment, walk.path[position - 1])
    return reverse("assessments:act", args=[case.reference, act.number])


def act_detail(request: HttpRequest, reference: str, number: int) -> HttpResponse:
    user, case, act = _load(request, reference, number)
    versions = selectors.assessments_of(act)
    current = versions[-1] if versions else None
    resume = None
    if current is not None and not current.is_complete:
        resume = _resume_url(case, act, current, evaluation_of(current))
    for version in versions:
        # An outcome reached at a health question (B, C) tells that question's answer.
        if version.is_complete and version.path:
            version.case, version.act = case, act
            health_answers_viewed(assessment=version, question_ids=version.path[-1:], by=user)
    return render(request, "assessments/act.jinja", {
        "case": case, "act": act, "versions": versions, "current": current, "resume": resume,
        "guide": guide_for(current.guide_id, current.guide_version) if current else None,
        "can_assess": has_permission(user, Permission.ASSESS, case.team_id),
    })


@require_POST
def start(request: HttpRequest, reference: str, number: int) -> HttpResponse:
    user, case, act = _load(request, reference, number, Permission.ASSESS)
    try:
        assessment = assessment_start(act=act, by=user)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("assessments:act", case.reference, act.number)
    return redirect(_resume_url(case, act, assessment, evaluation_of(assessment)))


@require_http_methods(["GET", "POST"])
def question(
    request: HttpRequest, reference: str, number: int, version: int, question_id: str
) -> HttpResponse:
    user = current_user(request)
    # The page shows only the case's reference and the organisation's name in the header.
    case = case_for(user, reference, permission=Permission.ASSESS, related=("organisation",))
    assessment = selectors.assessment_in(case, number, version)
    act = assessment.act
    if assessment.is_complete:
        return redirect("assessments:outcome", case.reference, act.number, version)
    guide = guide_for(assessment.guide_id, assessment.guide_version)
    if question_id not in guide.questions:
        raise Http404("No such question")
    # The answers alone walk the guide; the form reads the links of this question's answer.
    answers = selectors.answers_of(assessment, links=False)
    walk = evaluation_of(assessment, answers)
    if question_id not in walk.path and question_id != walk.next_question:
        return redirect(_resume_url(case, act, assessment, walk))
    change = request.GET.get("change") == "1"
    documents = selectors.documents_of(case)
    factors = selectors.factor_rows(case)
    form = AnswerForm(
        request.POST if request.method == "POST" else None,
        initial=AnswerForm.initial_for(answers.get(question_id)), documents=documents,
        factors=factors,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            walk = assessment_answer(
                assessment=assessment, question_id=question_id, answer=data["answer"],
                rationale=data["rationale"], documents=data["documents"],
                factor_records=data["factor_records"], by=user,
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            if data["answer"] == Answer.UNKNOWN:
                messages.info(
                    request,
                    f"Your answer is saved. The assessment of act {act.number} (version "
                    f"{assessment.version}) is not finished: it waits on question {question_id} "
                    "until the answer is known.",
                )
                return redirect("assessments:act", case.reference, act.number)
            return redirect(_resume_url(case, act, assessment, walk))
    if request.method == "GET" and question_id in answers:
        health_answers_viewed(assessment=assessment, question_ids=[question_id], by=user)
    return render(request, "assessments/question.jinja", {
        "case": case, "act": act, "assessment": assessment, "guide": guide,
        "question": guide.question(question_id), "test": guide.test_for(question_id),
        "form": form, "back": _back_url(case, act, assessment, walk, question_id, change),
        "change": change, "factors": factors,
        "show_peers": question_id == PEER_QUESTION,
        "peer_views": selectors.peer_views_of(assessment) if question_id == PEER_QUESTION else [],
    })


@require_http_methods(["GET", "POST"])
def peer_new(request: HttpRequest, reference: str, number: int, version: int) -> HttpResponse:
    user, case, act = _load(request, reference, number, Permission.ASSESS)
    assessment = selectors.assessment_for(act, version)
    if assessment.is_complete:
        return redirect("assessments:outcome", case.reference, act.number, version)
    back = _question_url(case, act, assessment, PEER_QUESTION)
    form = PeerViewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            peer = peer_view_add(
                assessment=assessment, peer_name=data["peer_name"], peer_role=data["peer_role"],
                experience=data["experience"], view=data["view"], account=data["account"],
                by=user,
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, f"The view of {peer.peer_name} is recorded.")
            return redirect(back)
    return render(request, "assessments/peer_form.jinja", {
        "case": case, "act": act, "assessment": assessment, "form": form, "back": back,
    })


@require_POST
def peer_remove(
    request: HttpRequest, reference: str, number: int, version: int, peer_id: int
) -> HttpResponse:
    user, case, act = _load(request, reference, number, Permission.ASSESS)
    assessment = selectors.assessment_for(act, version)
    peer = selectors.peer_view_for(assessment, peer_id)
    try:
        peer_view_remove(peer=peer, by=user)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("assessments:outcome", case.reference, act.number, version)
    messages.success(request, f"The view of {peer.peer_name} was removed.")
    return redirect(_question_url(case, act, assessment, PEER_QUESTION))


def outcome(request: HttpRequest, reference: str, number: int, version: int) -> HttpResponse:
    user, case, act = _load(request, reference, number)
    assessment = selectors.assessment_for(act, version)
    if not assessment.is_complete:
        return redirect("assessments:check", case.reference, act.number, version)
    guide = guide_for(assessment.guide_id, assessment.guide_version)
    answers = selectors.answers_of(assessment)
    # The path frozen at completion, not a fresh walk: the page shows the version as it was.
    path = list(assessment.path)
    health_answers_viewed(assessment=assessment, question_ids=answers, by=user)
    return render(request, "assessments/outcome.jinja", {
        "case": case, "act": act, "assessment": assessment, "guide": guide,
        "outcome": guide.outcome(assessment.outcome_code),
        "rows": selectors.answer_rows(case, guide, path, answers),
        "unused": selectors.answer_rows(
            case, guide, [q for q in guide.questions if q in answers and q not in path], answers
        ),
        "peer_views": selectors.peer_views_of(assessment),
        "is_newest": selectors.is_newest(assessment),
        "can_assess": has_permission(user, Permission.ASSESS, case.team_id),
    })


@require_http_methods(["GET", "POST"])
def revisit(request: HttpRequest, reference: str, number: int, version: int) -> HttpResponse:
    user, case, act = _load(request, reference, number, Permission.ASSESS)
    assessment = selectors.assessment_for(act, version)
    if not assessment.is_complete:
        return redirect("assessments:check", case.reference, act.number, version)
    form = RevisitForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            new = assessment_revisit(
                assessment=assessment, reason=form.cleaned_data["reason"], by=user
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                f"Version {new.version} started with the answers of version {version}. Change "
                "any answer the new information affects, then confirm. Version "
                f"{version} is kept as it was.",
            )
            return redirect("assessments:check", case.reference, act.number, new.version)
    return render(request, "assessments/revisit.jinja", {
        "case": case, "act": act, "assessment": assessment, "form": form,
    })
