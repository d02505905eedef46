"""The catalog as the rest of the portal sees it: frozen, fully resolved, already validated."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class Shown:
    """A piece of text chosen for a resident: the text, its language, and whether it is a fallback."""

    text: str
    lang: str
    fallback: bool

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)


@dataclass(frozen=True)
class Text:
    """Localized text: locale -> string. Always has the catalog's default locale when non-empty."""

    values: Mapping[str, str]
    default: str

    def get(self, locale: str) -> Shown:
        if locale in self.values:
            return Shown(self.values[locale], locale, False)
        if self.default in self.values:
            return Shown(self.values[self.default], self.default, True)
        for lang, value in self.values.items():
            return Shown(value, lang, True)
        return Shown("", locale, False)

    def __getitem__(self, locale: str) -> str:
        return self.get(locale).text

    def has(self, locale: str) -> bool:
        return locale in self.values

    def all(self) -> Mapping[str, str]:
        return self.values


@dataclass(frozen=True)
class TextList:
    values: Mapping[str, tuple[str, ...]]
    default: str

    def get(self, locale: str) -> tuple[tuple[str, ...], str, bool]:
        if locale in self.values:
            return self.values[locale], locale, False
        if self.default in self.values:
            return self.values[self.default], self.default, True
        return (), locale, False

    def has(self, locale: str) -> bool:
        return locale in self.values


EMPTY_TEXT = Text({}, "en")
EMPTY_LIST = TextList({}, "en")


@dataclass(frozen=True)
class Contact:
    phone: str = ""
    email: str = ""
    url: str = ""
    address: Text = EMPTY_TEXT
    hours: Text = EMPTY_TEXT

    def __bool__(self) -> bool:
        return bool(self.phone or self.email or self.url or self.address.values or self.hours.values)


@dataclass(frozen=True)
class Named:
    id: str
    name: Text
    description: Text = EMPTY_TEXT


@dataclass(frozen=True)
class Agency:
    id: str
    name: Text
    url: str
    acronym: str = ""
    description: Text = EMPTY_TEXT
    domains: tuple[str, ...] = ()
    contact: Contact = field(default_factory=Contact)


@dataclass(frozen=True)
class Redirect:
    url: Text
    type: Literal["redirect"] = "redirect"

    def start_url(self, locale: str) -> str:
        return self.url.get(locale).text.replace("{lang}", locale)


@dataclass(frozen=True)
class Info:
    type: Literal["info"] = "info"


@dataclass(frozen=True)
class Option:
    value: str
    label: Text


@dataclass(frozen=True)
class ShowIf:
    field: str
    equals: str


@dataclass(frozen=True)
class FormField:
    id: str
    type: str
    label: Text
    hint: Text = EMPTY_TEXT
    required: bool = False
    autocomplete: str = ""
    prefill: str = ""
    pattern: str = ""
    min: float | str | None = None
    max: float | str | None = None
    options: tuple[Option, ...] = ()
    show_if: ShowIf | None = None
    accept: tuple[str, ...] = ()
    max_size_mb: float = 5.0
    errors: Mapping[str, Text] = field(default_factory=dict)


@dataclass(frozen=True)
class FormPage:
    id: str
    title: Text
    fields: tuple[FormField, ...]
    description: Text = EMPTY_TEXT


@dataclass(frozen=True)
class DeliverTo:
    webhook_url: str = ""
    secret_env: str = ""
    email_to: str = ""


@dataclass(frozen=True)
class Form:
    reference_prefix: str
    deliver_to: DeliverTo
    pages: tuple[FormPage, ...]
    retention_days: int = 90
    type: Literal["form"] = "form"

    def fields(self) -> tuple[FormField, ...]:
        return tuple(f for page in self.pages for f in page.fields)


Delivery = Redirect | Info | Form


@dataclass(frozen=True)
class Service:
    id: str
    agency: str
    title: Text
    summary: Text
    delivery: Delivery
    description: Text = EMPTY_TEXT
    keywords: TextList = EMPTY_LIST
    categories: tuple[str, ...] = ()
    life_events: tuple[str, ...] = ()
    audience: Text = EMPTY_TEXT
    eligibility: Text = EMPTY_TEXT
    documents: TextList = EMPTY_LIST
    fees: Text = EMPTY_TEXT
    processing_time: Text = EMPTY_TEXT
    contact: Contact = field(default_factory=Contact)
    sign_in: str = "none"
    acr: str = ""
    status: str = "active"
    owner: str = ""
    last_reviewed: dt.date | None = None

    @property
    def active(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True)
class Catalog:
    name: Text
    default_locale: str
    locales: tuple[str, ...]
    agencies: Mapping[str, Agency]
    services: Mapping[str, Service]
    categories: Mapping[str, Named]
    life_events: Mapping[str, Named]
    synonyms: Mapping[str, tuple[tuple[str, ...], ...]]
    best_bets: Mapping[str, Mapping[str, tuple[str, ...]]]
    files: tuple[str, ...]
    digest: str  # sha256 of every file's bytes: identifies this exact catalog (index staleness, caching)

    def services_of(self, agency_id: str) -> list[Service]:
        return [s for s in self.services.values() if s.agency == agency_id]

    def contact_for(self, service: Service) -> Contact:
        return service.contact if service.contact else self.agencies[service.agency].contact
