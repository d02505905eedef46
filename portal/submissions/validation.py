"""Checking what a resident entered against the catalog's field specs.

Two steps per field: `parse` turns what was posted into a clean answer (or a 'type' error), `check` applies the
rules (required, pattern, min/max, options) to a clean answer. Stored answers are checked again before a form is
sent, so an answer that was right yesterday ('today or later') is not sent wrong today.

Answers are JSON values: text fields -> str; date -> 'YYYY-MM-DD'; checkboxes -> list[str];
address -> {line1, line2, city, state, postal_code}; file -> {upload, filename, kind, size}.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import NumberFormatError, parse_decimal

from portal.catalog.model import Form, FormField, FormPage
from portal.i18n import _, babel_locale_for, format_date

from .uploads import KIND_NAMES, accepted_kinds, sniff

TEXT_MAX = 500
TEXTAREA_MAX = 10_000
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")
PHONE_RE = re.compile(r"^\+?[0-9 ().\-]{7,25}$")
NUMBER_RE = re.compile(r"^-?\d+(\.\d+)?$")
NUMBER_CHARS = re.compile(r"^[-+\u2212]?[\d.,'\s\u066b\u066c]+$")
ADDRESS_PARTS = ("line1", "line2", "city", "state", "postal_code")
ADDRESS_REQUIRED = ("line1", "city", "postal_code")
DATE_PARTS = ("day", "month", "year")
YES_NO = ("yes", "no")


@dataclass(frozen=True)
class PostedFile:
    filename: str
    data: bytes


@dataclass(frozen=True)
class Posted:
    """One page as posted: form values by input name (several for checkboxes) and files by field id."""

    values: Mapping[str, list[str]]
    files: Mapping[str, PostedFile] = field(default_factory=dict)

    def one(self, name: str) -> str:
        found = self.values.get(name) or [""]
        return found[0].strip()


@dataclass(frozen=True)
class FieldError:
    field: str
    rule: str
    message: str
    anchor: str  # id of the input the error summary links to


@dataclass
class NewFile:
    """A valid file posted with the page: the caller stores it and puts its id in the answer."""

    filename: str
    data: bytes
    kind: str


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


class _Invalid(Exception):
    def __init__(self, rule: str, message: str, part: str = "") -> None:
        self.rule, self.message, self.part = rule, message, part


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


def _label(f: FormField, locale: str) -> str:
    return f.label.get(locale).text


def message(f: FormField, rule: str, locale: str, default: str) -> str:
    """The agency's own message for this rule in the resident's language, else the portal's default."""
    custom = f.errors.get(rule)
    if custom is not None and custom.values:
        return custom.get(locale).text
    return default


def _required_message(f: FormField, locale: str) -> str:
    label = _label(f, locale)
    if f.type in ("select", "radio", "yesno"):
        return _("Select an answer for: %(label)s", label=label)
    if f.type == "checkboxes":
        return _("Select at least one option for: %(label)s", label=label)
    if f.type == "date":
        return _("Enter a date for: %(label)s", label=label)
    if f.type == "file":
        return _("Choose a file for: %(label)s", label=label)
    if f.type == "address":
        return _("Enter an address for: %(label)s", label=label)
    return _("Enter an answer for: %(label)s", label=label)


