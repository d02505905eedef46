"""Checking what a resident entered against the catalog's field specs.

Two steps per field: `parsing.parse` turns what was posted into a clean answer (or a 'type' error), `check`
applies the rules (required, pattern, min/max, options) to a clean answer. Stored answers are checked again before a
form is sent, so an answer that was right yesterday ('today or later') is not sent wrong today. Also here: which
questions are asked (`show_if`) and where an error links to.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from portal.catalog.model import Form, FormField, FormPage
from portal.i18n import _, format_date

from .parsing import (
    ADDRESS_PARTS,
    DATE_PARTS,
    YES_NO,
    Invalid,
    NewFile,
    Posted,
    as_number,
    label_of,
    parse,
    required_message,
    shown_number,
)

TEXT_MAX = 500
TEXTAREA_MAX = 10_000


@dataclass(frozen=True)
class FieldError:
    field: str
    rule: str
    message: str
    anchor: str  # id of the input the error summary links to


@dataclass
class PageResult:
    answers: dict[str, Any]  # clean answers of the visible fields of this page
    hidden: list[str]  # fields of this page that are not asked (show_if)
    errors: list[FieldError]
    raw: dict[str, Any]  # what the resident typed, shown back in the inputs when there are errors
    files: dict[str, NewFile]

    cleared: list[str] = field(default_factory=list)  # fields of this page whose stored answer must go

    @property
    def ok(self) -> bool:
        return not self.errors


# ---- anchors and input names -------------------------------------------------------------------------------


def input_id(f: FormField, part: str = "") -> str:
    """The HTML id of a field's (first) input; the error summary links here."""
    if part:
        return f"f-{f.id}-{part}"
    if f.type == "date":
        return f"f-{f.id}-day"
    if f.type == "address":
        return f"f-{f.id}-line1"
    if f.type in ("radio", "checkboxes", "yesno"):
        return f"f-{f.id}-0"
    return f"f-{f.id}"


# ---- visibility (show_if) ------------------------------------------------------------------------------------


def is_visible(form: Form, f: FormField, answers: Mapping[str, Any], _depth: int = 0) -> bool:
    """Whether the question is asked, given the answers so far (a question hidden by a hidden question is hidden)."""
    if f.show_if is None:
        return True
    controller = next((c for c in form.fields() if c.id == f.show_if.field), None)
    if controller is None or _depth > 20 or not is_visible(form, controller, answers, _depth + 1):
        return False
    value = answers.get(controller.id)
    if isinstance(value, list):
        return f.show_if.equals in value
    return value == f.show_if.equals


def visible_pages(form: Form, answers: Mapping[str, Any]) -> list[FormPage]:
    return [p for p in form.pages if any(is_visible(form, f, answers) for f in p.fields)]


# ---- messages ------------------------------------------------------------------------------------------------


def message(f: FormField, rule: str, locale: str, default: str) -> str:
    """The agency's own message for this rule in the resident's language, else the portal's default."""
    custom = f.errors.get(rule)
    if custom is not None and custom.values:
        return custom.get(locale).text
    return default


def _bound_date(bound: Any, today: dt.date) -> dt.date | None:
    if bound == "today":
        return today
    if isinstance(bound, dt.datetime):
        return bound.date()
    if isinstance(bound, dt.date):
        return bound
    try:
        return dt.date.fromisoformat(str(bound))
    except ValueError:
        return None


def _shown_date(day: dt.date) -> str:
    try:
        return str(format_date(day, "long"))
    except Exception:  # outside a request (CLI, tests): ISO is still readable
        return day.isoformat()


# ---- check: rules on a clean answer --------------------------------------------------------------------------


def check(f: FormField, value: Any, locale: str, today: dt.date) -> None:
    """Raise Invalid when a clean answer breaks a rule of its field."""
    label = label_of(f, locale)
    if value in (None, "", [], {}):
        if f.required:
            raise Invalid("required", required_message(f, locale))
        return
    if f.type in ("text", "textarea", "email", "phone"):
        text = str(value)
        longest = int(f.max) if isinstance(f.max, int | float) else (TEXTAREA_MAX if f.type == "textarea" else TEXT_MAX)
        if f.type in ("text", "textarea") and isinstance(f.min, int | float) and len(text) < f.min:
            raise Invalid("min", _("%(label)s must be %(count)s characters or more", label=label, count=shown_number(f.min)))
        if len(text) > longest:
            raise Invalid("max", _("%(label)s must be %(count)s characters or fewer", label=label, count=longest))
        if f.pattern and not re.search(f.pattern, text):
            raise Invalid("pattern", _("%(label)s is not in the right format", label=label))
    elif f.type == "number":
        number = as_number(value)
        if number is None:
            raise Invalid("type", _("%(label)s must be a number", label=label))
        if f.min is not None and (low := as_number(f.min)) is not None and number < low:
            raise Invalid("min", _("%(label)s must be %(min)s or more", label=label, min=shown_number(f.min)))
        if f.max is not None and (high := as_number(f.max)) is not None and number > high:
            raise Invalid("max", _("%(label)s must be %(max)s or less", label=label, max=shown_number(f.max)))
    elif f.type == "date":
        _check_date(f, str(value), label, today)
    elif f.type in ("select", "radio"):
        if value not in {o.value for o in f.options}:
            raise Invalid("type", _("Select one of the options for: %(label)s", label=label))
    elif f.type == "yesno":
        if value not in YES_NO:
            raise Invalid("type", _("Select yes or no for: %(label)s", label=label))
    elif f.type == "checkboxes":
        chosen = value if isinstance(value, list) else [value]
        if isinstance(f.min, int | float) and len(chosen) < f.min:
            raise Invalid("min", _("Select at least %(count)s options for: %(label)s", label=label, count=shown_number(f.min)))
        if isinstance(f.max, int | float) and len(chosen) > f.max:
            raise Invalid("max", _("Select no more than %(count)s options for: %(label)s", label=label, count=shown_number(f.max)))


