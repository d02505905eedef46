"""Words that mean the same to a resident: the catalog's `synonyms:` (an agency's programme names and acronyms)
and the shipped thesaurus of everyday words (`thesaurus`), as one table per catalog and locale.

Triggers are matched on stems, phrase by phrase, so "food stamp" finds "food stamps"; the longest phrase typed
wins, and every entry it triggers counts, a variant at its best weight.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from portal.catalog import Catalog
from portal.catalog.memo import per_catalog

from . import thesaurus
from .analysis import analyzer_for, is_cjk

SYNONYM = 0.9  # a catalog synonym's match counts a little less than the word typed
THESAURUS = 0.7  # an everyday word from the shipped thesaurus (kids -> children), less again


@dataclass(frozen=True)
class Synonym:
    """Typed, any of `triggers` (as stems) also matches each of `variants` (folded words; with their marks in a
    language whose marks tell words apart, see analysis.MARKED_LANGUAGES) at `weight`."""

    triggers: tuple[tuple[str, ...], ...]
    variants: tuple[tuple[str, ...], ...]
    weight: float


@dataclass(frozen=True)
class SynonymTable:
    entries: tuple[Synonym, ...] = ()
    starts: frozenset[str] = frozenset()  # first stems of every trigger: most words start none

    @classmethod
    def of(cls, entries: Sequence[Synonym]) -> SynonymTable:
        return cls(tuple(entries), frozenset(t[0] for e in entries for t in e.triggers))


def synonym_at(
    stems: Sequence[str], i: int, table: SynonymTable
) -> tuple[int, list[tuple[tuple[str, ...], float]]]:
    """The longest synonym phrase typed at stems[i]: (its length in words, [(variant, weight)]). Every entry
    triggered by that phrase counts (the catalog's and the thesaurus's); a variant keeps its best weight."""
    if stems[i] not in table.starts:
        return 0, []
    span = 0
    found: dict[tuple[str, ...], float] = {}
    for entry in table.entries:
        for trigger in entry.triggers:
            n = len(trigger)
            if n < span or tuple(stems[i : i + n]) != trigger:
                continue
            if n > span:
                span, found = n, {}
            for variant in entry.variants:
                found[variant] = max(found.get(variant, 0.0), entry.weight)
    return span, list(found.items())


@per_catalog(limit=256)
def synonyms_for(catalog: Catalog, locale: str) -> SynonymTable:
    """The catalog's synonyms for a locale, then the shipped thesaurus of its language, with triggers as stems."""
    analyzer = analyzer_for(locale)
    entries: list[Synonym] = []

    def words(phrase: str) -> tuple[str, ...]:
        return tuple(analyzer.words(phrase, keep_stopwords=True))

    def marked(phrase: str) -> tuple[str, ...]:  # variants keep marks that tell words apart (vi)
        return tuple(analyzer.marked_words(phrase)) or words(phrase)

    def stems(phrase: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(w if is_cjk(w) else analyzer.stem_word(w) for w in phrase)

    for group in catalog.synonyms.get(locale, ()):
        triggers = tuple(v for v in map(words, group) if v)
        if len(triggers) > 1:
            variants = tuple(v for v in map(marked, group) if v)
            entries.append(Synonym(tuple(map(stems, triggers)), variants, SYNONYM))
    for entry in thesaurus.entries_for(locale):
        triggers = tuple(v for v in map(words, entry.triggers) if v)
        variants = tuple(v for v in map(marked, entry.variants) if v)
        if triggers and variants:
            entries.append(Synonym(tuple(map(stems, triggers)), variants, THESAURUS))
    return SynonymTable.of(entries)
