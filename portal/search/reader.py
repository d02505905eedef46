"""An open build: one Whoosh reader per locale, kept open, with BM25F scores computed from its postings.

Whoosh stores and looks up terms, postings, field lengths and the vocabulary (including edit-distance lookups).
Ranking is computed here: reading a posting list once, turning it into (document, score) pairs and keeping the
most used ones in memory makes a query cost a few dictionary additions per matching document, against 2-3 µs per
posting for Whoosh's matcher tree in pure Python (measured 15-70 ms a query over 10,000 services).
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import weakref
from array import array
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice, repeat
from operator import add, mul, truediv
from pathlib import Path
from typing import Any

from whoosh.filedb.filestore import FileStorage
from whoosh.support.levenshtein import damerau_levenshtein

from . import thesaurus
from .analysis import Analyzer, analyzer_for
from .build import Manifest, builds_dir, read_manifest
from .schema import WEIGHTS

log = logging.getLogger(__name__)

# BM25 saturation, in the unit of the stored weights. Those count a word in a title as WEIGHTS["title"] (5)
# occurrences, so the usual k1 = 1.2 per occurrence is 1.2 x 5 here: one word in a title then saturates as one
# occurrence does in plain BM25. k1 never changes which of two documents a single word ranks first (the score
# grows with the stored weight either way); it sets how far apart they are, which is what counts when the scores
# of several words are added, or multiplied by the share of words matched, by use or by a typo's discount: a
# word in an average title is worth 1.8 times the word in a summary and 3.2 times in a description (with 1.2:
# 1.3 and 1.8 times), so a document matching one rare word in its title is no longer outranked by one that
# mentions two words in passing ("nexus card"). Length normalization is already in the stored weights (schema).
K1 = 1.2 * WEIGHTS["title"]
TERM_CACHE_POSTINGS = 2_000_000  # per locale: about 16 MB of scores


@dataclass
class Postings:
    docs: array  # docnums
    scores: array  # BM25F impact of the term in each document

    def __len__(self) -> int:
        return len(self.docs)


@dataclass(eq=False)
class LocaleIndex:
    locale: str
    analyzer: Analyzer
    reader: Any  # whoosh IndexReader, open for the life of the snapshot
    ids: list[str | None]  # docnum -> service id (None: deleted)
    doc_count: int
    deleted: bool  # some docnums are deleted (after an update in place)
    _cache: OrderedDict[tuple[str, str], Postings] = field(default_factory=OrderedDict)
    _cached: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # Whoosh reads its files with seek() and read() on shared file objects (see `open`): one reader at a time.
    _io: threading.RLock = field(default_factory=threading.RLock)
    _vocabulary: list[str] | None = None
    _everyday: dict[str, int] = field(default_factory=dict)

    @classmethod
    def open(cls, path: Path, locale: str) -> LocaleIndex:
        # Read, not memory-mapped: a mapped index counts in every worker's resident memory (about as much as the
        # index's size on disk, 40 MB for 10,000 services x 5 languages) where the page cache holds it once.
        # Posting lists in use are kept as scores anyway (`postings`), so reads are few.
        ix = FileStorage(str(path), supports_mmap=False).open_index()
        reader = ix.reader()
        total = reader.doc_count_all()
        ids: list[str | None] = [None] * total
        for docnum, stored in reader.iter_docs():
            ids[docnum] = stored["id"]
        live = sum(1 for i in ids if i is not None)
        index = cls(locale, analyzer_for(locale), reader, ids, live, live < total)
        # A replaced snapshot's files are closed once the last request using it lets go of it, never under one.
        # (A weakref callback, not __del__: the garbage collector runs those before it finalizes open files.)
        weakref.finalize(index, _close_quietly, reader)
        return index

    def doc_frequency(self, term: str) -> int:
        cached = self._cache.get(("text", term))
        if cached is not None:
            return len(cached)
        with self._io:
            return int(self.reader.doc_frequency("text", term))

    def postings(self, term: str, fieldname: str = "text") -> Postings:
        """BM25F scores of a stemmed term ("text") or of an exact, unstemmed word ("words")."""
        key = (fieldname, term)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
        postings = self._score(fieldname, term)
        with self._lock:
            self._cache[key] = postings
            self._cached += len(postings)
            while self._cached > TERM_CACHE_POSTINGS and len(self._cache) > 1:
                _, old = self._cache.popitem(last=False)
                self._cached -= len(old)
        return postings

    def _score(self, fieldname: str, term: str) -> Postings:
        with self._io:
            docs, weights = read_postings(self.reader, fieldname, term)
        if self.deleted:
            ids = self.ids
            kept = [i for i, d in enumerate(docs) if ids[d] is not None]
            docs, weights = [docs[i] for i in kept], [weights[i] for i in kept]
        n = len(docs)
        if not n:
            return Postings(array("i"), array("f"))
        idf = math.log(1.0 + (self.doc_count - n + 0.5) / (n + 0.5))
        # idf * w * (k1 + 1) / (w + k1), one C-level pass per operation (a Python loop costs 5x more)
        top = map(mul, weights, repeat(idf * (K1 + 1.0)))
        bottom = map(add, weights, repeat(K1))
        return Postings(array("i", docs), array("f", map(truediv, top, bottom)))

    # The unstemmed vocabulary: typo correction and suggestions.

    def word_frequency(self, word: str) -> int:
        with self._io:
            return int(self.reader.doc_frequency("words", word))

    def words_within(self, word: str, distance: int) -> list[tuple[str, int]]:
        """Known words (`vocabulary`) within `distance` edits (same first letter), with how many services use
        them. Compared in memory (a few thousand words): on the index files, Whoosh's automaton makes hundreds
        of small reads (30-150 ms a typo)."""
        if distance <= 0 or not word:
            return []
        vocabulary = self.vocabulary()
        start = bisect_left(vocabulary, word[0])
        end = bisect_left(vocabulary, chr(ord(word[0]) + 1))
        size = len(word)
        found = [
            known
            for known in vocabulary[start:end]
            if abs(len(known) - size) <= distance
            and known != word
            and damerau_levenshtein(word, known, distance) <= distance
        ]
        return [(w, self.word_frequency(w) or self._everyday.get(w, 0)) for w in found]

    def vocabulary(self) -> list[str]:
        """Every known word, sorted (worked out once, on the first typo): the words services are named with,
        and the everyday words of the language's thesaurus whose stem the index holds ("unemployment", where
        titles say "employment insurance" and summaries "unemployed")."""
        if self._vocabulary is None:
            with self._io:
                named = {w.decode("utf-8") if isinstance(w, bytes) else w for w in self.reader.lexicon("words")}
            everyday = {}
            for word in thesaurus.words_for(self.locale):
                term = self.analyzer.term(word)
                if word not in named and term and (frequency := self.doc_frequency(term)):
                    everyday[word] = frequency  # how many services its stem is in
            self._everyday = everyday
            self._vocabulary = sorted(named | everyday.keys())
        return self._vocabulary

    def terms_starting(self, prefix: str, limit: int) -> list[str]:
        """The most used index terms starting with `prefix` (a lone CJK character: the bigrams it starts)."""
        found = []
        with self._io:
            terms = list(islice(self.reader.expand_prefix("text", prefix), 500))
        for term in terms:
            text = term.decode("utf-8") if isinstance(term, bytes) else term
            found.append((self.doc_frequency(text), text))
        found.sort(reverse=True)
        return [t for _, t in found[:limit]]

    def words_starting(self, prefix: str, limit: int) -> list[str]:
        """The most used known words starting with `prefix`."""
        found = []
        with self._io:
            words = list(islice(self.reader.expand_prefix("words", prefix), 500))
        for word in words:
            text = word.decode("utf-8") if isinstance(word, bytes) else word
            found.append((self.word_frequency(text), text))
        found.sort(reverse=True)
        return [w for _, w in found[:limit]]

    def close(self) -> None:
        with self._io:
            self.reader.close()


def _close_quietly(reader: Any) -> None:
    with contextlib.suppress(Exception):
        reader.close()


def read_postings(reader: Any, fieldname: str, term: str) -> tuple[list[int], list[float]]:
    """(docnums, weights) of a term across the reader's segments, read a block at a time."""
    docs: list[int] = []
    weights: list[float] = []
    for leaf, base in reader.leaf_readers():
        if (fieldname, term) not in leaf:
            continue
        matcher = leaf.postings(fieldname, term)
        while hasattr(matcher, "child"):  # deletions are filtered through our id map instead
            matcher = matcher.child
        if hasattr(matcher, "_read_ids") and hasattr(matcher, "_lastblock"):
            while True:
                matcher._read_ids()
                matcher._read_weights()
                docs.extend(base + d for d in matcher._ids)
                weights.extend(matcher._weights)
                if matcher._lastblock:
                    break
                matcher._next_block()
        else:  # short posting lists are kept inline; or another codec: the public, slower way
            while matcher.is_active():
                docs.append(base + matcher.id())
                weights.append(matcher.weight())
                matcher.next()
    return docs, weights


@dataclass(eq=False)
class Snapshot:
    """One build, open: what a worker searches until the next build is switched in."""

    name: str
    manifest: Manifest
    locales: dict[str, LocaleIndex]

    @classmethod
    def open(cls, root: Path, name: str) -> Snapshot:
        build = builds_dir(root) / name
        manifest = read_manifest(build)
        if manifest is None:
            raise FileNotFoundError(f"{build}: no manifest (an unfinished build cannot be opened)")
        locales = {locale: LocaleIndex.open(build / locale, locale) for locale in manifest.locales}
        return cls(name, manifest, locales)

    def others(self, locale: str) -> Iterable[LocaleIndex]:
        return (index for loc, index in self.locales.items() if loc != locale)

    def close(self) -> None:
        for index in self.locales.values():
            index.close()
