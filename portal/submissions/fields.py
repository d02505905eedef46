"""What a template needs to draw a form page and a 'check your answers' list, from the catalog's field specs.

Questions revealed by a choice on the same page (show_if on a radio, yes/no or checkbox question) are drawn inside
that choice, as GOV.UK's conditional reveal: CSS hides them until the choice is made, and without CSS (or in an old
browser) they are simply all shown. The server decides what was asked from what was posted, so no JavaScript is
needed either way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from portal.catalog.model import EMPTY_TEXT, Form, FormField, FormPage, Shown, Text
from portal.i18n import _, format_date

from .parsing import DATE_PARTS
from .uploads import KIND_NAMES, accepted_kinds
from .validation import input_id, is_visible

INPUT_MODES = {"number": "decimal", "phone": "tel", "email": "email"}
REVEALING = ("radio", "yesno", "checkboxes")


@dataclass
class OptionView:
    value: str
    label: Shown
    input_id: str
    checked: bool
    revealed: list[FieldView] = field(default_factory=list)


@dataclass
class FieldView:
    spec: FormField
    label: Shown
    hint: Shown | None
    value: Any
    error: str = ""
    options: list[OptionView] = field(default_factory=list)
    heading: bool = False  # the only question on its page: its label is the page's h1

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def type(self) -> str:
        return self.spec.type

    @property
    def input_id(self) -> str:
        return input_id(self.spec)

    @property
    def optional(self) -> bool:
        return not self.spec.required

    @property
    def inputmode(self) -> str:
        return INPUT_MODES.get(self.spec.type, "")

    @property
    def accept(self) -> str:
        kinds = accepted_kinds(self.spec.accept)
        return ",".join("." + k for k in kinds) + (",.jpeg" if "jpg" in kinds else "")

    @property
    def accepted_names(self) -> str:
        return ", ".join(KIND_NAMES.get(k, k.upper()) for k in accepted_kinds(self.spec.accept))

    @property
    def max_size_text(self) -> str:
        size = self.spec.max_size_mb
        return str(int(size)) if size == int(size) else f"{size:g}"

    @property
    def describedby(self) -> str:
        ids = []
        if self.hint:
            ids.append(f"f-{self.id}-hint")
        if self.error:
            ids.append(f"f-{self.id}-error")
        return " ".join(ids)

    def part(self, name: str) -> str:
        return str(self.value.get(name, "")) if isinstance(self.value, dict) else ""

    @property
    def date_parts(self) -> tuple[str, ...]:
        return DATE_PARTS


def _shown(text: Text, locale: str) -> Shown | None:
    return text.get(locale) if text.values else None


def _options(f: FormField, locale: str, value: Any) -> list[OptionView]:
    chosen = value if isinstance(value, list) else [value]
    if f.type == "yesno":
        pairs = [("yes", Shown(_("Yes"), locale, False)), ("no", Shown(_("No"), locale, False))]
    else:
        pairs = [(o.value, o.label.get(locale)) for o in f.options]
    return [OptionView(v, label, f"f-{f.id}-{i}", v in chosen) for i, (v, label) in enumerate(pairs)]


def page_view(
    form: Form,
    page: FormPage,
    locale: str,
    values: Mapping[str, Any],
    answers: Mapping[str, Any],
    errors: Mapping[str, str] | None = None,
) -> list[FieldView]:
    """The questions of a page, in order; `values` are what to show in the inputs (raw), `answers` the stored ones."""
    errors = errors or {}
    on_page = {f.id: f for f in page.fields}
    views: dict[str, FieldView] = {}
    top: list[FieldView] = []
    for f in page.fields:
        controller = on_page.get(f.show_if.field) if f.show_if else None
        if f.show_if and controller is None and not is_visible(form, f, answers):
            continue  # decided by an answer on an earlier page
        value = values.get(f.id)
        view = FieldView(f, f.label.get(locale), _shown(f.hint, locale), value, errors.get(f.id, ""))
        if f.type in REVEALING:
            view.options = _options(f, locale, value)
        views[f.id] = view
        parent = views.get(controller.id) if controller is not None and controller.type in REVEALING else None
        option = next((o for o in parent.options if f.show_if and o.value == f.show_if.equals), None) if parent else None
        if option is not None:
            option.revealed.append(view)
        else:
            top.append(view)
    if len(top) == 1 and len(views) == 1:
        top[0].heading = True
    return top


def raw_from_answer(f: FormField, value: Any) -> Any:
    """A stored answer as the inputs show it (a date back into day, month and year)."""
    if value is None:
        return None
    if f.type == "date" and isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            return None
        return {"day": str(day.day), "month": str(day.month), "year": str(day.year)}
    return value


def prefill_value(f: FormField, profile: Mapping[str, Any]) -> Any:
    """The signed-in resident's profile value for a field with `prefill`, shaped like the field's input."""
    if not f.prefill:
        return None
    value = profile.get(f.prefill)
    if f.type == "address" or f.prefill == "address":
        return address_from_profile(value) if f.type == "address" else _address_text(value)
    return str(value) if value else None


def address_from_profile(value: Any) -> dict[str, str] | None:
    """OpenID Connect's address claim (street_address, locality, region, postal_code) -> the address inputs."""
    if not isinstance(value, Mapping):
        return None
    street = str(value.get("street_address") or value.get("line1") or "").splitlines()
    line2 = value.get("line2") or (" ".join(street[1:]) if len(street) > 1 else "")
    return {
        "line1": street[0] if street else "",
        "line2": str(line2),
        "city": str(value.get("locality") or value.get("city") or ""),
        "state": str(value.get("region") or value.get("state") or ""),
        "postal_code": str(value.get("postal_code") or ""),
    }


