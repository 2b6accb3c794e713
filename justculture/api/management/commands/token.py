"""`justculture token create USERNAME [--name N] [--days D]`, `token list [USERNAME] [--json]`,
`token revoke TOKEN_ID`: API tokens, managed by an operator at the command line.

The plain token is printed once, by `create`, and cannot be shown again (only its hash is kept).
Mistakes in the arguments exit with status 2 and one line on stderr.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404

from justculture.api import selectors, services
from justculture.api.models import ApiToken
from justculture.core.models import User, normalise_username


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=2)


def _user(username: str) -> User:
    user = User.objects.filter(username=normalise_username(username)).first()
    if user is None:
        raise _fail(f"No user called '{username}'.")
    return user


def _row(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.pk, "user": token.user.username, "prefix": token.prefix, "name": token.name,
        "state": token.state, "created_at": token.created_at.isoformat(),
        "created_by": token.created_by.username if token.created_by else "operator",
        "expires_at": token.expires_at.isoformat(),
        "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
    }


class Command(BaseCommand):
    help = "Create, list and revoke REST API tokens."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = sub.add_parser("create", help="Create a token for a user and print it (once).")
        create.add_argument("username")
        create.add_argument("--name", default="", help="What the token is for (shown in lists).")
        create.add_argument("--days", type=int, default=None,
                            help="How many days the token lasts (default: JUSTCULTURE_API_TOKEN_DAYS, 90).")
        listing = sub.add_parser("list", help="List tokens (never the secrets).")
        listing.add_argument("username", nargs="?", help="Only this user's tokens.")
        listing.add_argument("--json", action="store_true", help="Print JSON.")
        revoke = sub.add_parser("revoke", help="Revoke a token by its id (see list).")
        revoke.add_argument("token_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            self._create(options)
        elif action == "list":
            self._list(options)
        else:
            self._revoke(options)

    def _create(self, options: dict[str, Any]) -> None:
        user = _user(options["username"])
        try:
            token, plain = services.token_create(user=user, by=None, name=options["name"], days=options["days"])
        except (services.TokenError, PermissionDenied) as exc:
            raise _fail(str(exc)) from None
        self.stdout.write(plain)
        self.stderr.write(
            f"Token {token.pk} ({token.prefix}) for {user.username}, expires {token.expires_at:%Y-%m-%d %H:%M %Z}. "
            "Copy it now: it is not shown again."
        )

    def _list(self, options: dict[str, Any]) -> None:
        user = _user(options["username"]) if options.get("username") else None
        rows = [_row(t) for t in selectors.tokens_of(user)]
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2))
            return
        if not rows:
            self.stdout.write("No tokens.")
            return
        for r in rows:
            self.stdout.write(
                f"{r['id']:<5} {r['user']:<20} {r['prefix']:<13} {r['state']:<8} expires {r['expires_at'][:10]}  "
                f"last used {(r['last_used_at'] or 'never')[:10]:<10}  {r['name']}"
            )

    def _revoke(self, options: dict[str, Any]) -> None:
        try:
            token = selectors.token_by_id(options["token_id"])
        except Http404 as exc:
            raise _fail(str(exc)) from None
        already = token.revoked_at is not None
        services.token_revoke(token=token, by=None)
        self.stdout.write(
            f"Token {token.pk} ({token.prefix}) of {token.user.username} "
            + ("was already revoked." if already else "revoked.")
        )