def _check_date(f: FormField, value: str, label: str, today: dt.date) -> None:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise Invalid("type", _("%(label)s must be a real date", label=label)) from None
    low = _bound_date(f.min, today) if f.min is not None else None
    high = _bound_date(f.max, today) if f.max is not None else None
    if low is not None and day < low:
        if f.min == "today":
            raise Invalid("min", _("%(label)s must be today or in the future", label=label))
        raise Invalid("min", _("%(label)s must be the same as or after %(date)s", label=label, date=_shown_date(low)))
    if high is not None and day > high:
        if f.max == "today":
            raise Invalid("max", _("%(label)s must be today or in the past", label=label))
        raise Invalid("max", _("%(label)s must be the same as or before %(date)s", label=label, date=_shown_date(high)))


# ---- pages and whole forms ------------------------------------------------------------------------------------


def _error(f: FormField, exc: Invalid, locale: str) -> FieldError:
    return FieldError(f.id, exc.rule, message(f, exc.rule, locale, exc.message), input_id(f, exc.part))


def validate_page(
    form: Form, page: FormPage, posted: Posted, answers: Mapping[str, Any], locale: str, today: dt.date
) -> PageResult:
    """Parse and check one page. Questions hidden by show_if (given this page's own answers) are not required."""
    parsed: dict[str, Any] = {}
    raw: dict[str, Any] = {}
    files: dict[str, NewFile] = {}
    type_errors: dict[str, Invalid] = {}
    for f in page.fields:
        try:
            value, raw[f.id], new_file = parse(f, posted, answers.get(f.id), locale)
        except Invalid as exc:
            type_errors[f.id] = exc
            raw[f.id] = _raw_after_error(f, posted)
            continue
        parsed[f.id] = value
        if new_file is not None:
            files[f.id] = new_file
    merged = dict(answers)
    for f in page.fields:
        if parsed.get(f.id) is None:
            merged.pop(f.id, None)
        else:
            merged[f.id] = parsed[f.id]
    errors: list[FieldError] = []
    clean: dict[str, Any] = {}
    hidden: list[str] = []
    for f in page.fields:
        if not is_visible(form, f, merged):
            hidden.append(f.id)
            files.pop(f.id, None)
            continue
        if f.id in type_errors:
            errors.append(_error(f, type_errors[f.id], locale))
            continue
        value = parsed.get(f.id)
        try:
            check(f, value, locale, today)
        except Invalid as exc:
            errors.append(_error(f, exc, locale))
            files.pop(f.id, None)
            continue
        if value is not None:
            clean[f.id] = value
    cleared = [f.id for f in page.fields if f.id not in clean]  # not asked, left empty, or wrong
    return PageResult(clean, hidden, errors, raw, files, cleared)


def _raw_after_error(f: FormField, posted: Posted) -> Any:
    if f.type == "checkboxes":
        return list(posted.values.get(f.id, []))
    if f.type == "date":
        return {p: posted.one(f"{f.id}-{p}") for p in DATE_PARTS}
    if f.type == "address":
        return {p: posted.one(f"{f.id}-{p}") for p in ADDRESS_PARTS}
    if f.type == "file":
        return None
    return posted.one(f.id)


def check_answers(form: Form, answers: Mapping[str, Any], locale: str, today: dt.date) -> dict[str, list[FieldError]]:
    """Every rule on every asked question, by page id; an empty dict means the form can be sent."""
    problems: dict[str, list[FieldError]] = {}
    for page in form.pages:
        for f in page.fields:
            if not is_visible(form, f, answers):
                continue
            try:
                check(f, answers.get(f.id), locale, today)
                _check_stored_shape(f, answers.get(f.id), locale)
            except Invalid as exc:
                problems.setdefault(page.id, []).append(_error(f, exc, locale))
    return problems


def _check_stored_shape(f: FormField, value: Any, locale: str) -> None:
    """A stored answer must still fit its field (the catalog may have changed while the resident was away)."""
    if value is None:
        return
    ok = {
        "checkboxes": isinstance(value, list),
        "address": isinstance(value, dict),
        "file": isinstance(value, dict) and bool(value.get("upload")),
    }.get(f.type, isinstance(value, str))
    if not ok:
        raise Invalid("type", required_message(f, locale))


def asked_answers(form: Form, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Only the answers to questions that are asked, in form order (what is sent to the agency)."""
    return {f.id: answers[f.id] for f in form.fields() if f.id in answers and is_visible(form, f, answers)}
