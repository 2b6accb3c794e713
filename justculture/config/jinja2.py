"""The Jinja2 environment: our templates first, then the NHS.UK frontend component macros."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import nhsuk_frontend_jinja
from django.conf import settings
from django.contrib.messages import get_messages
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, FileSystemLoader

from justculture.cases.choices import regulator_name
from justculture.core.formatting import filesize, localtime_date

NHSUK_TEMPLATES = Path(nhsuk_frontend_jinja.__file__).parent / "templates"


# URLs without arguments (the header's and footer's links, a form's action) are worked out once
# per URL conf and script prefix rather than on every page (docs/performance.md).
_plain_urls: dict[tuple[str, str, str], str] = {}


def url(name: str, *args: Any, **kwargs: Any) -> str:
    if args or kwargs:
        return reverse(name, args=args or None, kwargs=kwargs or None)
    key = (name, get_script_prefix(), str(get_urlconf() or settings.ROOT_URLCONF))
    found = _plain_urls.get(key)
    if found is None:
        found = _plain_urls[key] = reverse(name)
    return found


def environment(**options: Any) -> Environment:
    loader = options.pop("loader", None)
    loaders = [loader] if loader is not None else []
    # The NHS.UK component macros read optional parameters as chains (params.a.b), which needs
    # an undefined type that tolerates missing links.
    options["undefined"] = ChainableUndefined
    extensions = [*options.pop("extensions", []), "jinja2.ext.do"]
    options.pop("autoescape", None)
    env = Environment(
        autoescape=True,
        extensions=extensions,
        loader=ChoiceLoader([*loaders, FileSystemLoader(str(NHSUK_TEMPLATES))]),
        **options,
    )
    env.globals.update(
        {
            "static": static,
            "get_messages": get_messages,
            "regulator_name": regulator_name,
            "can": can,
            "can_org": can_org,
            "url": url,
            "service_name": settings.JUSTCULTURE["SERVICE_NAME"],
            "organisation_name": settings.JUSTCULTURE["ORGANISATION_NAME"],
        }
    )
    env.filters.update(
        {
            "localtime_date": localtime_date,
            "localtime_datetime": localtime_datetime,
            "filesize": filesize,
        }
    )
    return env


def can(user: Any, permission: str) -> bool:
    """True when the user holds the permission for the organisation or at least one team."""
    from justculture.core.permissions import Permission, any_team_permission

    return bool(getattr(user, "is_authenticated", False)) and any_team_permission(user, Permission(permission))


def can_org(user: Any, permission: str) -> bool:
    """True when the user holds the permission for the whole organisation."""
    from justculture.core.permissions import Permission, has_permission

    return bool(getattr(user, "is_authenticated", False)) and has_permission(user, Permission(permission))


def localtime_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"
