"""The documentation pack pages: choose a pack, follow its making, download it.

Thin: scope the case with the selectors, check the permissions, parse the form, call the
service. A case the user cannot see is a 404; seeing it without the right to see its evidence is
a 403. The pack is made by the task worker, not in the request: the form queues it and sends the
user to a status page they refresh (no script needed) until the download is there.
"""

from __future__ import annotations

import uuid

from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from justculture.cases import selectors
from justculture.cases.models import Case
from justculture.core.errors import ServiceError
from justculture.core.http import current_user
from justculture.core.models import User
from justculture.core.permissions import Permission
from justculture.packs import selectors as pack_selectors
from justculture.packs import services
from justculture.packs import tasks as pack_tasks
from justculture.packs.forms import FORMAT_HINTS, PackForm


def _case(request: HttpRequest, reference: str) -> tuple[User, Case]:
    user = current_user(request)
    # A role that sees the case's team (not only an assignment) and its evidence, as the service
    # checks: a 404 for a case the user cannot see, a 403 without these.
    case = selectors.case_for(user, reference, permission=(Permission.VIEW_CASE, Permission.VIEW_EVIDENCE))
    return user, case


@require_http_methods(["GET", "POST"])
def pack(request: HttpRequest, reference: str) -> HttpResponse:
    user, case = _case(request, reference)
    posted = request.method == "POST"
    form = PackForm(request.POST if posted else None, initial={"format": "pdf"})
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            made = pack_tasks.pack_request(
                case=case, fmt=data["format"], include_patient_details=data["include_patient_details"],
                reason=data["reason"], by=user,
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            return redirect("packs:status", case.reference, made.pk)
    documents = case.documents.all()
    return render(request, "packs/pack.jinja", {
        "case": case, "form": form, "format_hints": FORMAT_HINTS,
        "document_count": len(documents), "document_bytes": sum(d.size for d in documents),
        "has_patient_details": bool(case.incident.patient_name or case.incident.patient_identifier),
        "recent": list(pack_selectors.pack_requests_for(user, case)[:5]),
    })


@require_GET
@never_cache
def status(request: HttpRequest, reference: str, request_id: uuid.UUID) -> HttpResponse:
    user, case = _case(request, reference)
    made = pack_selectors.pack_request_for(user, case, request_id)
    return render(request, "packs/status.jinja", {
        "case": case, "pack": made, "format_label": services.FORMATS[made.format][0],
    })


@require_GET
def download(request: HttpRequest, reference: str, request_id: uuid.UUID) -> HttpResponseBase:
    user, case = _case(request, reference)
    made = pack_selectors.pack_request_for(user, case, request_id)
    try:
        path = services.pack_download(request=made, by=user)
    except services.PackError:
        # Not ready, or its file has expired: the status page says which.
        return redirect("packs:status", case.reference, made.pk)
    response = FileResponse(path.open("rb"), content_type=made.content_type)
    response["Content-Disposition"] = content_disposition_header(True, made.file_name)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
