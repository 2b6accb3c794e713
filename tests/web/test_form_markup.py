"""Our form macros (justculture/templates/_forms.jinja) write NHS.UK markup by hand for speed
(docs/performance.md). They must give the same HTML as the NHS.UK library's own macros fed the same
field: same elements, attributes, ids, aria-describedby and text, with the error and hint states.
Whitespace between elements and the order of attributes and classes do not matter to a browser and
are ignored."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django import forms
from django.template import engines

LIBRARY = {
    "text": """{%- from "nhsuk/components/input/macro.jinja" import input -%}
{{ input({
  "id": field.auto_id, "name": field.html_name, "type": type,
  "label": {"text": label or field.label, "size": label_size, "isPageHeading": is_page_heading},
  "hint": {"text": hint or field.help_text} if (hint or field.help_text) else None,
  "value": field.value() if field.value() is not none else "",
  "classes": classes, "autocomplete": autocomplete,
  "errorMessage": {"text": field.errors | join(" ")} if field.errors else None,
}) }}""",
    "textarea": """{%- from "nhsuk/components/textarea/macro.jinja" import textarea -%}
{{ textarea({
  "id": field.auto_id, "name": field.html_name, "rows": rows,
  "label": {"text": label or field.label, "size": label_size, "isPageHeading": is_page_heading},
  "hint": {"text": hint or field.help_text} if (hint or field.help_text) else None,
  "value": field.value() if field.value() is not none else "",
  "errorMessage": {"text": field.errors | join(" ")} if field.errors else None,
}) }}""",
    "checkboxes": """{%- from "nhsuk/components/checkboxes/macro.jinja" import checkboxes -%}
{%- set current = (field.value() or []) | map("string") | list -%}
{%- set items = [] -%}
{%- for value, text in field.field.choices -%}
  {%- do items.append({"value": value, "text": text, "checked": (value | string) in current}) -%}
{%- endfor -%}
{{ checkboxes({
  "name": field.html_name, "idPrefix": field.auto_id,
  "fieldset": {"legend": {"text": legend or field.label, "size": legend_size}},
  "hint": {"text": hint or field.help_text} if (hint or field.help_text) else None,
  "items": items,
  "errorMessage": {"text": field.errors | join(" ")} if field.errors else None,
}) }}""",
    "submit": """{%- from "nhsuk/components/button/macro.jinja" import button -%}
{{ button({"text": text, "classes": classes}) }}""",
}

OURS = {
    "text": """{%- import "_forms.jinja" as f -%}
{{ f.text(field, label=label, hint=hint, classes=classes, type=type, label_size=label_size,
          autocomplete=autocomplete, is_page_heading=is_page_heading) }}""",
    "textarea": """{%- import "_forms.jinja" as f -%}
{{ f.textarea(field, label=label, hint=hint, rows=rows, label_size=label_size, is_page_heading=is_page_heading) }}""",
    "checkboxes": """{%- import "_forms.jinja" as f -%}
{{ f.checkboxes(field, legend=legend, hint=hint, legend_size=legend_size) }}""",
    "submit": """{%- import "_forms.jinja" as f -%}{{ f.submit(text, classes=classes) }}""",
}


class Sample(forms.Form):
    name = forms.CharField(label="Name", max_length=10)
    reference = forms.CharField(label="Reference", required=False, help_text="As on the incident <form>")
    when = forms.DateField(label="Date", required=False)
    account = forms.CharField(label="Account", widget=forms.Textarea, help_text="In the person's words")
    notes = forms.CharField(label="Notes", widget=forms.Textarea, required=False)
    factors = forms.MultipleChoiceField(
        label="Factors", choices=[("staffing", "Staffing & skill mix"), ("equipment", "Equipment"), ("3", "Other")],
        help_text="Tick all that apply",
    )
    documents = forms.MultipleChoiceField(label="Documents", choices=[(1, "Rota.pdf"), (2, "Statement.pdf")],
                                          required=False)


def sample(data: dict[str, object] | None) -> Sample:
    form = Sample(data, auto_id="%s")
    if data is not None:
        form.is_valid()
    return form


EMPTY = sample(None)
VALID = sample({"name": "Sam \"O'Neil\"", "reference": "W-1 & 2", "when": "2026-11-02", "account": "Line 1\n<b>2</b>",
                "factors": ["staffing", "3"], "documents": ["2"]})
INVALID = sample({"name": "far too long a name", "when": "31/31/2026", "factors": ["nonsense"]})


def render(source: str, **context: object) -> str:
    return str(engines["jinja2"].from_string(source).render(context))


class _Shape(HTMLParser):
    """Elements with their attributes (classes as a set) and the text between them, whitespace
    collapsed: what a browser and assistive technology see."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[tuple[object, ...]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        shaped = {name: (" ".join(sorted((value or "").split())) if name == "class" else value) for name, value in attrs}
        self.items.append(("<", tag, tuple(sorted(shaped.items(), key=lambda item: item[0]))))

    def handle_endtag(self, tag: str) -> None:
        self.items.append((">", tag))

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text:
            self.items.append(("text", text))


