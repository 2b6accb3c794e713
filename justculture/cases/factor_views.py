"""Contextual factors and evidence pages for a case, and an organisation's own factors.

Thin: scope the case with the selectors, parse the form, call one service, render. Reads need
the view permission (case_for scopes and 404s); a page's write permission is checked in the same
lookup (a 403 on GET and POST alike for pages that only write, on POST for pages that also show
the record), and again by the services.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from justculture.cases import selectors
from justculture.cases import services as case_services
from justculture.cases.choices import Contribution
from justculture.cases.evidence import KINDS
from justculture.cases.factor_forms import EvidenceUploadForm, FactorRecordForm, OrganisationFactorForm
from justculture.cases.models import Case, EvidenceDocument, FactorRecord
from justculture.core.errors import ServiceError
from justculture.core.http import current_user
from justculture.core.permissions import Permission, has_permission, require
from justculture.factors import services
from justculture.factors.models import OrganisationFactor
from justculture.factors.selectors import factor_for, factors_for
from justculture.factors.taxonomy import Factor, default_taxonomy


def _post(request: HttpRequest) -> bool:
    return request.method == "POST"


@dataclass(frozen=True)
class FactorRow:
    factor: Factor
    record: FactorRecord | None

    @property
    def document_count(self) -> int:
        return len(self.record.documents.all()) if self.record else 0


def factor_list(request: HttpRequest, reference: str) -> HttpResponse:
    user = current_user(request)
    case = selectors.case_for(user, reference)
    records = selectors.factor_records(case)
    rows = [FactorRow(f, records.get(f.id)) for f in factors_for(case.organisation)]
    return render(request, "factors/list.jinja", {
        "case": case, "rows": rows, "recorded": sum(1 for r in rows if r.record),
        "prompts": default_taxonomy().prompts,
        "can_record": has_permission(user, Permission.RECORD_FACTORS, case.team_id),
        "can_upload": has_permission(user, Permission.UPLOAD_EVIDENCE, case.team_id),
    })


@require_http_methods(["GET", "POST"])
def factor_edit(request: HttpRequest, reference: str, factor_id: str) -> HttpResponse:
    user = current_user(request)
    # Anyone who sees the case may read the record here; saving it needs record_factors.
    case = selectors.case_for(user, reference, permission=Permission.RECORD_FACTORS if _post(request) else None)
    factor = factor_for(case.organisation, factor_id)
    if factor is None:
        raise Http404("No such contextual factor")
    record = case.factor_records.filter(factor_id=factor.id).prefetch_related("documents").first()
    initial: dict[str, object] = {"contribution": Contribution.NOT_ASSESSED}
    if record is not None:
        initial = {"present": record.present, "contribution": record.contribution,
                   "account": record.account, "evidence": list(record.documents.all())}
    form = FactorRecordForm(
        request.POST if _post(request) else None, initial=initial,
        documents=case.documents.order_by("-uploaded_at", "-id"),
    )
    if _post(request) and form.is_valid():
        data = form.cleaned_data
        try:
            case_services.factor_record_save(
                case=case, factor_id=factor.id, present=data["present"],
                contribution=data["contribution"], account=data["account"],
                documents=data["evidence"], by=user,
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, f"{factor.title}: saved.")
            return redirect("factors:list", case.reference)
    if not _post(request) and factor.special_category:
        case_services.special_category_viewed(
            case=case, what=f"contextual factor '{factor.title}' on case {case.reference}",
            object_type="factorrecord", object_id=str(record.pk) if record else f"{case.pk}:{factor.id}",
            by=user,
        )
    return render(request, "factors/edit.jinja", {
        "case": case, "factor": factor, "record": record, "form": form,
        "has_documents": bool(form.fields["evidence"].queryset.exists()),  # type: ignore[attr-defined]
        "can_record": has_permission(user, Permission.RECORD_FACTORS, case.team_id),
        "can_upload": has_permission(user, Permission.UPLOAD_EVIDENCE, case.team_id),
        "can_view_evidence": has_permission(user, Permission.VIEW_EVIDENCE, case.team_id),
    })


@dataclass(frozen=True)
class DocumentRow:
    document: EvidenceDocument
    factors: list[Factor]

    @property
    def kind_label(self) -> str:
        kind = KINDS.get(self.document.kind)
        return kind.label if kind else self.document.kind


def _document_rows(case: Case) -> list[DocumentRow]:
    known = {f.id: f for f in factors_for(case.organisation)}
    documents = case.documents.select_related("uploaded_by").prefetch_related("factor_records")
    return [
        DocumentRow(d, [known[r.factor_id] for r in d.factor_records.all() if r.factor_id in known])
        for d in documents
    ]


def evidence_list(request: HttpRequest, reference: str) -> HttpResponse:
    user = current_user(request)
    case = selectors.case_for(user, reference)
    return render(request, "factors/evidence.jinja", {
        "case": case, "rows": _document_rows(case),
        "can_upload": has_permission(user, Permission.UPLOAD_EVIDENCE, case.team_id),
        "can_view_evidence": has_permission(user, Permission.VIEW_EVIDENCE, case.team_id),
    })


@require_http_methods(["GET", "POST"])
def evidence_upload(request: HttpRequest, reference: str) -> HttpResponse:
    user = current_user(request)
    case = selectors.case_for(user, reference, permission=Permission.UPLOAD_EVIDENCE)
    factors = factors_for(case.organisation)
    wanted = request.GET.get("factor", "")
    from_factor = next((f for f in factors if f.id == wanted), None)
    form = EvidenceUploadForm(
        request.POST if _post(request) else None, request.FILES if _post(request) else None,
        initial={"factors": [from_factor.id]} if from_factor else {}, factors=factors,
    )
    if _post(request) and form.is_valid():
        data = form.cleaned_data
        try:
            document = case_services.evidence_upload(
                case=case, upload=data["file"], description=data["description"],
                document_date=data["document_date"], factor_ids=data["factors"], by=user,
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, f"{document.original_name} uploaded.")
            if from_factor is not None:
                return redirect("factors:edit", case.reference, from_factor.id)
            return redirect("factors:evidence", case.reference)
    return render(request, "factors/upload.jinja", {
        "case": case, "form": form, "from_factor": from_factor,
        # A browser never refills a file input, so after any problem the file must be chosen again.
        "choose_again": form.is_bound and bool(form.errors) and bool(request.FILES),
    })


@require_GET
def evidence_download(request: HttpRequest, reference: str, token: str) -> FileResponse:
    user = current_user(request)
    case = selectors.case_for(user, reference, permission=Permission.VIEW_EVIDENCE)
    document = selectors.document_for(case, token)
    try:
        handle = document.file.storage.open(document.file.name or "", "rb")
    except FileNotFoundError as exc:
        raise Http404("The stored file is missing") from exc
    try:
        case_services.evidence_download(case=case, document=document, by=user)
    except BaseException:
        handle.close()
        raise
    response = FileResponse(
        handle, as_attachment=True, filename=document.original_name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_http_methods(["GET", "POST"])
def organisation_factors(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    require(user, Permission.ADMINISTER)
    organisation = user.organisation
    if organisation is None:
        raise PermissionDenied("You do not belong to an organisation.")
    form = OrganisationFactorForm(request.POST if _post(request) else None)
    if _post(request) and form.is_valid():
        try:
            factor = services.organisation_factor_create(
                organisation=organisation, title=form.cleaned_data["title"],
                description=form.cleaned_data["description"], by=user,
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, f"Contextual factor added: {factor.title}.")
            return redirect("factors:organisation")
    return render(request, "factors/organisation.jinja", {
        "form": form, "organisation": organisation,
        "own_factors": OrganisationFactor.objects.filter(organisation=organisation),
        "default_factors": default_taxonomy().factors,
    })
