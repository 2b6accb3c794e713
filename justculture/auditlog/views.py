"""The auditor's pages: search the organisation's audit log, and download what a search finds.

Only people holding view_audit for the whole organisation get in, and they only ever see their
own organisation's events. Both pages answer GET only; nothing here can change the log.

Reading is audited as ``audit.view`` once per search, not once per page of results: the event
records the filters and how many events matched, which already covers every page of that search.
Paging through (or reloading) the same search within VIEW_WINDOW adds no further event; a new
search, or the same one after the window, does. Every download adds an ``audit.export`` event.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from justculture.auditlog import export, selectors, services
from justculture.auditlog.forms import AuditFilterForm
from justculture.auditlog.selectors import AuditFilters
from justculture.core.audit_actions import action_title
from justculture.core.http import current_user
from justculture.core.models import AuditEvent, User
from justculture.core.permissions import Permission, has_permission

PAGE_SIZE = 50
VIEW_WINDOW = 30 * 60  # seconds
_SEEN_KEY = "auditlog.searches"
_SEEN_LIMIT = 50
_VALUE_LIMIT = 200


def _auditor(request: HttpRequest) -> User:
    user = current_user(request)
    if user.organisation_id is None or not has_permission(user, Permission.VIEW_AUDIT):
        raise PermissionDenied("Only auditors and organisation administrators can read the audit log.")
    return user


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    user = _auditor(request)
    organisation_id = user.organisation_id
    assert organisation_id is not None
    form = AuditFilterForm(request.GET or None, organisation_id=organisation_id)
    context: dict[str, Any] = {"form": form, "page": None, "rows": [], "filtered": False, "query": ""}
    if form.is_bound and not form.is_valid():
        return render(request, "auditlog/search.jinja", context)
    filters = form.filters()
    rows = selectors.organisation_events(organisation_id, filters).order_by("-id")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    events: list[AuditEvent] = list(page.object_list)
    if _first_look(request, filters):
        services.record_search(by=user, filters=filters, matching=page.paginator.count)
    query = _query(request, drop="page")
    references = selectors.case_references(event.case_id for event in events)
    context.update({
        "page": page, "rows": [_present(event, references) for event in events],
        "filtered": bool(filters.described()), "query": query,
        "pages": _page_links(page, query),
    })
    return render(request, "auditlog/search.jinja", context)


@require_GET
def export_csv(request: HttpRequest) -> HttpResponseBase:
    user = _auditor(request)
    organisation_id = user.organisation_id
    assert organisation_id is not None and user.organisation is not None
    form = AuditFilterForm(request.GET or None, organisation_id=organisation_id)
    if form.is_bound and not form.is_valid():
        # The page shows what is wrong with the filters.
        return redirect(f"{reverse('auditlog:search')}?{_query(request, drop='page')}")
    filters = form.filters()
    rows = selectors.organisation_events(organisation_id, filters)
    matching = rows.count()
    event = services.record_export(by=user, organisation_id=organisation_id, filters=filters,
                                   matching=matching, file_format="csv", via="web")
    # Exactly the events counted: not the record of this download, nor anything written after it.
    stream = rows.filter(id__lt=event.pk).order_by("id").iterator(chunk_size=export.BATCH)
    slugs = {organisation_id: user.organisation.slug}
    response = StreamingHttpResponse(export.csv_chunks(stream, slugs), content_type="text/csv; charset=utf-8")
    filename = f"audit-log-{user.organisation.slug}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _first_look(request: HttpRequest, filters: AuditFilters) -> bool:
    """True (and remembered in the session) unless this search was audited within VIEW_WINDOW."""
    key = hashlib.sha256(json.dumps(filters.described(), sort_keys=True).encode("utf-8")).hexdigest()[:32]
    now = time.time()
    seen: dict[str, float] = {
        k: t for k, t in request.session.get(_SEEN_KEY, {}).items() if now - t < VIEW_WINDOW
    }
    first = key not in seen
    if first:
        seen[key] = now
        newest = sorted(seen.items(), key=lambda item: item[1])[-_SEEN_LIMIT:]
        request.session[_SEEN_KEY] = dict(newest)
    return first


def _query(request: HttpRequest, drop: str) -> str:
    params = request.GET.copy()
    params.pop(drop, None)
    return params.urlencode()


@dataclass(frozen=True)
class Change:
    field: str
    value: str
    shortened: bool


def _text(value: Any) -> str:
    if value is None:
        return "blank"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "[" + ", ".join(_text(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_text(item)}" for key, item in value.items()) + "}"
    return str(value)


def _changes(changes: Any) -> list[Change]:
    if not isinstance(changes, dict):
        return [] if changes in (None, "", []) else [Change("value", _text(changes)[:_VALUE_LIMIT], False)]
    shown = []
    for field, value in changes.items():
        text = _text(value)
        shown.append(Change(str(field), text[:_VALUE_LIMIT], len(text) > _VALUE_LIMIT))
    return shown


def _present(event: AuditEvent, references: dict[int, str]) -> dict[str, Any]:
    local = timezone.localtime(event.at)
    return {
        "id": event.pk,
        "iso": event.at.astimezone(UTC).isoformat(timespec="seconds"),
        "time": f"{local.day} {local:%B %Y}, {local:%H:%M:%S}",
        "actor": event.actor,
        "action": event.action,
        "action_title": action_title(event.action),
        "object": f"{event.object_type} {event.object_id}".strip(),
        "case": references.get(event.case_id, "") if event.case_id is not None else "",
        "summary": event.summary,
        "changes": _changes(event.changes),
    }


def _page_links(page: Page[Any], query: str) -> dict[str, Any]:
    """Parameters for the NHS.UK pagination component: first, last and two either side of this page."""
    base = reverse("auditlog:search") + "?" + (query + "&" if query else "") + "page="
    total = page.paginator.num_pages
    wanted = sorted({1, total, *range(page.number - 2, page.number + 3)} & set(range(1, total + 1)))
    items: list[dict[str, Any]] = []
    for position, number in enumerate(wanted):
        if position and number - wanted[position - 1] > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": f"{base}{number}", "current": number == page.number})
    return {
        "items": items if total > 1 else [],
        "previous": {"href": f"{base}{page.number - 1}"} if page.has_previous() else None,
        "next": {"href": f"{base}{page.number + 1}"} if page.has_next() else None,
        "ariaLabel": "Pages of audit events",
    }
