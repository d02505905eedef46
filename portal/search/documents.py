"""The catalog as search documents: one per service and locale the service is written in."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from portal.catalog import Catalog, Service

_LINK = re.compile(r"\]\([^)]*\)|https?://\S+")
_WORD = re.compile(r"[^\W\d_][\w'’]*")
_BREAK = re.compile(r"[()\[\]:;,.!?/|–—]|\s-\s")
_JOINERS = frozenset(["of", "for", "and", "the", "to", "on", "in", "de", "des", "du", "la", "le", "les", "et", "y", "para", "del", "e", "da", "do"])


def acronyms(title: str) -> list[str]:
    """What residents call a service by its initials: each run of two or more capitalized words in its title
    ("Social Insurance Number" -> "SIN", "Temporary Assistance for Needy Families" -> "TANF"). Small linking
    words inside a run are skipped; punctuation and words already in capitals ("(CPP)") end a run. A run that
    starts the title may start with a capitalized verb ("Apply for the Westland Opportunity Grant"): its
    initials count with and without that first word. Three to six letters."""
    found: list[str] = []
    for n, segment in enumerate(_BREAK.split(title)):
        run: list[str] = []
        first_run = n == 0
        for word in [*_WORD.findall(segment), ""]:
            if word[:1].isupper() and not (len(word) > 1 and word.isupper()):
                run.append(word)
                continue
            if word.lower() in _JOINERS and run:
                continue
            for name in (run, run[1:]) if first_run else (run,):
                initials = "".join(w[0] for w in name)
                if len(name) >= 2 and 3 <= len(initials) <= 6 and initials not in found:
                    found.append(initials)
            run, first_run = [], False
    return found


@dataclass(frozen=True)
class Document:
    service_id: str
    locale: str
    parts: tuple[tuple[str, str], ...]  # (part name, text); weights and normalization are the schema's

    def fields(self) -> dict[str, object]:
        return {"id": self.service_id, "text": list(self.parts), "words": list(self.parts)}


def documents_for(catalog: Catalog, service: Service) -> list[Document]:
    """The service in each locale it has a title in. Parts missing in a locale are left out rather than filled
    with another language: a query in that other language finds the service through that language's document."""
    agency = catalog.agencies[service.agency]
    docs = []
    for locale in catalog.locales:
        if not service.title.has(locale):
            continue
        agency_name = agency.name.get(locale).text  # an agency's name is often not translated: fall back
        topics = [
            catalog.categories[c].name.get(locale).text for c in service.categories if c in catalog.categories
        ]
        topics += [
            catalog.life_events[e].name.get(locale).text
            for e in service.life_events
            if e in catalog.life_events
        ]
        keywords = " ; ".join(service.keywords.values.get(locale, ()))
        title = service.title.values.get(locale, "")
        parts = (
            ("title", title),
            ("acronyms", " ".join(acronyms(title))),
            ("keywords", keywords),
            ("summary", service.summary.values.get(locale, "")),
            ("agency", f"{agency_name} {agency.acronym}".strip()),
            ("topics", " ; ".join(topics)),
            ("description", _LINK.sub(" ", service.description.values.get(locale, ""))),
        )
        docs.append(Document(service.id, locale, tuple((name, text) for name, text in parts if text)))
    return docs


def all_documents(catalog: Catalog) -> dict[str, list[Document]]:
    """locale -> its documents."""
    by_locale: dict[str, list[Document]] = {locale: [] for locale in catalog.locales}
    for service in catalog.services.values():
        for doc in documents_for(catalog, service):
            by_locale[doc.locale].append(doc)
    return by_locale


def fingerprint(docs: list[Document]) -> str:
    """Identifies what the index holds for one service, to re-index only the services that changed."""
    payload = json.dumps([[d.locale, d.parts] for d in docs], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha1(payload.encode("utf-8"), usedforsecurity=False).hexdigest()[:16]
