"""The insights page and its downloads over HTTP: who may open them, what each reader sees,
suppression in the HTML, CSV and PDF, drill-down links, and a bounded number of queries."""

from __future__ import annotations

import csv
import io
import re
import subprocess
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from justculture.core.models import AuditEvent
from tests.conftest import client_for
from tests.insights.conftest import local

pytestmark = pytest.mark.django_db

URLS = ["/insights/", "/insights/export.csv", "/insights/summary.pdf"]


@pytest.fixture
def mixed(build, team, other_team):
    """Staffing in 12 (Ward 7) + 3 (Maternity) cases; equipment design in 4 (Maternity)."""
    build.many(12, team, local(2025, 3, 5), factors=["staffing", "distractions"], outcome="E",
               assessments=[("E", ["1a", "3c", "4a"], "yes")], actions=[("system", "open", date(2020, 1, 1))])
    build.many(3, other_team, local(2025, 4, 5), factors=["staffing"], outcome="D")
    build.many(4, other_team, local(2025, 4, 6), factors=["equipment-design"], outcome="D")


def test_url_names():
    assert reverse("insights:index") == "/insights/"
    assert reverse("insights:csv") == "/insights/export.csv"
    assert reverse("insights:pdf") == "/insights/summary.pdf"


@pytest.mark.parametrize("url", URLS)
def test_anonymous_readers_are_sent_to_sign_in(url):
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


@pytest.mark.parametrize("url", URLS)
def test_a_case_handler_without_view_insights_is_refused(url, handler_client):
    assert handler_client.get(url).status_code == 403


@pytest.mark.parametrize("url", URLS)
def test_both_insight_roles_may_open_every_url(url, lead, analyst, mixed):
    for user in (lead, analyst):
        assert client_for(user).get(url).status_code == 200


def test_another_organisation_sees_only_its_own_figures(mixed, outsider_client):
    page = outsider_client.get("/insights/").content.decode()
    assert "North Hospitals" not in page and "Ward 7" not in page and "Maternity" not in page
    rows = list(csv.DictReader(io.StringIO(outsider_client.get("/insights/export.csv").content.decode())))
    assert next(r for r in rows if r["measure"] == "cases" and r["table"] == "summary")["count"] == "0"
    assert not [r for r in rows if r["table"] == "factors-by-team"]


def test_lead_page_has_exact_counts_charts_tables_and_drill_down_links(mixed, lead, team):
    response = client_for(lead).get("/insights/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "fewer than" not in page
    assert f'href="/cases/?factor=staffing&amp;team={team.pk}"' in page
    assert 'href="/cases/?factor=equipment-design"' in page
    assert "Consider a system review" in page
    # Charts: inline SVG with a role, a name and a title, followed by a table; no script of our own.
    main = page[page.index('<main'):page.index('</main>')]
    assert "<script" not in main
    charts = re.findall(r"<svg[^>]*>", main)
    assert charts and all('role="img"' in svg and "aria-label=" in svg for svg in charts)
    assert main.count("<title>") == len(charts)
    assert '<th scope="col"' in main and '<th scope="row"' in main and "<caption" in main


def test_analyst_page_hides_small_counts_and_has_no_drill_down(mixed, analyst):
    page = client_for(analyst).get("/insights/").content.decode()
    assert "fewer than 10" in page
    assert "/cases/?" not in page
    main = page[page.index('<main'):page.index('</main>')]
    # Equipment design (4 cases) and Maternity's staffing (3) appear only as "fewer than 10".
    row = re.search(r"Device, equipment or product design</th>.*?</tr>", main, re.S)
    assert row and "fewer than 10" in row.group(0) and ">4<" not in row.group(0)
    # No figure between 1 and 9 is printed in any table cell.
    numbers = re.findall(r'nhsuk-table__cell--numeric[^"]*">\s*([0-9,]+)\s*<', main)
    assert numbers and all(int(n.replace(",", "")) >= 10 or int(n) == 0 for n in numbers)
    assert all(int(n.replace(",", "")) >= 10 for n in numbers if n != "0")


def test_filters_apply_and_mistakes_are_reported(mixed, lead, team):
    client = client_for(lead)
    page = client.get("/insights/", {"team": team.pk, "period": "quarter"}).content.decode()
    assert "January to March 2025" in page and "Maternity</th>" not in page
    bad = client.get("/insights/", {"date_from": "2025-02-30", "date_to": "2025-01-01"})
    assert bad.status_code == 200
    text = bad.content.decode()
    assert "There is a problem" in text and "Enter a real date for &#39;incident from&#39;" in text
    reversed_dates = client.get("/insights/", {"date_from": "2025-03-01", "date_to": "2025-01-01"}).content.decode()
    assert "must be the same as or after" in reversed_dates
    other_org_team = client.get("/insights/", {"team": "999999"}).content.decode()
    assert "Select a team from the list" in other_org_team


def test_hotspot_override_in_the_query_string(mixed, lead, analyst):
    page = client_for(lead).get("/insights/", {"hotspot": "13"}).content.decode()
    assert "No team or site had one factor in 13 or more cases" in page
    # The analyst has no such field, and an override in the URL changes nothing for them.
    theirs = client_for(analyst).get("/insights/", {"hotspot": "1"}).content.decode()
    assert 'name="hotspot"' not in theirs
    assert "at least 10" in theirs


def test_csv_is_long_format_with_suppression_for_the_analyst(mixed, analyst, lead):
    response = client_for(analyst).get("/insights/export.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="insights-north-')
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0]) == ["table", "dimension", "factor", "period", "measure", "count", "suppressed"]
    equipment = next(r for r in rows if r["table"] == "factors" and r["factor"] == "equipment-design")
    assert equipment["count"] == "" and equipment["suppressed"] == "true"
    staffing = next(r for r in rows if r["table"] == "factors" and r["factor"] == "staffing")
    assert staffing["count"] == "15" and staffing["suppressed"] == "false"
    assert all(r["count"] == "" or int(r["count"]) >= 10 or (r["table"] == "summary" and r["measure"] == "hotspots")
               for r in rows if r["count"] != "0")
    exact = list(csv.DictReader(io.StringIO(client_for(lead).get("/insights/export.csv").content.decode())))
    equipment = next(r for r in exact if r["table"] == "factors" and r["factor"] == "equipment-design")
    assert equipment["count"] == "4" and equipment["suppressed"] == "false"
    by_period = next(r for r in exact if r["table"] == "factors-by-period" and r["factor"] == "staffing"
                     and r["period"] == "2025-04")
    assert by_period["count"] == "3"


