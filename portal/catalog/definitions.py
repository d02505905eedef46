"""What a catalog file may contain: the one definition behind both `portal validate` and `portal schema`.

Names follow Open Referral HSDS and schema.org GovernmentService where they overlap (see docs/catalog-format.md).
"""

from __future__ import annotations

import re
from typing import Any

from .shapes import Field, ListOf, Localized, MapOf, Obj, Tagged
from .spec import FIELD_ID_RE, LOCALE_RE, SLUG_RE, Bool, Date, Number, Scalar, Str

SLUG_HINT = "a lower-case slug like 'renew-license' (letters, digits and single hyphens)"
FIELD_TYPES = (
    "text",
    "textarea",
    "email",
    "phone",
    "number",
    "date",
    "select",
    "radio",
    "checkboxes",
    "yesno",
    "address",
    "file",
)
PREFILL_CLAIMS = ("name", "given_name", "family_name", "email", "phone", "address")
ERROR_RULES = ("required", "pattern", "min", "max", "type", "size", "file_type")


def slug(description: str, *, ref: str = "") -> Str:
    return Str(description, pattern=SLUG_RE, pattern_hint=SLUG_HINT, max_length=80, ref=ref)


def text(description: str, **kwargs: Any) -> Localized:
    return Localized(Str(**kwargs), description)


def text_list(description: str) -> Localized:
    return Localized(ListOf(Str()), description)


https_url = Str("An https:// address.", fmt="https-url")

contact = Obj(
    {
        "phone": Field(Str("Phone number, e.g. +1 555 0100.", max_length=40)),
        "email": Field(Str("Email address.", fmt="email")),
        "url": Field(Str("Contact page (https).", fmt="https-url")),
        "address": Field(text("Postal or visiting address.")),
        "hours": Field(text("Opening hours, e.g. 'Monday to Friday, 8am to 5pm'.")),
    },
    "How residents reach a person (HSDS phone/contact/address, schema.org ContactPoint).",
    name="contact",
)

portal_block = Obj(
    {
        "name": Field(text("The site's name, shown in every page header.")),
        "default_locale": Field(
            Str("Language of plain (unlocalized) text; default 'en'.", pattern=LOCALE_RE, pattern_hint="a language tag")
        ),
        "locales": Field(
            ListOf(
                Str(pattern=LOCALE_RE, pattern_hint="a language tag like en, es or zh-Hans"),
                "Languages the site offers (BCP 47 tags); default [en].",
                min_items=1,
                unique=True,
            )
        ),
    },
    "Site-wide settings; only in the top file.",
    name="portal",
)

named_entry = Obj(
    {
        "id": Field(slug("Stable identifier used in references and URLs."), required=True),
        "name": Field(text("Name shown to residents."), required=True),
        "description": Field(text("One sentence shown under the name.")),
    },
    name="entry",
)

agency = Obj(
    {
        "id": Field(slug("Stable identifier; appears in /agencies/<id>."), required=True),
        "name": Field(text("Official name (schema.org name)."), required=True),
        "acronym": Field(Str("Short name residents know, e.g. DMV (searchable).", max_length=20)),
        "url": Field(Str("The agency's home page (https).", fmt="https-url"), required=True),
        "description": Field(text("What the agency does, in a sentence or two.")),
        "domains": Field(
            ListOf(
                Str(fmt="hostname"),
                "Host names this agency's services may send residents to; subdomains are included.",
                unique=True,
            )
        ),
        "contact": Field(contact),
    },
    "A government agency (HSDS organization, schema.org GovernmentOrganization).",
    name="agency",
)

option = Obj(
    {
        "value": Field(Str("The value stored and sent to the agency.", max_length=100), required=True),
        "label": Field(text("What the resident sees."), required=True),
    },
    name="option",
)

form_field = Obj(
    {
        "id": Field(
            Str(
                "Field name sent to the agency (snake_case).",
                pattern=FIELD_ID_RE,
                pattern_hint="a snake_case name like 'date_of_birth'",
                max_length=60,
            ),
            required=True,
        ),
        "type": Field(Str("Kind of answer.", enum=FIELD_TYPES), required=True),
        "label": Field(text("The question."), required=True),
        "hint": Field(text("Help shown under the question.")),
        "required": Field(Bool("The resident must answer (default false).")),
        "autocomplete": Field(Str("HTML autocomplete token, e.g. 'name', 'email', 'bday'.", max_length=60)),
        "prefill": Field(Str("Prefill from the signed-in resident's profile.", enum=PREFILL_CLAIMS)),
        "pattern": Field(Str("Regular expression the answer must match (text, phone).", fmt="regex")),
        "min": Field(Scalar("Minimum: a number, a length (text) or a date / 'today' (date).")),
        "max": Field(Scalar("Maximum: a number, a length (text) or a date / 'today' (date).")),
        "options": Field(ListOf(option, "Choices for select, radio and checkboxes.", min_items=1)),
        "show_if": Field(
            Obj(
                {
                    "field": Field(Str("Id of an earlier field.", pattern=FIELD_ID_RE), required=True),
                    "equals": Field(Str("Show only when that field has this value."), required=True),
                },
                "Ask this question only when an earlier answer matches.",
                name="show_if",
            )
        ),
        "accept": Field(
            ListOf(
                Str(enum=("pdf", "jpg", "jpeg", "png", "gif", "heic", "txt", "doc", "docx", "odt")),
                "File types accepted (file fields).",
                min_items=1,
            )
        ),
        "max_size_mb": Field(Number("Largest file accepted, in MB (file fields; default 5).", minimum=0.01)),
        "errors": Field(
            Obj(
                {rule: Field(text(f"Message when the '{rule}' rule fails.")) for rule in ERROR_RULES},
                "Custom error messages, per rule.",
                name="errors",
            )
        ),
    },
    "One question on a form page.",
    name="form field",
)

