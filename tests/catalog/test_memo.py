"""Per-catalog answers are worked out once, and never served for another catalog with the same digest."""

from __future__ import annotations

import dataclasses

from portal.catalog import load_catalog
from portal.catalog.memo import per_catalog

from ..conftest import ROOT


def test_answers_are_remembered_for_the_very_catalog_only() -> None:
    calls: list[str] = []

    @per_catalog(limit=2)
    def names(catalog, locale: str) -> list[str]:
        calls.append(locale)
        return [s.title.get(locale).text for s in catalog.services.values()]

    catalog = load_catalog(ROOT / "services.yaml").catalog
    assert catalog is not None
    assert names(catalog, "es") is names(catalog, "es")
    assert calls == ["es"]
    names(catalog, "fr")
    assert calls == ["es", "fr"]
    # A translations update: the same YAML digest, another catalog object with other text.
    retranslated = dataclasses.replace(catalog)
    assert retranslated.digest == catalog.digest
    names(retranslated, "es")
    assert calls == ["es", "fr", "es"]
