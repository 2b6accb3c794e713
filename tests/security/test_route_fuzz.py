"""Crafted input on every route: no request may end in a server error.

Every URL pattern (walked from the URL configuration by tests/security/routes.py, so a new route is
fuzzed without anyone listing it) has each path parameter in turn filled with a crafted value (a
huge number, a NUL character, a very long string, unicode, '../') while the others name real
objects; and each list page has each of its query parameters given crafted values (page numbers,
dates at the ends of the calendar, impossible dates, reversed ranges, garbage). Web pages are
fetched as a signed-in user holding every role, API routes with that user's bearer token. A
refusal (400, 404, 422...) is fine; a 5xx is not. Run on SQLite and on PostgreSQL, which refuses
NUL in text and numbers past its integer columns.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
import yaml
from django.test import Client

from justculture.core.models import User
from tests.security.routes import ALL_ROLES, Route, World, all_routes, api_token_for, client_as, world_for_module

ROUTES = all_routes()
MATRIX = yaml.safe_load(Path(__file__).with_name("authorization_matrix.yaml").read_text(encoding="utf-8"))["routes"]

#: Values for a path parameter, each replacing one parameter while the others stay real.
PATH_VALUES = {
    "huge integer": "99999999999999999999",
    "past 32 bits": "2147483648",
    "negative": "-1",
    "zero": "0",
    "NUL": "C-0001\x00",
    "NUL alone": "\x00",
    "long": "A" * 3000,
    "unicode": "\u00c7-\uff10\uff10\uff10\uff11-\u6f22\u5b57-\U0001f642",  # fullwidth digits, CJK, emoji
    "dot dot slash": "../",
}

HUGE = "99999999999999999999"
#: Values for any query parameter.
QUERY_VALUES = [HUGE, "-1", "0", "abc", "9999-12-31", "0001-01-01", "2026-02-30", "1e309", "\x00", "x" * 3000]
#: Date ranges: reversed, and each end of the calendar with a real date at the other end.
DATE_RANGES = [("2026-02-01", "2026-01-01"), ("0001-01-01", "9999-12-31"), ("9999-12-31", "9999-12-31"),
               ("0001-01-01", "0001-01-01"), ("2026-01-01", "9999-12-31"), ("0001-01-01", "2026-01-01")]

#: The query parameters each list page reads. A new list page or parameter belongs here.
QUERY_PARAMS: dict[str, tuple[str, ...]] = {
    "cases:list": ("page", "q", "status", "team", "outcome", "date_from", "date_to", "factor"),
    "auditlog:search": ("page", "date_from", "date_to", "actor", "action", "object_type", "case", "q"),
    "auditlog:export": ("date_from", "date_to", "actor", "case", "q"),
    "insights:index": ("date_from", "date_to", "team", "site", "period", "hotspot"),
    "insights:csv": ("date_from", "date_to", "team", "hotspot"),
    "fairness:index": ("event", "dimension", "period_type", "end_date", "year", "team", "workforce_period"),
    "actions:tracker": ("status", "kind", "team", "owner", "overdue", "sort"),
    "retention:people": ("q",),
    "factors:edit": ("factor",),
    "case_actions:new": ("factor",),
    "api:case_list": ("limit", "offset", "q", "status", "team", "outcome", "date_from", "date_to", "factor"),
    "api:person_list": ("limit", "offset"),
    "api:incident_list": ("limit", "offset"),
    "api:insights": ("date_from", "date_to", "team", "site", "period"),
    "api:fairness": ("event", "dimension", "period", "team"),
}
#: Pages whose date range is fuzzed as a pair: (from, to) parameter names.
RANGES = {"cases:list": ("date_from", "date_to"), "auditlog:search": ("date_from", "date_to"),
          "auditlog:export": ("date_from", "date_to"), "insights:index": ("date_from", "date_to"),
          "insights:csv": ("date_from", "date_to"), "insights:pdf": ("date_from", "date_to"),
          "api:case_list": ("date_from", "date_to"), "api:insights": ("date_from", "date_to")}
#: The fairness page names its period by the last day of two years, or a calendar year.
FAIRNESS_ENDS = [{"period_type": "window", "end_date": d} for d in ("9999-12-31", "0001-01-01", "2026-02-30")] + [
    {"period_type": "year", "year": y} for y in (HUGE, "0", "9999")] + [
    {"period": p} for p in ("9999-12-31", "0001-01-01", "9999", "0001")]

_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[World]:
    with world_for_module(django_db_blocker, str(tmp_path_factory.mktemp("fuzz-media"))) as made:
        yield made


@pytest.fixture
def fuzz_world(world: World, db: Any, settings: Any) -> World:
    settings.MEDIA_ROOT = world.media_root
    return world


def _path(route: Route, values: dict[str, Any]) -> str:
    """The route's address with these values put in as they are (reverse() would refuse a value its
    converter does not match, and the point is to send what an attacker would)."""
    return "/" + _PARAM.sub(lambda m: quote(str(values[m.group(2)]), safe=""), route.template)


def _method(route: Route) -> str:
    if route.is_api:
        return route.api_methods()[0]
    return str((MATRIX.get(route.name) or {}).get("method", "GET"))


class Requester:
    """A session for the web and a bearer token for the API, both for a user holding every role."""

    def __init__(self, user: User) -> None:
        self.web = client_as(user)
        self.api = Client(raise_request_exception=False)
        self.token = api_token_for(user)
        self.errors: list[str] = []

    def send(self, route: Route, url: str, what: str, method: str | None = None) -> None:
        method = method or _method(route)
        if route.is_api:
            headers = {"Authorization": f"Bearer {self.token}"}
            if method == "GET":
                response = self.api.get(url, headers=headers)
            else:
                response = self.api.generic(method, url, "{}", content_type="application/json", headers=headers)
        elif method == "GET":
            response = self.web.get(url)
        else:
            response = self.web.post(url, {})
        if response.status_code >= 500:
            self.errors.append(f"{route.name} {method} {what}: {response.status_code}")


def _has_params(route: Route) -> bool:
    return bool(route.params) and route.name != "core:sign-out"


@pytest.mark.parametrize("route", [r for r in ROUTES if _has_params(r)], ids=lambda r: r.name)
def test_crafted_path_parameters_never_give_a_server_error(route: Route, fuzz_world: World) -> None:
    own = fuzz_world.own
    requester = Requester(own.users[ALL_ROLES])
    for param in route.params:
        for label, value in PATH_VALUES.items():
            values = {**own.fresh_kwargs(route), param: value}
            requester.send(route, _path(route, values), f"{param}={label}")
    assert not requester.errors, "server errors:\n" + "\n".join(requester.errors)


def _query_cases(route: Route) -> Iterator[tuple[str, dict[str, str]]]:
    for name in QUERY_PARAMS.get(route.name, ()):
        for value in QUERY_VALUES:
            yield f"{name}={value[:20]!r}", {name: value}
    if route.name in RANGES:
        start, end = RANGES[route.name]
        for low, high in DATE_RANGES:
            yield f"{start}={low}&{end}={high}", {start: low, end: high}
    if route.name in ("fairness:index", "api:fairness"):
        for query in FAIRNESS_ENDS:
            if ("period" in query) == route.is_api:
                yield urlencode(query), query


FUZZED_LISTS = [r for r in ROUTES if r.name in QUERY_PARAMS or r.name in RANGES]


def test_every_list_page_named_here_exists() -> None:
    assert sorted(set(QUERY_PARAMS) | set(RANGES)) == sorted(r.name for r in FUZZED_LISTS)


@pytest.mark.parametrize("route", FUZZED_LISTS, ids=lambda r: r.name)
def test_crafted_query_parameters_never_give_a_server_error(route: Route, fuzz_world: World) -> None:
    own = fuzz_world.own
    requester = Requester(own.users[ALL_ROLES])
    base = _path(route, own.fresh_kwargs(route)) if route.params else "/" + route.template
    for what, query in _query_cases(route):
        requester.send(route, f"{base}?{urlencode(query)}", what, method="GET")
    assert not requester.errors, "server errors:\n" + "\n".join(requester.errors)


@pytest.mark.parametrize("route", [r for r in ROUTES if not r.params and _method(r) == "GET"], ids=lambda r: r.name)
def test_nul_in_the_query_string_never_gives_a_server_error(route: Route, fuzz_world: World) -> None:
    requester = Requester(fuzz_world.own.users[ALL_ROLES])
    for name in (*QUERY_PARAMS.get(route.name, ()), "q", "next"):
        requester.send(route, f"/{route.template}?{name}=%00", f"{name}=NUL")
    assert not requester.errors, "server errors:\n" + "\n".join(requester.errors)
