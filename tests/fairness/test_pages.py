"""Each page for the allowed roles, the forbidden ones, anonymous users and another organisation;
audit rows for every view and write of equality data; suppression on the fairness page."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone

from justculture.core.models import AuditEvent
from justculture.core.permissions import Permission, Role, roles
from justculture.fairness import views
from justculture.fairness.models import EqualityRecord, WorkforceFigure
from tests.decisions.conftest import TO_D, give_outcome
from tests.fairness.conftest import BLACK_AFRICAN, WHITE, client_for, decide

EQUALITY_POST = {"ethnicity": "N", "sex": "male", "disability": "no", "age_band": "25-34", "qualified": "eu"}


def equality_url(case) -> str:
    return f"/cases/{case.reference}/equality/"


def test_url_names():
    assert reverse("fairness_case:equality", args=["C-0001"]) == "/cases/C-0001/equality/"
    assert reverse("fairness:index") == "/fairness/"
    assert reverse("fairness:workforce") == "/fairness/workforce/"
    assert resolve("/cases/C-0001/equality/").func is views.equality


def test_anonymous_users_are_sent_to_sign_in(case):
    client = Client()
    for url in (equality_url(case), "/fairness/", "/fairness/workforce/"):
        response = client.get(url)
        assert response.status_code == 302 and "/sign-in/" in response["Location"], url


@pytest.mark.parametrize("role", ["case-handler", "investigator", "decision-maker", "patient-safety-lead",
                                  "equality-analyst", "auditor", "org-admin"])
def test_the_equality_page_is_a_404_for_roles_without_equality_data(role, case, org, make_user):
    client = client_for(make_user(org, role))
    assert client.get(equality_url(case)).status_code == 404
    assert client.post(equality_url(case), EQUALITY_POST).status_code == 404
    assert not EqualityRecord.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="equality.").exists()


def test_another_organisation_gets_404(case, other_org, make_user):
    outsider = client_for(make_user(other_org, "hr-adviser", "equality-analyst"))
    assert outsider.get(equality_url(case)).status_code == 404
    assert outsider.post(equality_url(case), EQUALITY_POST).status_code == 404
    assert not EqualityRecord.objects.exists()


def test_another_organisations_fairness_page_shows_only_its_own_figures(case, hr, other_org, make_user, record_equality):
    record_equality(case, ethnicity=WHITE)
    outsider = client_for(make_user(other_org, "equality-analyst"))
    html = outsider.get("/fairness/?event=concern-raised").content.decode()
    assert "South Care NHS Trust" in html and "North Hospitals" not in html
    assert case.reference not in html


def test_an_hr_adviser_records_equality_data_and_every_view_is_audited(case, hr_client, hr):
    response = hr_client.get(equality_url(case))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Equality monitoring" in html and 'name="ethnicity"' in html
    assert "Nursing and midwifery" in html  # staff group, from the person's record
    response = hr_client.post(equality_url(case), EQUALITY_POST)
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.reference}/"
    record = EqualityRecord.objects.get(person=case.person)
    assert (record.ethnicity, record.qualified) == ("N", "eu")
    hr_client.get(equality_url(case))
    actions = list(AuditEvent.objects.filter(action__startswith="equality.").order_by("id").values_list("action", flat=True))
    assert actions == ["equality.view", "equality.save", "equality.view"]
    for event in AuditEvent.objects.filter(action__startswith="equality."):
        text = f"{event.summary} {event.changes}"
        assert "Black" not in text and "'N'" not in text and "eu" not in text.replace("equality", "")


def test_a_view_only_role_sees_answers_without_a_form(case, org, make_user, record_equality):
    # No packaged role may view equality data without editing it; an organisation could define
    # one (roles are data), so build one here.
    base = roles()
    custom = {**base, "equality-viewer": Role("equality-viewer", "Equality viewer", "", frozenset(
        {Permission.VIEW_CASE, Permission.VIEW_EQUALITY_DATA}))}
    record_equality(case, ethnicity=BLACK_AFRICAN)
    viewer = make_user(org)
    viewer.role_assignments.create(role="equality-viewer")
    with mock.patch("justculture.core.permissions.roles", return_value=custom):
        client = client_for(viewer)
        html = client.get(equality_url(case)).content.decode()
        assert "Black or Black British - African" in html and 'id="main-form"' not in html
        assert client.post(equality_url(case), EQUALITY_POST).status_code == 403
    assert AuditEvent.objects.filter(action="equality.view", actor=viewer.username).count() == 1


def test_invalid_equality_answers_show_errors(case, hr_client):
    response = hr_client.post(equality_url(case), {**EQUALITY_POST, "sex": "", "ethnicity": "Purple"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html and "Select their sex" in html
    assert not EqualityRecord.objects.exists()


@pytest.mark.parametrize("role", ["case-handler", "decision-maker", "patient-safety-lead", "auditor", "org-admin",
                                  "investigator"])
def test_the_fairness_page_is_forbidden_without_view_fairness(role, org, make_user):
    assert client_for(make_user(org, role)).get("/fairness/").status_code == 403


@pytest.mark.parametrize("role", ["equality-analyst", "hr-adviser"])
def test_the_fairness_page_for_roles_with_view_fairness(role, org, make_user):
    client = client_for(make_user(org, role))
    response = client.get("/fairness/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "How to read these figures" in html and "No workforce figures have been imported yet" in html
    assert AuditEvent.objects.filter(action="fairness.view").count() == 1


def test_a_team_analyst_sees_only_their_team(org, team, other_team, make_user):
    client = client_for(make_user(org, ("equality-analyst", team)))
    html = client.get("/fairness/").content.decode()
    assert "Whole organisation" not in html.split('id="team"')[1].split("</select>")[0]
    assert client.get(f"/fairness/?team={other_team.pk}").status_code == 200  # invalid choice: their own team instead
    assert "Ward 7" in client.get(f"/fairness/?team={other_team.pk}").content.decode()


@pytest.fixture
def many_cases(handler, make_case, record_equality, import_workforce):
    """12 white people and 3 ethnic-minority people with a concern raised; 2 not stated."""
    year = timezone.localdate().year
    import_workforce(f"period,group,headcount\n{year},White,1200\n{year},Ethnic minority,300\n{year},Not known,50\n")
    for i in range(12):
        record_equality(make_case(handler, name=f"W{i}"), ethnicity=WHITE)
    for i in range(3):
        record_equality(make_case(handler, name=f"M{i}"), ethnicity=BLACK_AFRICAN)
    for i in range(2):
        make_case(handler, name=f"U{i}")


def ratios_text(html: str) -> str:
    """The ratio table and the not-stated paragraph, without the chart."""
    return html.split('id="ratios"')[1].split('id="reading"')[0].split("</svg>")[-1]


def test_small_counts_are_suppressed_on_the_page(many_cases, analyst_client):
    html = ratios_text(analyst_client.get("/fairness/?event=concern-raised").content.decode())
    assert "fewer than 10" in html
    # 3 ethnic-minority people and 2 not stated: both withheld. They add up to 5, which anyone
    # could work out from the 17 concerns raised less the 12 white people, so the 12 go too
    # ("not shown"), and with the comparison group's count hidden no ratio is shown.
    assert ">12<" not in html and ">3<" not in html and ">2<" not in html and "not shown" in html
    assert "No ratios are shown" in html
    # Headcounts come from the workforce figures and stay.
    assert "1,200" in html and "1.00%" not in html


def test_figures_and_alert_when_the_threshold_allows(many_cases, analyst_client, org):
    org.suppression_threshold = 1
    org.save()
    html = analyst_client.get("/fairness/?event=concern-raised").content.decode()
    assert ">3<" in ratios_text(html) and "1.00%" in html
    # 3 of 300 against 12 of 1,200: both 1%, ratio 1.00; no alert.
    assert "A ratio lies outside 0.80 to 1.25" not in html
    assert 'role="img"' in html and "<title>" in html


def test_the_alert_appears_when_an_interval_lies_outside_the_band(analyst_client, org, handler, make_case,
                                                                  record_equality, import_workforce):
    year = timezone.localdate().year
    import_workforce(f"period,group,headcount\n{year},White,4000\n{year},Ethnic minority,100\n")
    for i in range(10):
        record_equality(make_case(handler, name=f"W{i}"), ethnicity=WHITE)
        record_equality(make_case(handler, name=f"M{i}"), ethnicity=BLACK_AFRICAN)
    html = analyst_client.get("/fairness/?event=concern-raised").content.decode()
    assert "A ratio lies outside 0.80 to 1.25" in html and "nhsuk-card--warning" in html
    assert "40.00" in html  # 10% against 0.25%


def test_the_filters(analyst_client, many_cases):
    response = analyst_client.get("/fairness/?event=formal-action&dimension=sex&period_type=year&year=2024")
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 January 2024 to 31 December 2024" in html and "Sex, against" in html
    bad = analyst_client.get("/fairness/?period_type=window&end_date=not-a-date&dimension=sex")
    html = bad.content.decode()
    assert bad.status_code == 200 and "Enter a real date" in html
    # The other choices still hold.
    assert "Sex, against" in html


def test_the_equality_page_is_not_cached(case, hr_client):
    assert "no-store" in hr_client.get(equality_url(case))["Cache-Control"]


def test_departures_listed_for_those_who_may_see_the_case(case, handler, hr, hr_client, analyst_client):
    give_outcome(case, TO_D, handler)
    decide(case, hr, ["formal-process"], timezone.localdate())
    html = hr_client.get("/fairness/").content.decode()
    assert f">{case.reference}</a>" in html and "A written justification" in html
    html = analyst_client.get("/fairness/").content.decode()
    assert case.reference not in html and "A written justification" not in html
    assert "1 of them is in cases you cannot see" in html


def upload(client: Client, text: str, name: str = "workforce.csv"):
    return client.post("/fairness/workforce/", {"file": SimpleUploadedFile(name, text.encode(), "text/csv")})


def test_the_workforce_page_imports_a_file(hr_client):
    assert hr_client.get("/fairness/workforce/").status_code == 200
    response = upload(hr_client, "period,group,headcount\n2024,White,4400\n2024,BME,1500\n")
    assert response.status_code == 302
    assert WorkforceFigure.objects.count() == 2
    html = hr_client.get("/fairness/workforce/").content.decode()
    assert "2 headcounts imported for 2024" in html and "Ethnicity (White or ethnic minority)" in html


def test_the_workforce_page_lists_every_problem_and_imports_nothing(hr_client):
    response = upload(hr_client, "period,group,headcount\n2024,White,4400\n2024,Purple,12\n2024,BME,-5\n")
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html and "The file has 2 problems. Nothing was imported." in html
    assert "<td class=\"nhsuk-table__cell\">3</td>" in html and "<td class=\"nhsuk-table__cell\">group</td>" in html
    assert "is negative" in html
    assert not WorkforceFigure.objects.exists()
    response = upload(hr_client, "name,count\nx,1\n")
    assert "The column &#39;period&#39; is missing" in response.content.decode()


@pytest.mark.parametrize("role", ["equality-analyst", "case-handler", "decision-maker", "org-admin"])
def test_the_workforce_page_is_forbidden_without_edit_equality_data(role, org, make_user):
    client = client_for(make_user(org, role))
    assert client.get("/fairness/workforce/").status_code == 403
    assert upload(client, "period,group,headcount\n2024,White,1\n").status_code == 403
    assert not WorkforceFigure.objects.exists()