def _number(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _shown_number(value: Any) -> str:
    number = _number(value)
    if number is None:
        return str(value)
    return str(int(number)) if number == number.to_integral_value() else str(number.normalize())


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


def _list_of_kinds(kinds: tuple[str, ...]) -> str:
    names = [KIND_NAMES.get(k, k.upper()) for k in kinds]
    if len(names) == 1:
        return names[0]
    return _("%(first)s or %(last)s", first=", ".join(names[:-1]), last=names[-1])


# ---- parse: posted -> clean answer ---------------------------------------------------------------------------


def parse(f: FormField, posted: Posted, previous: Any, locale: str) -> tuple[Any, Any, NewFile | None]:
    """(clean answer or None when empty, raw value to show back, new file). Raises _Invalid on a 'type' error."""
    name = f.id
    if f.type == "checkboxes":
        chosen = [v for v in posted.values.get(name, []) if v]
        allowed = {o.value for o in f.options}
        if any(v not in allowed for v in chosen):
            raise _Invalid("type", _("Select one of the options for: %(label)s", label=_label(f, locale)))
        ordered = [o.value for o in f.options if o.value in chosen]
        return (ordered or None), ordered, None
    if f.type == "date":
        raw = {p: posted.one(f"{name}-{p}") for p in DATE_PARTS}
        return _parse_date(f, raw, locale), raw, None
    if f.type == "address":
        raw = {p: posted.one(f"{name}-{p}")[:200] for p in ADDRESS_PARTS}
        return _parse_address(f, raw, locale), raw, None
    if f.type == "file":
        return _parse_file(f, posted.files.get(name), previous, locale)
    value = posted.one(name)
    raw_value = value
    if not value:
        return None, raw_value, None
    label = _label(f, locale)
    if f.type in ("select", "radio"):
        if value not in {o.value for o in f.options}:
            raise _Invalid("type", _("Select one of the options for: %(label)s", label=label))
    elif f.type == "yesno":
        if value not in YES_NO:
            raise _Invalid("type", _("Select yes or no for: %(label)s", label=label))
    elif f.type == "email":
        if len(value) > 254 or not EMAIL_RE.match(value):
            raise _Invalid("type", _("Enter an email address in the correct format, like name@example.com"))
    elif f.type == "phone":
        digits = re.sub(r"\D", "", value)
        if not PHONE_RE.match(value) or not 7 <= len(digits) <= 15:
            raise _Invalid("type", _("Enter a phone number, like 555 010 0123 or +1 555 010 0123"))
    elif f.type == "number":
        number = parse_number(value, locale)
        if number is None:
            raise _Invalid("type", _("%(label)s must be a number", label=label))
        value = number
    return value, raw_value, None


def parse_number(text: str, locale: str) -> str | None:
    """A number as the resident writes it in their language (2,5 in Spanish; 1,000 in English) -> '2.5', '1000'."""
    if len(text) > 30 or not NUMBER_CHARS.match(text):
        return None  # digits and separators only: no 1e9, no NaN
    compact = re.sub(r"\s", "", text)
    for candidate in (text, compact):
        try:
            number = parse_decimal(candidate, locale=babel_locale_for(locale), strict=True)
        except (NumberFormatError, ValueError):
            continue
        if number.is_finite():
            return str(number)
    plain = compact.replace("\u066b", ".").replace("\u066c", "").replace("\u2212", "-")  # Arabic separators, minus
    return str(Decimal(plain)) if NUMBER_RE.match(plain) else None


def _parse_date(f: FormField, raw: dict[str, str], locale: str) -> str | None:
    label = _label(f, locale)
    given = [p for p in DATE_PARTS if raw[p]]
    if not given:
        return None
    if len(given) < 3:
        missing = next(p for p in DATE_PARTS if not raw[p])
        texts = {
            "day": _("%(label)s must include a day", label=label),
            "month": _("%(label)s must include a month", label=label),
            "year": _("%(label)s must include a year", label=label),
        }
        raise _Invalid("type", texts[missing], missing)
    try:
        day, month, year = (int(raw[p]) for p in DATE_PARTS)
        if not 1000 <= year <= 9999:
            raise ValueError
        return dt.date(year, month, day).isoformat()
    except ValueError:
        raise _Invalid("type", _("%(label)s must be a real date", label=label)) from None


def _parse_address(f: FormField, raw: dict[str, str], locale: str) -> dict[str, str] | None:
    if not any(raw.values()):
        return None
    texts = {
        "line1": _("Enter the first line of the address"),
        "city": _("Enter the town or city"),
        "postal_code": _("Enter the ZIP code"),
    }
    for part in ADDRESS_REQUIRED:
        if not raw[part]:
            raise _Invalid("required", texts[part], part)
    if not re.fullmatch(r"[0-9A-Za-z][0-9A-Za-z \-]{1,11}", raw["postal_code"]):
        raise _Invalid("type", _("Enter a real ZIP code"), "postal_code")
    return dict(raw)


def _parse_file(
    f: FormField, upload: PostedFile | None, previous: Any, locale: str
) -> tuple[Any, Any, NewFile | None]:
    if upload is None or (not upload.filename and not upload.data):
        kept = previous if isinstance(previous, dict) and previous.get("upload") else None
        return kept, kept, None
    if not upload.data:
        raise _Invalid("type", _("The selected file is empty"))
    limit = int(f.max_size_mb * 1024 * 1024)
    if len(upload.data) > limit:
        raise _Invalid("size", _("The selected file must be smaller than %(size)s MB", size=_shown_number(f.max_size_mb)))
    kinds = accepted_kinds(f.accept)
    kind = sniff(upload.data, upload.filename)
    if kind is None or kind not in kinds:
        raise _Invalid("file_type", _("The selected file must be a %(types)s", types=_list_of_kinds(kinds)))
    return {"pending": True}, None, NewFile(upload.filename, upload.data, kind)


# ---- check: rules on a clean answer --------------------------------------------------------------------------


def check(f: FormField, value: Any, locale: str, today: dt.date) -> None:
    """Raise _Invalid when a clean answer breaks a rule of its field."""
    label = _label(f, locale)
    if value in (None, "", [], {}):
        if f.required:
            raise _Invalid("required", _required_message(f, locale))
        return
    if f.type in ("text", "textarea", "email", "phone"):
        text = str(value)
        longest = int(f.max) if isinstance(f.max, int | float) else (TEXTAREA_MAX if f.type == "textarea" else TEXT_MAX)
        if f.type in ("text", "textarea") and isinstance(f.min, int | float) and len(text) < f.min:
            raise _Invalid("min", _("%(label)s must be %(count)s characters or more", label=label, count=_shown_number(f.min)))
        if len(text) > longest:
            raise _Invalid("max", _("%(label)s must be %(count)s characters or fewer", label=label, count=longest))
        if f.pattern and not re.search(f.pattern, text):
            raise _Invalid("pattern", _("%(label)s is not in the right format", label=label))
    elif f.type == "number":
        number = _number(value)
        if number is None:
            raise _Invalid("type", _("%(label)s must be a number", label=label))
        if f.min is not None and (low := _number(f.min)) is not None and number < low:
            raise _Invalid("min", _("%(label)s must be %(min)s or more", label=label, min=_shown_number(f.min)))
        if f.max is not None and (high := _number(f.max)) is not None and number > high:
            raise _Invalid("max", _("%(label)s must be %(max)s or less", label=label, max=_shown_number(f.max)))
    elif f.type == "date":
        _check_date(f, str(value), label, today)
    elif f.type in ("select", "radio"):
        if value not in {o.value for o in f.options}:
            raise _Invalid("type", _("Select one of the options for: %(label)s", label=label))
    elif f.type == "yesno":
        if value not in YES_NO:
            raise _Invalid("type", _("Select yes or no for: %(label)s", label=label))
    elif f.type == "checkboxes":
        chosen = value if isinstance(value, list) else [value]
        if isinstance(f.min, int | float) and len(chosen) < f.min:
            raise _Invalid("min", _("Select at least %(count)s options for: %(label)s", label=label, count=_shown_number(f.min)))
        if isinstance(f.max, int | float) and len(chosen) > f.max:
            raise _Invalid("max", _("Select no more than %(count)s options for: %(label)s", label=label, count=_shown_number(f.max)))


def _check_date(f: FormField, value: str, label: str, today: dt.date) -> None:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise _Invalid("type", _("%(label)s must be a real date", label=label)) from None
    low = _bound_date(f.min, today) if f.min is not None else None
    high = _bound_date(f.max, today) if f.max is not None else None
    if low is not None and day < low:
        if f.min == "today":
            raise _Invalid("min", _("%(label)s must be today or in the future", label=label))
        raise _Invalid("min", _("%(label)s must be the same as or after %(date)s", label=label, date=_shown_date(low)))
    if high is not None and day > high:
        if f.max == "today":
            raise _Invalid("max", _("%(label)s must be today or in the past", label=label))
        raise _Invalid("max", _("%(label)s must be the same as or before %(date)s", label=label, date=_shown_date(high)))


# ---- pages and whole forms ------------------------------------------------------------------------------------


def _error(f: FormField, exc: _Invalid, locale: str) -> FieldError:
    return FieldError(f.id, exc.rule, message(f, exc.rule, locale, exc.message), input_id(f, exc.part))


def validate_page(
    form: Form, page: FormPage, posted: Posted, answers: Mapping[str, Any], locale: str, today: dt.date
) -> PageResult:
    """Parse and check one page. Questions hidden by show_if (given this page's own answers) are not required."""
    parsed: dict[str, Any] = {}
    raw: dict[str, Any] = {}
    files: dict[str, NewFile] = {}
    type_errors: dict[str, _Invalid] = {}
    for f in page.fields:
        try:
            value, raw[f.id], new_file = parse(f, posted, answers.get(f.id), locale)
        except _Invalid as exc:
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
        except _Invalid as exc:
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
            except _Invalid as exc:
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
        raise _Invalid("type", _required_message(f, locale))


def asked_answers(form: Form, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Only the answers to questions that are asked, in form order (what is sent to the agency)."""
    return {f.id: answers[f.id] for f in form.fields() if f.id in answers and is_visible(form, f, answers)}
