"""`portal i18n extract`: refresh the .pot templates and every locale's .po files.

Two domains: `messages` (the interface, from Python and templates, via pybabel) and `services` (the catalog's text,
one entry per service/agency/category field with a stable msgctxt such as `service:renew-license:title`).
A locale's services.po only lists the text that services.yaml does not already give inline in that locale.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog as PoCatalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

from portal.catalog import Catalog
from portal.catalog.model import Text, TextList

HEADER = "Translations for the portal. Edit with Poedit, Weblate or any PO editor; see README.md, 'For translators'."


def gettext_dir(locale: str) -> str:
    return locale.replace("-", "_")


def locales_on_disk(translations_dir: Path) -> list[str]:
    return sorted(p.name for p in translations_dir.iterdir() if (p / "LC_MESSAGES").is_dir()) if translations_dir.is_dir() else []


def extract_messages(root: Path, translations_dir: Path) -> Path:
    pot = translations_dir / "messages.pot"
    translations_dir.mkdir(parents=True, exist_ok=True)
    CommandLineInterface().run(
        [
            "pybabel",
            "-q",
            "extract",
            "-F",
            str(root / "babel.cfg"),
            "-k",
            "_l",
            "--sort-by-file",
            "--project=portal",
            "--msgid-bugs-address=translations@localhost",
            "--copyright-holder=The portal's contributors",
            "-o",
            str(pot),
            str(root),
        ]
    )
    for locale in locales_on_disk(translations_dir):
        po = translations_dir / locale / "LC_MESSAGES" / "messages.po"
        command = "update" if po.exists() else "init"
        CommandLineInterface().run(
            ["pybabel", "-q", command, "-i", str(pot), "-d", str(translations_dir), "-D", "messages", "-l", locale]
            + (["--ignore-obsolete"] if command == "update" else [])
        )
    return pot


def _entries(catalog: Catalog) -> Iterable[tuple[str, Text | TextList]]:
    yield "portal:name", catalog.name
    for agency in catalog.agencies.values():
        yield f"agency:{agency.id}:name", agency.name
        yield f"agency:{agency.id}:description", agency.description
        yield f"agency:{agency.id}:contact.address", agency.contact.address
        yield f"agency:{agency.id}:contact.hours", agency.contact.hours
    for kind, items in (("category", catalog.categories), ("life_event", catalog.life_events)):
        for item in items.values():
            yield f"{kind}:{item.id}:name", item.name
            yield f"{kind}:{item.id}:description", item.description
    for s in catalog.services.values():
        prefix = f"service:{s.id}"
        for field in ("title", "summary", "description", "keywords", "audience", "eligibility", "documents", "fees", "processing_time"):
            yield f"{prefix}:{field}", getattr(s, field)
        yield f"{prefix}:contact.address", s.contact.address
        yield f"{prefix}:contact.hours", s.contact.hours
        pages = getattr(s.delivery, "pages", ())
        for page in pages:
            yield f"{prefix}:form:{page.id}:title", page.title
            yield f"{prefix}:form:{page.id}:description", page.description
            for f in page.fields:
                yield f"{prefix}:form:{f.id}:label", f.label
                yield f"{prefix}:form:{f.id}:hint", f.hint
                for option in f.options:
                    yield f"{prefix}:form:{f.id}:option:{option.value}", option.label
                for rule, message in f.errors.items():
                    yield f"{prefix}:form:{f.id}:error:{rule}", message


def _source(value: Text | TextList, default: str) -> str | None:
    if isinstance(value, TextList):
        items = value.values.get(default)
        return "\n".join(items) if items else None
    return value.values.get(default) or None


def extract_services(catalog: Catalog, translations_dir: Path, inline: Catalog | None = None) -> Path:
    """Write services.pot and update each catalog locale's services.po (creating it if needed).

    `inline` is the catalog as the YAML alone gives it (without .po translations), so a locale's .po keeps asking
    for every text the YAML lacks, including the ones translators already did.
    """
    yaml_only = inline or catalog
    default = catalog.default_locale
    pot = PoCatalog(project="portal services", header_comment="# " + HEADER, fuzzy=False)
    entries = []
    for context, value in _entries(yaml_only):
        source = _source(value, default)
        if source is None:
            continue
        entries.append((context, value, source))
        pot.add(source, context=context, auto_comments=["list: one item per line"] if isinstance(value, TextList) else [])
    translations_dir.mkdir(parents=True, exist_ok=True)
    pot_path = translations_dir / "services.pot"
    with pot_path.open("wb") as fh:
        write_po(fh, pot, width=0, omit_header=False)
    for locale in catalog.locales:
        if locale == default:
            continue
        po_path = translations_dir / gettext_dir(locale) / "LC_MESSAGES" / "services.po"
        existing: dict[tuple[str, str], tuple[str, bool]] = {}
        by_context: dict[str, str] = {}
        if po_path.exists():
            with po_path.open("rb") as fh:
                for m in read_po(fh):
                    if m.id and m.context:
                        existing[(m.context, str(m.id))] = (str(m.string or ""), m.fuzzy)
                        if m.string:
                            by_context[m.context] = str(m.string)
        po = PoCatalog(locale=gettext_dir(locale), project="portal services", header_comment="# " + HEADER, fuzzy=False)
        po.revision_date = dt.datetime.now(dt.UTC)
        for context, value, source in entries:
            if value.has(locale):
                continue  # services.yaml gives this text inline; YAML wins, so there is nothing to translate here
            string, fuzzy = existing.get((context, source), ("", False))
            if not string and context in by_context:
                # The agency changed the original text: keep the old translation, flagged for review.
                string, fuzzy = by_context[context], True
            flags = ["fuzzy"] if fuzzy else []
            comments = ["list: one item per line"] if isinstance(value, TextList) else []
            po.add(source, string, context=context, flags=flags, auto_comments=comments)
        po_path.parent.mkdir(parents=True, exist_ok=True)
        with po_path.open("wb") as fh:
            write_po(fh, po, width=0)
    return pot_path
