"""Reading the forms of a page the way a browser does: every field with its current value, so a
test can fill in some fields and send the rest as a browser would."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

#: Input types a person types free text into.
TEXT_TYPES = {"text", "search", "email", "tel", "url", ""}


@dataclass
class Field:
    tag: str  # input, textarea or select
    type: str
    name: str
    value: str = ""
    checked: bool = False
    options: list[tuple[str, bool]] = field(default_factory=list)  # (value, selected) for a select
    maxlength: int | None = None

    @property
    def is_free_text(self) -> bool:
        return self.tag == "textarea" or (self.tag == "input" and self.type in TEXT_TYPES)


@dataclass
class Form:
    action: str
    method: str
    fields: list[Field] = field(default_factory=list)

    def text_fields(self) -> list[Field]:
        return [f for f in self.fields if f.is_free_text and f.name]

    def data(self, fill: dict[str, str]) -> dict[str, list[str]]:
        """What a browser would send, with ``fill`` typed into the fields it names; a radio group or
        select with nothing chosen gets its first real option."""
        sent: dict[str, list[str]] = {}
        radios: dict[str, list[Field]] = {}
        for f in self.fields:
            if not f.name or f.type in {"submit", "button", "file", "reset", "image"}:
                continue
            if f.type == "radio":
                radios.setdefault(f.name, []).append(f)
            elif f.type == "checkbox":
                if f.checked:
                    sent.setdefault(f.name, []).append(f.value or "on")
            elif f.tag == "select":
                # Nothing (or the empty "choose one" option) selected: pick the first real option.
                chosen = [v for v, selected in f.options if selected and v] or [v for v, _ in f.options if v][:1]
                sent[f.name] = chosen
            else:
                sent.setdefault(f.name, []).append(f.value)
        for name, group in radios.items():
            chosen = [f.value for f in group if f.checked] or [group[0].value]
            sent[name] = chosen
        for name, value in fill.items():
            sent[name] = [value]
        return sent


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: Field | None = None
        self._select: Field | None = None
        self._option: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._form = Form(action=a.get("action", ""), method=(a.get("method") or "get").lower())
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input":
            limit = a.get("maxlength")
            self._form.fields.append(Field("input", a.get("type", "text").lower(), a.get("name", ""),
                                           a.get("value", ""), "checked" in a,
                                           maxlength=int(limit) if limit and limit.isdigit() else None))
        elif tag == "textarea":
            limit = a.get("maxlength")
            self._textarea = Field("textarea", "textarea", a.get("name", ""),
                                   maxlength=int(limit) if limit and limit.isdigit() else None)
            self._form.fields.append(self._textarea)
        elif tag == "select":
            self._select = Field("select", "select", a.get("name", ""))
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._select.options.append((a.get("value", ""), "selected" in a))
        elif tag == "button" and a.get("name"):
            self._form.fields.append(Field("button", "submit", a["name"], a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            # A browser drops the line break straight after <textarea>.
            self._textarea.value += data if self._textarea.value else data.removeprefix("\n")


def forms_of(html: str) -> list[Form]:
    parser = _Parser()
    parser.feed(html)
    return parser.forms
