"""The hand-written NHS.UK markup of the case page's task list and of select fields (written out
in our templates for speed, docs/performance.md): every aria-describedby names elements that exist,
and errors are tied to their field."""

from __future__ import annotations

import re

from justculture.cases.models import Case


def ids_in(html: str) -> set[str]:
    return set(re.findall(r'\sid="([^"]+)"', html))


def test_case_task_list_links_describe_themselves_with_existing_hint_and_status(case: Case, handler_client):
    html = handler_client.get(f"/cases/{case.reference}/").content.decode()
    task_list = html[html.index('<ul class="nhsuk-task-list">'):]
    task_list = task_list[: task_list.index("</ul>")]
    links = re.findall(r'<a class="nhsuk-task-list__link nhsuk-link" href="([^"]+)" aria-describedby="([^"]+)">([^<]+)</a>', task_list)
    titles = [title for _href, _described, title in links]
    assert "Describe the concern" in titles and "Decision" in titles and "Actions" in titles
    known = ids_in(task_list)
    for _href, described, _title in links:
        for element_id in described.split():
            assert element_id in known, element_id
    # The concern task carries its hint (the start of the concern) and a status tag.
    assert 'aria-describedby="case-tasks-1-hint case-tasks-1-status"' in task_list
    assert '<strong class="nhsuk-tag nhsuk-tag--white">Completed</strong>' in task_list


def test_select_with_an_error_is_marked_and_described_by_its_message(case: Case, handler_client):
    html = handler_client.get("/cases/", {"status": "not-a-status"}).content.decode()
    assert 'class="nhsuk-form-group nhsuk-form-group--error"' in html
    assert re.search(r'<select class="nhsuk-select nhsuk-select--error" id="status" name="status"\s+aria-describedby="status-error">', html)
    assert '<span class="nhsuk-error-message" id="status-error"><span class="nhsuk-u-visually-hidden">Error: </span>' in html
    assert '<label class="nhsuk-label" for="status">Status</label>' in html
    # The other selects keep no error and the chosen value is the one selected.
    assert '<select class="nhsuk-select" id="team" name="team">' in html


def test_links_without_arguments_follow_the_script_prefix_and_url_conf(settings):
    """Plain URLs in templates are remembered (config/jinja2.py), per script prefix and URL conf:
    an app served under a path prefix, or with another URL conf, still links correctly."""
    from django.urls import clear_script_prefix, set_script_prefix

    from justculture.config.jinja2 import url

    assert url("cases:list") == "/cases/"
    set_script_prefix("/justculture/")
    try:
        assert url("cases:list") == "/justculture/cases/"
    finally:
        clear_script_prefix()
    assert url("cases:list") == "/cases/"
    settings.ROOT_URLCONF = "bench.bench_urls"
    assert url("bench-trivial") == "/bench/trivial/"
