"""Writes for organisations, teams and users. Each runs in a transaction and is audited."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import F

from justculture.core import audit
from justculture.core.audit_actions import AuditAction
from justculture.core.errors import ServiceError
from justculture.core.models import Counter, Organisation, RoleAssignment, Team, User, normalise_username
from justculture.core.permissions import roles
from justculture.core.validators import refuse_direction_controls


def organisation_create(*, slug: str, name: str, by: User | None = None) -> Organisation:
    refuse_direction_controls(name, field="name", label="Name")
    with transaction.atomic():
        org = Organisation.objects.create(slug=slug, name=name)
        audit.record(by=by, action=AuditAction.ORGANISATION_CREATE, obj=org, organisation_id=org.pk,
                     summary=f"Organisation {name} created")
    return org


def team_create(*, organisation: Organisation, name: str, site: str = "", by: User | None = None) -> Team:
    refuse_direction_controls(name, field="name", label="Name")
    with transaction.atomic():
        team = Team.objects.create(organisation=organisation, name=name, site=site)
        audit.record(by=by, action=AuditAction.TEAM_CREATE, obj=team, summary=f"Team {team} created")
    return team


def user_create(
    *,
    organisation: Organisation,
    username: str,
    password: str | None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    job_title: str = "",
    roles_held: Sequence[tuple[str, Team | None]] = (),
    by: User | None = None,
) -> User:
    unknown = [code for code, _ in roles_held if code not in roles()]
    if unknown:
        raise ValueError(f"Unknown role: {', '.join(unknown)}")
    for field, label, value in (("username", "Username", username), ("first_name", "First name", first_name),
                                ("last_name", "Last name", last_name)):
        refuse_direction_controls(value, field=field, label=label)
    # Kept in one form, so a look-alike (full-width 'lock1') cannot be a second account.
    username = normalise_username(username)
    if not username:
        raise ServiceError("Enter a username.", field="username")
    if User.objects.filter(username=username).exists():
        raise ServiceError(f"There is already a user named {username}.", field="username")
    with transaction.atomic():
        user = User(
            organisation=organisation, username=username, first_name=first_name,
            last_name=last_name, email=email, job_title=job_title,
        )
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        for code, team in roles_held:
            RoleAssignment.objects.create(user=user, role=code, team=team)
        audit.record(
            by=by, action=AuditAction.USER_CREATE, obj=user, organisation_id=organisation.pk,
            summary=f"User {username} created",
            changes={"roles": [f"{c}@{t.name if t else 'all teams'}" for c, t in roles_held]},
        )
    return user


def user_set_password(*, user: User, password: str, by: User | None = None) -> None:
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit.record(by=by, action=AuditAction.USER_SET_PASSWORD, obj=user,
                     organisation_id=user.organisation_id, summary=f"Password set for {user.username}")


def next_number(organisation: Organisation, name: str) -> int:
    """The next value of a per-organisation sequence. Call inside a transaction."""
    counter, _ = Counter.objects.select_for_update().get_or_create(organisation=organisation, name=name)
    Counter.objects.filter(pk=counter.pk).update(value=F("value") + 1)
    counter.refresh_from_db(fields=["value"])
    return counter.value
