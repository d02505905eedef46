"""The Whoosh schema of one locale's index.

One weighted field carries the ranking: each part of a service (title, keywords, summary, ...) adds its terms with
its own weight, so a term's stored weight is the BM25F weighted term frequency (title counts 5x a description
word, keywords 3x, ...). One field instead of six makes every query read one posting list per word, which is what
keeps a query over 10,000 services fast in pure Python. A second field keeps the unstemmed words residents could
have meant, for typo tolerance and "Did you mean".
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from whoosh import fields, formats
from whoosh.system import pack_uint

from .analysis import analyzer_for, is_cjk

SCHEMA_VERSION = 2

# How much a word counts depending on where it appears. Title > keywords > summary > agency > topics > description.
WEIGHTS = {
    "title": 5.0,
    "keywords": 3.0,
    "summary": 2.0,
    "agency": 1.5,
    "topics": 1.0,
    "description": 1.0,
}


class WeightedText(fields.TEXT):
    """Indexes [(text, weight), ...]: each term's weight is the sum of the weights of its occurrences."""

    def __init__(self, locale: str) -> None:
        super().__init__(phrase=False)
        self.locale = locale
        self.format = formats.Frequency()

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        analyzer = analyzer_for(self.locale)
        weights: dict[str, float] = defaultdict(float)
        freqs: Counter[str] = Counter()
        for text, weight in value:
            for term in analyzer.terms(text, index=True):
                weights[term] += weight
                freqs[term] += 1
        for term, freq in freqs.items():
            yield term.encode("utf-8"), freq, weights[term], pack_uint(freq)


class WordSet(fields.KEYWORD):
    """Indexes a list of already folded words as they are (no stemming): the vocabulary for typo correction."""

    def __init__(self) -> None:
        super().__init__(scorable=False, lowercase=False, commas=False)
        self.format = formats.Existence()

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        for word in set(value):
            yield word.encode("utf-8"), 1, 1.0, b""


def schema_for(locale: str) -> fields.Schema:
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        text=WeightedText(locale),
        words=WordSet(),
    )


def weighted_parts(parts: Iterable[tuple[str, str]]) -> list[tuple[str, float]]:
    """[(part name, text)] -> [(text, weight)], skipping empty text."""
    return [(text, WEIGHTS[name]) for name, text in parts if text]


def vocabulary(locale: str, texts: Sequence[str]) -> list[str]:
    """Unstemmed words worth suggesting: folded, no stop words, no digits, at least 3 letters."""
    analyzer = analyzer_for(locale)
    seen: dict[str, None] = {}
    for text in texts:
        for word in analyzer.words(text):
            if len(word) >= 3 and not word.isdigit() and not is_cjk(word):
                seen.setdefault(word)
    return list(seen)
