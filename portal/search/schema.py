"""The Whoosh schema of one locale's index: BM25F folded into the stored term weights.

A service's parts (title, keywords, summary, agency, topics, description) go into one field. Each occurrence of a
term adds its part's weight, normalized by that part's length against the part's average in the collection
(BM25F: a word in a short title counts more than the same word in a long one, and a long description does not
dilute a title match). Queries then only saturate the stored weight and multiply by the term's idf. One field
instead of six means one posting list per query word, which is what keeps a query over 10,000 services fast in
pure Python. A second field keeps the unstemmed words (stop words included), for typo tolerance, "Did you mean",
autocomplete and the small weight a typed stop word adds where it appears verbatim.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from whoosh import fields, formats
from whoosh.system import pack_uint

from .analysis import analyzer_for, is_cjk

SCHEMA_VERSION = 6

# How much a word counts depending on where it appears. Title > keywords > summary > agency > topics > description.
WEIGHTS = {
    "title": 5.0,
    "acronyms": 3.0,  # initials of the title's capitalized names (documents.acronyms)
    "keywords": 3.0,
    "summary": 2.0,
    "agency": 1.5,
    "topics": 1.0,
    "description": 1.0,
}
LENGTH_NORMALIZATION = 0.75  # BM25's b, per part
WORD_PARTS = frozenset({"title", "acronyms", "keywords", "agency", "topics"})  # the vocabulary: what names services
# Where words are also indexed with their marks (analysis.MARKED_LANGUAGES): what names and sums up a service. A
# description's words match folded (at clauses.UNMARKED): marking them too made the index and the workers'
# memory bigger for the part that counts least.
MARKED_PARTS = WORD_PARTS | {"summary"}

Parts = Sequence[tuple[str, str]]  # (part name, text)


def part_weights(parts: Parts, averages: Mapping[str, float]) -> Iterator[tuple[str, str, float]]:
    """(part name, text, weight of each word in it): the part's weight over its normalized length (in
    characters, which works for every script)."""
    b = LENGTH_NORMALIZATION
    for name, text in parts:
        if text:
            average = averages.get(name) or float(len(text)) or 1.0
            yield name, text, WEIGHTS[name] / (1.0 - b + b * len(text) / average)


class WeightedText(fields.TEXT):
    """Stemmed terms; a term's stored weight is its BM25F weighted, length-normalized frequency."""

    def __init__(self, locale: str, averages: Mapping[str, float]) -> None:
        super().__init__(phrase=False)
        self.locale = locale
        self.averages = dict(averages)
        self.format = formats.Frequency()

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        analyzer = analyzer_for(self.locale)
        weights: dict[str, float] = defaultdict(float)
        freqs: Counter[str] = Counter()
        for name, text, weight in part_weights(value, self.averages):
            terms = analyzer.terms(text)
            if analyzer.marked and name in MARKED_PARTS:
                terms += analyzer.marked_terms(text)
            for term in terms:
                weights[term] += weight
                freqs[term] += 1
        for term, freq in freqs.items():
            yield term.encode("utf-8"), freq, weights[term], pack_uint(freq)


class WeightedWords(fields.KEYWORD):
    """Folded, unstemmed words (no CJK runs) from every part but the description, weighted the same way."""

    def __init__(self, locale: str, averages: Mapping[str, float]) -> None:
        super().__init__(scorable=False, lowercase=False, commas=False)
        self.locale = locale
        self.averages = dict(averages)
        self.format = formats.Frequency()

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        analyzer = analyzer_for(self.locale)
        weights: dict[str, float] = defaultdict(float)
        parts = [(name, text) for name, text in value if name in WORD_PARTS]
        for _name, text, weight in part_weights(parts, self.averages):
            for word in analyzer.words(text, keep_stopwords=True):
                if not is_cjk(word) and (len(word) >= 2 or word.isdigit()):
                    weights[word] += weight
        for word, weight in weights.items():
            yield word.encode("utf-8"), 1, weight, pack_uint(1)


def schema_for(locale: str, averages: Mapping[str, float]) -> fields.Schema:
    """`averages`: the average length of each part in this locale's documents (kept in the index, so services
    re-indexed later are weighed like the rest)."""
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        text=WeightedText(locale, averages),
        words=WeightedWords(locale, averages),
    )


def average_lengths(documents: Iterable[Parts]) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    counts: Counter[str] = Counter()
    for parts in documents:
        for name, text in parts:
            if text:
                totals[name] += len(text)
                counts[name] += 1
    return {name: totals[name] / counts[name] for name in totals}
