"""The documentation pack page: what the pack holds, and a form that returns the file.

Thin: scope the case with the selectors, check the permissions, parse the form, call the
service, return the file. A case the user cannot see is a 404; seeing it without the right to
see its evidence is a 403.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods

from justculture.cases import selectors
from justculture.core.http import current_user
from justculture.core.permissions import Permission, require
from justculture.packs import services
from justculture.packs.forms import FORMAT_HINTS, PackForm


@require_http_methods(["GET", "POST"])
def pack(request: HttpRequest, reference: str) -> HttpResponse:
    user = current_user(request)
    case = selectors.case_for(user, reference)
    require(user, Permission.VIEW_CASE, case.team_id)
    require(user, Permission.VIEW_EVIDENCE, case.team_id)
    posted = request.method == "POST"
    form = PackForm(request.POST if posted else None, initial={"format": "pdf"})
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            content, filename, content_type = services.pack_generate(
                case=case, fmt=data["format"], include_patient_details=data["include_patient_details"],
                reason=data["reason"], by=user,
            )
        except services.PackError as exc:
            form.add_error(None, str(exc))
        else:
            response = HttpResponse(content, content_type=content_type)
            response["Content-Disposition"] = content_disposition_header(True, filename)
            response["Cache-Control"] = "private, no-store"
            response["X-Content-Type-Options"] = "nosniff"
            response["Content-Security-Policy"] = "default-src 'none'; sandbox"
            return response
    documents = case.documents.all()
    return render(request, "packs/pack.jinja", {
        "case": case, "form": form, "format_hints": FORMAT_HINTS,
        "document_count": len(documents), "document_bytes": sum(d.size for d in documents),
        "has_patient_details": bool(case.incident.patient_name or case.incident.patient_identifier),
    })