def _address_text(value: Any) -> str | None:
    parts = address_from_profile(value)
    if parts is None:
        return str(value) if value else None
    return ", ".join(p for p in parts.values() if p) or None


# ---- check your answers, receipts, emails --------------------------------------------------------------------


def answer_lines(f: FormField, value: Any, locale: str) -> list[str]:
    """An answer as a person reads it: option labels, a long date, address lines, a file's name."""
    if value in (None, "", [], {}):
        return []
    if f.type == "yesno":
        return [_("Yes") if value == "yes" else _("No")]
    if f.type in ("select", "radio", "checkboxes"):
        labels = {o.value: o.label.get(locale).text for o in f.options}
        chosen = value if isinstance(value, list) else [value]
        return [labels.get(str(v), str(v)) for v in chosen]
    if f.type == "date":
        try:
            return [str(format_date(dt.date.fromisoformat(value), "long"))]
        except Exception:  # outside a request: ISO dates are still readable
            return [str(value)]
    if f.type == "address" and isinstance(value, dict):
        return [str(value[p]) for p in ("line1", "line2", "city", "state", "postal_code") if value.get(p)]
    if f.type == "file" and isinstance(value, dict):
        return [str(value.get("filename", ""))]
    return str(value).splitlines() or [str(value)]


@dataclass(frozen=True)
class AnswerRow:
    page: FormPage
    spec: FormField
    label: Shown
    lines: list[str]
    anchor: str


def answer_rows(form: Form, answers: Mapping[str, Any], locale: str) -> list[AnswerRow]:
    """Every asked question with its answer, in form order (unanswered optional questions included)."""
    rows = []
    for page in form.pages:
        for f in page.fields:
            if is_visible(form, f, answers):
                rows.append(AnswerRow(page, f, f.label.get(locale), answer_lines(f, answers.get(f.id), locale), input_id(f)))
    return rows


def answer_sections(form: Form, answers: Mapping[str, Any], locale: str) -> list[tuple[FormPage, list[AnswerRow]]]:
    """The rows grouped by step, in the order the resident answered them."""
    sections: list[tuple[FormPage, list[AnswerRow]]] = []
    for row in answer_rows(form, answers, locale):
        if not sections or sections[-1][0] is not row.page:
            sections.append((row.page, []))
        sections[-1][1].append(row)
    return sections


def page_title(page: FormPage, locale: str) -> Shown:
    return (page.title if page.title.values else EMPTY_TEXT).get(locale)
