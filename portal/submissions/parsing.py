"""The first step of checking a page: what was posted -> a clean answer per field, or a 'type' error.

Answers are JSON values: text fields -> str; date -> 'YYYY-MM-DD'; checkboxes -> list[str];
address -> {line1, line2, city, state, postal_code}; file -> {upload, filename, kind, size}. The rules on a clean
answer (required, pattern, min/max) are `validation.check`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import NumberFormatError, parse_decimal

from portal.catalog.model import FormField
from portal.i18n import _, babel_locale_for

from .uploads import KIND_NAMES, accepted_kinds, sniff

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


@dataclass
class NewFile:
    """A valid file posted with the page: the caller stores it and puts its id in the answer."""

    filename: str
    data: bytes
    kind: str


class Invalid(Exception):
    """A posted or stored answer breaks `rule`; `part`: which input of the field (a date's day, say)."""

    def __init__(self, rule: str, message: str, part: str = "") -> None:
        self.rule, self.message, self.part = rule, message, part


# ---- messages and shown values --------------------------------------------------------------------------


def label_of(f: FormField, locale: str) -> str:
    return f.label.get(locale).text


def required_message(f: FormField, locale: str) -> str:
    label = label_of(f, locale)
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


def as_number(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def shown_number(value: Any) -> str:
    number = as_number(value)
    if number is None:
        return str(value)
    return str(int(number)) if number == number.to_integral_value() else str(number.normalize())


def _list_of_kinds(kinds: tuple[str, ...]) -> str:
    names = [KIND_NAMES.get(k, k.upper()) for k in kinds]
    if len(names) == 1:
        return names[0]
    return _("%(first)s or %(last)s", first=", ".join(names[:-1]), last=names[-1])


# ---- parse: posted -> clean answer ---------------------------------------------------------------------------


def parse(f: FormField, posted: Posted, previous: Any, locale: str) -> tuple[Any, Any, NewFile | None]:
    """(clean answer or None when empty, raw value to show back, new file). Raises Invalid on a 'type' error."""
    name = f.id
    if f.type == "checkboxes":
        chosen = [v for v in posted.values.get(name, []) if v]
        allowed = {o.value for o in f.options}
        if any(v not in allowed for v in chosen):
            raise Invalid("type", _("Select one of the options for: %(label)s", label=label_of(f, locale)))
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
    label = label_of(f, locale)
    if f.type in ("select", "radio"):
        if value not in {o.value for o in f.options}:
            raise Invalid("type", _("Select one of the options for: %(label)s", label=label))
    elif f.type == "yesno":
        if value not in YES_NO:
            raise Invalid("type", _("Select yes or no for: %(label)s", label=label))
    elif f.type == "email":
        if len(value) > 254 or not EMAIL_RE.match(value):
            raise Invalid("type", _("Enter an email address in the correct format, like name@example.com"))
    elif f.type == "phone":
        digits = re.sub(r"\D", "", value)
        if not PHONE_RE.match(value) or not 7 <= len(digits) <= 15:
            raise Invalid("type", _("Enter a phone number, like 555 010 0123 or +1 555 010 0123"))
    elif f.type == "number":
        number = parse_number(value, locale)
        if number is None:
            raise Invalid("type", _("%(label)s must be a number", label=label))
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
    label = label_of(f, locale)
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
        raise Invalid("type", texts[missing], missing)
    try:
        day, month, year = (int(raw[p]) for p in DATE_PARTS)
        if not 1000 <= year <= 9999:
            raise ValueError
        return dt.date(year, month, day).isoformat()
    except ValueError:
        raise Invalid("type", _("%(label)s must be a real date", label=label)) from None


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
            raise Invalid("required", texts[part], part)
    if not re.fullmatch(r"[0-9A-Za-z][0-9A-Za-z \-]{1,11}", raw["postal_code"]):
        raise Invalid("type", _("Enter a real ZIP code"), "postal_code")
    return dict(raw)


def _parse_file(
    f: FormField, upload: PostedFile | None, previous: Any, locale: str
) -> tuple[Any, Any, NewFile | None]:
    if upload is None or (not upload.filename and not upload.data):
        kept = previous if isinstance(previous, dict) and previous.get("upload") else None
        return kept, kept, None
    if not upload.data:
        raise Invalid("type", _("The selected file is empty"))
    limit = int(f.max_size_mb * 1024 * 1024)
    if len(upload.data) > limit:
        raise Invalid("size", _("The selected file must be smaller than %(size)s MB", size=shown_number(f.max_size_mb)))
    kinds = accepted_kinds(f.accept)
    kind = sniff(upload.data, upload.filename)
    if kind is None or kind not in kinds:
        raise Invalid("file_type", _("The selected file must be a %(types)s", types=_list_of_kinds(kinds)))
    return {"pending": True}, None, NewFile(upload.filename, upload.data, kind)