def test_csv_never_starts_a_cell_with_a_formula(build, org, lead):
    from justculture.core import services as core_services

    sneaky = core_services.team_create(organisation=org, name="=HYPERLINK(\"x\")", site="")
    build.case(sneaky, local(2025, 3, 1), factors=["staffing"])
    text = client_for(lead).get("/insights/export.csv").content.decode()
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "summary.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_pdf_is_an_attachment_with_page_numbers_and_suppression(mixed, analyst, lead, tmp_path):
    response = client_for(analyst).get("/insights/summary.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="insights-north-')
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content, tmp_path)
    assert "Learning across cases" in text and "North Hospitals NHS Trust" in text
    assert re.search(r"Page 1 of \d+", text)
    assert "fewer than 10" in text
    lines = [ln for ln in text.splitlines() if "Device, equipment or product" in ln]
    assert lines and all(not re.search(r"\s4\s*$", ln) for ln in lines)
    exact = pdf_text(client_for(lead).get("/insights/summary.pdf").content, tmp_path)
    assert "fewer than" not in exact
    assert "Consider a system review" in exact


def test_downloads_are_audited(mixed, lead):
    client_for(lead).get("/insights/export.csv", {"period": "quarter"})
    client_for(lead).get("/insights/summary.pdf")
    events = list(AuditEvent.objects.filter(action="insights.download").order_by("id"))
    assert [e.object_id for e in events] == ["csv", "pdf"]
    assert events[0].changes["filters"]["Periods"] == "Quarters" and events[0].changes["exact_counts"] is True


def test_query_count_is_bounded_and_does_not_grow_with_cases(build, team, other_team, lead, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(lead)
    client.get("/insights/")  # warm caches (guide, taxonomy)
    build.many(2, team, local(2025, 3, 5), factors=["staffing"], outcome="E",
               assessments=[("E", ["4a"], "yes")], actions=[("system", "open", date(2020, 1, 1))])
    with CaptureQueriesContext(connection) as few:
        assert client.get("/insights/", {"period": "quarter", "team": team.pk}).status_code == 200
    for month in range(1, 13):
        build.many(3, team if month % 2 else other_team, local(2024, month, 5), factors=["staffing", "distractions"],
                   outcome="D", assessments=[("D", ["4a"], "no")], actions=[("system", "open", None)])
    with django_assert_max_num_queries(30), CaptureQueriesContext(connection) as many:
        assert client.get("/insights/", {"period": "quarter", "team": team.pk}).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def test_long_tables_are_cut_on_the_page_but_complete_in_the_csv(mixed, lead, monkeypatch):
    from justculture.insights import report

    monkeypatch.setattr(report, "HOTSPOT_ROWS", 2)
    client = client_for(lead)
    page = client.get("/insights/").content.decode()
    assert "The table shows the first 2 of 8 rows. The CSV download has every row." in page
    rows = list(csv.DictReader(io.StringIO(client.get("/insights/export.csv").content.decode())))
    assert len([r for r in rows if r["table"] == "hotspots"]) == 8
