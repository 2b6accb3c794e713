"""Which roles need two-factor sign-in is data in roles.yaml, read through core.permissions."""

from __future__ import annotations

import pytest

from justculture.core.permissions import requires_two_factor, roles


def test_privileged_roles_are_flagged_in_roles_yaml():
    flagged = {code for code, role in roles().items() if role.requires_two_factor}
    assert flagged == {"org-admin", "decision-maker", "hr-adviser", "auditor"}


@pytest.mark.parametrize(("held", "needed"), [
    (("case-handler",), False),
    (("equality-analyst",), False),
    (("case-handler", "auditor"), True),
    (("decision-maker",), True),
])
def test_holding_any_flagged_role_requires_two_factor(org, make_user, held, needed):
    assert requires_two_factor(make_user(org, *held)) is needed


def test_a_flagged_role_for_one_team_still_requires_it(org, team, make_user):
    assert requires_two_factor(make_user(org, ("hr-adviser", team)))
