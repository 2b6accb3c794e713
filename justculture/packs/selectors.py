"""Reads of pack requests: a person sees only the packs they asked for, on cases they can see."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.http import Http404

from justculture.cases.models import Case
from justculture.core.models import User
from justculture.packs.models import PackRequest


def pack_requests_for(user: User, case: Case) -> QuerySet[PackRequest]:
    """The user's own requests for an already scoped case, newest first."""
    return PackRequest.objects.filter(
        case=case, organisation_id=case.organisation_id, requested_by=user,
    ).order_by("-requested_at")


def pack_request_for(user: User, case: Case, request_id: uuid.UUID) -> PackRequest:
    """One of the user's requests for the case; anyone else's (or none) is a 404."""
    request = pack_requests_for(user, case).select_related("case").filter(pk=request_id).first()
    if request is None:
        raise Http404("No such pack")
    return request
