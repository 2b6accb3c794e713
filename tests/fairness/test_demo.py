"""The demo organisation records equality data and a workforce through the fairness services."""

from __future__ import annotations

from justculture.core.models import AuditEvent, User
from justculture.demo.data import DEMO_WORKFORCE, load_demo
from justculture.fairness.models import EqualityRecord, WorkforceFigure
from tests.fairness.conftest import client_for


def test_the_demo_has_equality_data_and_a_workforce(db):
    organisation, _users, created = load_demo(password="demo-password-for-tests")
    assert created
    assert EqualityRecord.objects.filter(organisation=organisation).count() == 5
    assert AuditEvent.objects.filter(action="equality.save").count() == 5
    # Every dimension adds up to the same workforce.
    totals = {sum(groups.values()) for groups in DEMO_WORKFORCE.values()}
    assert totals == {6620}
    assert WorkforceFigure.objects.filter(organisation=organisation, team=None, dimension="sex").count() == 6
    client = client_for(User.objects.get(username="equality.analyst"))
    response = client.get("/fairness/?event=concern-raised")
    assert response.status_code == 200
    assert "Headcounts from the workforce figures for" in response.content.decode()