def shape(html: str) -> list[tuple[object, ...]]:
    parser = _Shape()
    parser.feed(html)
    parser.close()
    # Adjacent text pieces (split by whitespace-only template output) read as one.
    merged: list[tuple[object, ...]] = []
    for item in parser.items:
        if item[0] == "text" and merged and merged[-1][0] == "text":
            merged[-1] = ("text", f"{merged[-1][1]} {item[1]}")
        else:
            merged.append(item)
    return merged


TEXT_CASES = [
    ("name", {}),
    ("reference", {}),
    ("when", {"type": "date"}),
    ("name", {"label": "Your name", "hint": "As on the rota", "classes": "nhsuk-input--width-20",
              "autocomplete": "name"}),
    ("reference", {"label_size": "m"}),
    ("name", {"label_size": "l", "is_page_heading": True}),
]


@pytest.mark.parametrize("form", [EMPTY, VALID, INVALID], ids=["empty", "filled", "with errors"])
@pytest.mark.parametrize(("name", "options"), TEXT_CASES)
def test_text_input_markup_matches_the_nhsuk_library(form, name, options):
    context = {"field": form[name], "label": None, "hint": None, "classes": "", "type": "text", "label_size": None,
               "autocomplete": None, "is_page_heading": False, **options}
    ours = render(OURS["text"], **context)
    assert shape(ours) == shape(render(LIBRARY["text"], **context))
    if form is INVALID and name in ("name", "when"):
        assert "nhsuk-input--error" in ours and re.search(f'aria-describedby="[^"]*{name}-error"', ours)


@pytest.mark.parametrize("form", [EMPTY, VALID, INVALID], ids=["empty", "filled", "with errors"])
@pytest.mark.parametrize(("name", "options"), [
    ("account", {}), ("notes", {"rows": 3}), ("account", {"label": "Their account", "hint": "Quote them", "label_size": "s"}),
    ("notes", {"is_page_heading": True, "label_size": "l"}),
])
def test_textarea_markup_matches_the_nhsuk_library(form, name, options):
    context = {"field": form[name], "label": None, "hint": None, "rows": 5, "label_size": None, "is_page_heading": False,
               **options}
    ours = render(OURS["textarea"], **context)
    assert shape(ours) == shape(render(LIBRARY["textarea"], **context))
    if form is VALID and name == "account":
        # What the user typed comes back, escaped.
        assert "Line 1\n&lt;b&gt;2&lt;/b&gt;</textarea>" in ours


@pytest.mark.parametrize("form", [EMPTY, VALID, INVALID], ids=["empty", "filled", "with errors"])
@pytest.mark.parametrize(("name", "options"), [
    ("factors", {}), ("documents", {}), ("factors", {"legend": "Which factors?", "hint": "Any number", "legend_size": "m"}),
])
def test_checkboxes_markup_matches_the_nhsuk_library(form, name, options):
    context = {"field": form[name], "legend": None, "hint": None, "legend_size": "s", **options}
    ours = render(OURS["checkboxes"], **context)
    assert shape(ours) == shape(render(LIBRARY["checkboxes"], **context))
    if form is VALID and name == "factors":
        assert ours.count(" checked") == 2


@pytest.mark.parametrize(("text", "classes"), [("Save", ""), ("Apply filters", "nhsuk-button--secondary")])
def test_submit_button_markup_matches_the_nhsuk_library(text, classes):
    assert shape(render(OURS["submit"], text=text, classes=classes)) == shape(
        render(LIBRARY["submit"], text=text, classes=classes))


@pytest.mark.parametrize(("previous", "following"), [
    ({"href": "?q=a&page=1", "labelText": "Page 1 of 3"}, {"href": "?q=a&page=3", "labelText": "Page 3 of 3"}),
    ({"href": "?page=40", "labelText": "Page 40"}, None),
    (None, {"href": "?page=2", "labelText": "Page 2"}),
])
def test_pagination_markup_matches_the_nhsuk_library(previous, following):
    library = render("""{%- from "nhsuk/components/pagination/macro.jinja" import pagination -%}
{{ pagination({"ariaLabel": "Pages of cases", "previous": previous, "next": following}) }}""",
                     previous=previous or {}, following=following or {})
    ours = render("""{%- from "_pagination.jinja" import pagination -%}
{{ pagination("Pages of cases", previous=previous, next=following) }}""", previous=previous, following=following)
    assert shape(ours) == shape(library)
    assert ours.count('rel="prev"') == (1 if previous else 0) and ours.count('rel="next"') == (1 if following else 0)


def test_skip_link_matches_the_nhsuk_library(handler_client):
    library = render("""{%- from "nhsuk/components/skip-link/macro.jinja" import skipLink -%}
{{ skipLink({"href": "#maincontent", "text": "Skip to main content"}) }}""")
    page = handler_client.get("/cases/").content.decode()
    ours = page[page.index('<a class="nhsuk-skip-link"'):]
    ours = ours[: ours.index("</a>") + 4]
    assert shape(ours) == shape(library)