form_page = Obj(
    {
        "id": Field(slug("Step identifier, used in the step's URL."), required=True),
        "title": Field(text("The page heading."), required=True),
        "description": Field(text("Short text under the heading.")),
        "fields": Field(ListOf(form_field, "Questions on this page.", min_items=1), required=True),
    },
    "One step of a hosted form.",
    name="form page",
)

deliver_to = Obj(
    {
        "webhook": Field(
            Obj(
                {
                    "url": Field(
                        Str("HTTPS endpoint receiving the JSON submission (http only to loopback)."),
                        required=True,
                    ),
                    "secret_env": Field(
                        Str(
                            "Name of the environment variable holding the HMAC-SHA256 signing secret.",
                            pattern=re.compile(r"^[A-Z][A-Z0-9_]*$"),
                            pattern_hint="an environment variable name like PORTAL_WEBHOOK_SECRET_DMV",
                        ),
                        required=True,
                    ),
                },
                name="webhook",
            )
        ),
        "email": Field(
            Obj({"to": Field(Str("Agency mailbox.", fmt="email"), required=True)}, name="email delivery")
        ),
    },
    "Where submissions go: exactly one of webhook or email.",
    name="deliver_to",
)

delivery = Tagged(
    {
        "redirect": Obj(
            {
                "type": Field(Str(enum=("redirect",)), required=True),
                "url": Field(
                    Localized(https_url, "The agency's online service; may contain {lang}."), required=True
                ),
            },
            "Send the resident to the agency's own online service.",
            name="redirect delivery",
        ),
        "form": Obj(
            {
                "type": Field(Str(enum=("form",)), required=True),
                "reference_prefix": Field(
                    Str(
                        "First part of the reference residents quote, e.g. DMV.",
                        pattern=re.compile(r"^[A-Z]{2,5}$"),
                        pattern_hint="2 to 5 capital letters",
                    ),
                    required=True,
                ),
                "deliver_to": Field(deliver_to, required=True),
                "retention_days": Field(
                    Number("Days a delivered submission is kept before deletion (default 90).", integer=True, minimum=1)
                ),
                "pages": Field(ListOf(form_page, "The steps of the form.", min_items=1), required=True),
            },
            "A form hosted by the portal; submissions are delivered to the agency.",
            name="form delivery",
        ),
        "info": Obj(
            {"type": Field(Str(enum=("info",)), required=True)},
            "Information only; the page tells residents how to get the service.",
            name="info delivery",
        ),
    },
    "How residents get the service.",
)

service = Obj(
    {
        "id": Field(slug("Stable identifier, unique across all files; appears in /services/<id>."), required=True),
        "agency": Field(slug("Id of the agency that runs this service.", ref="agency"), required=True),
        "title": Field(text("What the resident can do, as a verb phrase (schema.org name).", max_length=200), required=True),
        "summary": Field(text("One or two sentences shown in search results.", max_length=600), required=True),
        "description": Field(text("Longer text in Markdown (sanitized on render).")),
        "keywords": Field(text_list("Words residents use that are not in the title (searchable).")),
        "categories": Field(ListOf(slug("A category id.", ref="category"), unique=True)),
        "life_events": Field(ListOf(slug("A life event id.", ref="life_event"), unique=True)),
        "audience": Field(text("Who the service is for (schema.org audience).")),
        "eligibility": Field(text("Who can use it (HSDS eligibility_description).")),
        "documents": Field(text_list("What the resident needs (HSDS required_document).")),
        "fees": Field(text("What it costs (HSDS fees_description).")),
        "processing_time": Field(text("How long it takes.")),
        "contact": Field(contact),
        "sign_in": Field(Str("Whether residents sign in: none, optional or required.", enum=("none", "optional", "required"))),
        "acr": Field(Str("Authentication assurance (OIDC acr value) the service needs.")),
        "status": Field(Str("active or inactive.", enum=("active", "inactive"))),
        "owner": Field(Str("Email of the person who keeps this entry right.", fmt="email")),
        "last_reviewed": Field(Date("When the entry was last checked (YYYY-MM-DD).")),
        "delivery": Field(delivery, required=True),
    },
    "A service residents can use (HSDS service, schema.org GovernmentService).",
    name="service",
)

CATALOG_FILE = Obj(
    {
        "portal": Field(portal_block),
        "include": Field(ListOf(Str("A file or glob, relative to this file."), "More catalog files to read.")),
        "categories": Field(ListOf(named_entry, "Topics services are grouped under.")),
        "life_events": Field(ListOf(named_entry, "Moments in life services are grouped under.")),
        "agencies": Field(ListOf(agency, "Agencies.")),
        "services": Field(ListOf(service, "Services.")),
        "synonyms": Field(
            MapOf(
                Str(pattern=LOCALE_RE, pattern_hint="a language tag"),
                ListOf(ListOf(Str(), min_items=2)),
                "Per language, sets of equivalent search terms, e.g. [food stamps, snap, ebt].",
            )
        ),
        "best_bets": Field(
            MapOf(
                Str(pattern=LOCALE_RE, pattern_hint="a language tag"),
                MapOf(Str(), ListOf(slug("A service id.", ref="service"), min_items=1)),
                "Per language, a query and the services pinned first for it.",
            )
        ),
    },
    "A catalog file of the portal.",
    name="catalog file",
)


def json_schema() -> dict[str, Any]:
    schema = CATALOG_FILE.json_schema()
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://github.com/portal/portal/services.schema.json",
        "title": "Portal service catalog",
        **schema,
    }
