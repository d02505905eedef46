"""The catalog as search documents: one per service and locale the service is written in."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from portal.catalog import Catalog, Service

_LINK = re.compile(r"\]\([^)]*\)|https?://\S+")


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
        parts = (
            ("title", service.title.values.get(locale, "")),
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
