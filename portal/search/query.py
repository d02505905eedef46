"""From what a resident typed to ranked services: synonyms, languages, typos, best bets, filters and facets.

1. The query becomes clauses: each content word (stop and question words dropped), or a synonym phrase from the
   catalog whose clause accepts any of its equivalents ("food stamps" = "snap" = "ebt").
2. The resident's language is searched first. Clauses it does not know are looked up in the catalog's other
   languages, whose matches join the results (a French word on the English site still finds its service).
3. Words no language knows are treated as typos: the closest known words (1 edit for short words, 2 for long
   ones) join their clause at a discount, and "Did you mean" offers the corrected query when it does clearly
   better.
4. A document's score is the sum of its clauses' BM25F scores times the share of clauses it matches, so the few
   words that matter in a long question decide the order.
5. Best bets for the exact query go first; filters narrow; facet counts ignore their own facet's filter.
"""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from portal.catalog import Catalog

from .analysis import Analyzer, fold, is_cjk
from .reader import LocaleIndex, Snapshot

MAX_QUERY_CHARS = 200
CROSS_LANGUAGE = 0.9  # a match in another language than the resident's ranks a little lower
SYNONYM = 0.9  # a synonym's match counts a little less than the word typed
TYPO = {1: 0.8, 2: 0.6}  # a corrected word's match, by edit distance
INACTIVE = 0.5
COORDINATION = 1.0  # score *= (matched clauses / clauses) ** COORDINATION
SUGGEST_WHEN_BETTER = 1.25
FACETS = ("agency", "category", "life_event")

_TYPED_WORD = re.compile(r"[^\W_]+")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Request:
    query: str
    locale: str
    agencies: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    life_events: tuple[str, ...] = ()
    page: int = 1
    page_size: int = 10

    def filters(self) -> dict[str, frozenset[str]]:
        return {
            "agency": frozenset(self.agencies),
            "category": frozenset(self.categories),
            "life_event": frozenset(self.life_events),
        }


@dataclass(frozen=True)
class Hit:
    service_id: str
    score: float
    locale: str  # the language of the text that matched
    pinned: bool = False


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int
    selected: bool


@dataclass(frozen=True)
class Results:
    request: Request
    query: str
    total: int
    hits: tuple[Hit, ...]
    suggestion: str | None
    facets: Mapping[str, tuple[FacetValue, ...]]

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.request.page_size))


def normalize(query: str) -> str:
    return _SPACES.sub(" ", query).strip()[:MAX_QUERY_CHARS]


# --- clauses ---------------------------------------------------------------------------------------------------


@dataclass
class Clause:
    word: str  # as folded from the query: a word, a synonym phrase or a CJK bigram
    alternatives: list[tuple[tuple[str, ...], float]]  # (terms that must all match, weight)
    correctable: bool = False

    def terms(self) -> set[str]:
        return {t for terms, _ in self.alternatives for t in terms}


def clauses_for(
    analyzer: Analyzer, query: str, synonyms: Sequence[tuple[tuple[str, ...], ...]]
) -> list[Clause]:
    words = analyzer.words(query, keep_stopwords=True)
    clauses: list[Clause] = []
    i = 0
    while i < len(words):
        span, group = _synonym_at(words, i, synonyms)
        if group:
            alternatives = []
            for variant in group:
                terms = tuple(t for w in variant for t in _word_terms(analyzer, w, keep_stop=True))
                if terms:
                    weight = 1.0 if variant == tuple(words[i : i + span]) else SYNONYM
                    alternatives.append((terms, weight))
            clauses.append(Clause(" ".join(words[i : i + span]), alternatives))
            i += span
            continue
        word = words[i]
        i += 1
        if is_cjk(word):
            clauses.extend(Clause(g, [((g,), 1.0)]) for g in _word_terms(analyzer, word, keep_stop=False))
            continue
        term = analyzer.term(word)
        if term:
            clauses.append(Clause(word, [((term,), 1.0)], correctable=len(word) >= 4 and not word.isdigit()))
    if not clauses:  # nothing but stop words ("who are you"): use them after all
        for word in words:
            for term in _word_terms(analyzer, word, keep_stop=True):
                clauses.append(Clause(word, [((term,), 1.0)]))
    return clauses


def _word_terms(analyzer: Analyzer, word: str, *, keep_stop: bool) -> list[str]:
    if is_cjk(word):
        return analyzer.terms(word)
    term = analyzer.term(word)
    if term is None and keep_stop:
        term = analyzer.stem_word(word)
    return [term] if term else []


def _synonym_at(
    words: Sequence[str], i: int, synonyms: Sequence[tuple[tuple[str, ...], ...]]
) -> tuple[int, tuple[tuple[str, ...], ...] | None]:
    """The longest synonym phrase starting at words[i]: (its length, its group)."""
    best: tuple[int, tuple[tuple[str, ...], ...] | None] = (0, None)
    for group in synonyms:
        for variant in group:
            n = len(variant)
            if n > best[0] and tuple(words[i : i + n]) == variant:
                best = (n, group)
    return best


_synonym_tables: dict[tuple[str, str], tuple[tuple[tuple[str, ...], ...], ...]] = {}


def synonym_groups(
    catalog: Catalog, analyzer: Analyzer, locale: str
) -> tuple[tuple[tuple[str, ...], ...], ...]:
    """The catalog's synonym groups for a locale, each phrase as folded words. Computed once per catalog."""
    key = (catalog.digest, locale)
    table = _synonym_tables.get(key)
    if table is None:
        groups = []
        for group in catalog.synonyms.get(locale, ()):
            variants = tuple(v for v in (tuple(analyzer.words(p, keep_stopwords=True)) for p in group) if v)
            if len(variants) > 1:
                groups.append(variants)
        table = tuple(groups)
        if len(_synonym_tables) > 256:
            _synonym_tables.clear()
        _synonym_tables[key] = table
    return table


# --- scoring ---------------------------------------------------------------------------------------------------


def known(index: LocaleIndex, clause: Clause) -> bool:
    return any(all(index.doc_frequency(t) > 0 for t in terms) for terms, _ in clause.alternatives)


def score_clauses(index: LocaleIndex, clauses: Sequence[Clause]) -> dict[int, float]:
    """docnum -> score: the sum over clauses of the best alternative, times the share of clauses matched."""
    total: dict[int, float] = {}
    matched: dict[int, int] = {}
    for clause in clauses:
        best: dict[int, float] = {}
        for terms, weight in clause.alternatives:
            alt = _all_of(index, terms)
            if weight != 1.0:
                alt = {d: s * weight for d, s in alt.items()}
            if not best:
                best = alt
                continue
            for d, s in alt.items():
                if s > best.get(d, 0.0):
                    best[d] = s
        for d, s in best.items():
            total[d] = total.get(d, 0.0) + s
            matched[d] = matched.get(d, 0) + 1
    n = len(clauses)
    if n > 1 and COORDINATION:
        return {d: s * (matched[d] / n) ** COORDINATION for d, s in total.items()}
    return total


def _all_of(index: LocaleIndex, terms: Sequence[str]) -> dict[int, float]:
    postings = [index.postings(t) for t in dict.fromkeys(terms)]
    if not postings or any(len(p) == 0 for p in postings):
        return {}
    postings.sort(key=len)
    scores = dict(zip(postings[0].docs, postings[0].scores, strict=True))
    for p in postings[1:]:
        other = dict(zip(p.docs, p.scores, strict=True))
        scores = {d: s + other[d] for d, s in scores.items() if d in other}
    return scores


@dataclass
class Match:
    """Services that matched, with their best score and the language of the text that matched best."""

    scores: dict[str, tuple[float, str]] = field(default_factory=dict)

    def add(self, index: LocaleIndex, docs: Mapping[int, float], factor: float = 1.0) -> None:
        ids = index.ids
        for d, s in docs.items():
            sid = ids[d]
            if sid is None:
                continue
            s *= factor
            if s > self.scores.get(sid, (0.0, ""))[0]:
                self.scores[sid] = (s, index.locale)

    def top(self) -> float:
        return max((s for s, _ in self.scores.values()), default=0.0)


@dataclass
class Outcome:
    match: Match
    suggestion: str | None


def match(snapshot: Snapshot, catalog: Catalog, query: str, locale: str, *, fuzzy: bool = True) -> Outcome:
    home = snapshot.locales.get(locale) or snapshot.locales[catalog.default_locale]
    plans: dict[str, list[Clause]] = {}

    def plan(index: LocaleIndex) -> list[Clause]:
        if index.locale not in plans:
            groups = synonym_groups(catalog, index.analyzer, index.locale)
            plans[index.locale] = clauses_for(index.analyzer, query, groups)
        return plans[index.locale]

    result = Match()
    home_clauses = plan(home)
    result.add(home, score_clauses(home, home_clauses))
    unknown = {c.word for c in home_clauses if not known(home, c)}
    searched = [home]
    if unknown or not result.scores:
        for other in snapshot.others(home.locale):
            clauses = plan(other)
            if result.scores and not any(c.word in unknown and known(other, c) for c in clauses):
                continue
            result.add(other, score_clauses(other, clauses), CROSS_LANGUAGE)
            searched.append(other)
    if not fuzzy:
        return Outcome(result, None)
    lost = [c for c in home_clauses if c.word in unknown and c.correctable]
    lost = [c for c in lost if not any(known(i, cl) for i in searched for cl in plan(i) if cl.word == c.word)]
    if not lost:
        return Outcome(result, None)
    corrections: dict[str, tuple[str, int, LocaleIndex]] = {}
    for clause in lost:
        fix = correct(snapshot, home, clause.word)
        if fix is not None:
            corrections[clause.word] = fix
    if not corrections:
        return Outcome(result, None)
    before = result.top()
    fixed_in: dict[str, LocaleIndex] = {}
    for word, (better, distance, index) in corrections.items():
        term = index.analyzer.term(better)
        if not term:
            continue
        for clause in plan(index):
            if clause.word == word:
                clause.alternatives.append(((term,), TYPO[distance]))
        fixed_in[index.locale] = index
    for index in fixed_in.values():
        result.add(index, score_clauses(index, plan(index)), 1.0 if index is home else CROSS_LANGUAGE)
    suggestion = None
    if result.top() > 0 and (before == 0 or result.top() >= SUGGEST_WHEN_BETTER * before):
        suggestion = _replace_words(query, {w: fix[0] for w, fix in corrections.items()})
    return Outcome(result, suggestion)


def max_edits(word: str) -> int:
    """Typo tolerance scaled to word length: none under 4 letters, 1 edit up to 7, 2 from 8."""
    if len(word) < 4:
        return 0
    return 1 if len(word) < 8 else 2


def correct(snapshot: Snapshot, home: LocaleIndex, word: str) -> tuple[str, int, LocaleIndex] | None:
    """The likeliest intended word: fewest edits, then most used, the resident's language first."""
    limit = max_edits(word)
    order = [home, *snapshot.others(home.locale)]
    for distance in range(1, limit + 1):
        best: tuple[int, int, str, LocaleIndex] | None = None
        for rank, index in enumerate(order):
            for candidate, frequency in index.words_within(word, distance):
                key = (frequency * (2 if rank == 0 else 1), -rank)
                if best is None or key > (best[0], best[1]):
                    best = (key[0], key[1], candidate, index)
        if best is not None:
            return best[2], distance, best[3]
    return None


def _replace_words(query: str, replacements: Mapping[str, str]) -> str:
    def swap(m: re.Match[str]) -> str:
        return replacements.get(fold(m.group()), m.group())

    return _TYPED_WORD.sub(swap, query)


# --- results ---------------------------------------------------------------------------------------------------


def best_bets(catalog: Catalog, query: str, locale: str) -> tuple[str, ...]:
    key = " ".join(fold(query).split())
    for loc in dict.fromkeys((locale, catalog.default_locale)):
        for bet_query, ids in catalog.best_bets.get(loc, {}).items():
            if " ".join(fold(bet_query).split()) == key:
                return tuple(i for i in ids if i in catalog.services)
    return ()


def facet_values(catalog: Catalog, service_id: str) -> dict[str, tuple[str, ...]]:
    s = catalog.services[service_id]
    return {"agency": (s.agency,), "category": s.categories, "life_event": s.life_events}


def rank(catalog: Catalog, request: Request, query: str, outcome: Outcome | None) -> Results:
    """Pin best bets, filter, count facets, order and cut one page."""
    locale = request.locale
    scored: dict[str, tuple[float, str, bool]] = {}
    if outcome is None:  # browsing: every service
        for sid in catalog.services:
            scored[sid] = (0.0, locale, False)
    else:
        for sid, (s, loc) in outcome.match.scores.items():
            service = catalog.services.get(sid)
            if service is None:  # the index is a moment older or newer than this worker's catalog
                continue
            scored[sid] = (s if service.active else s * INACTIVE, loc, False)
        pinned = best_bets(catalog, query, locale)
        top = max((v[0] for v in scored.values()), default=0.0)
        for i, sid in enumerate(pinned):
            old = scored.get(sid)
            scored[sid] = (top + len(pinned) - i, old[1] if old else locale, True)
    filters = request.filters()
    values = {sid: facet_values(catalog, sid) for sid in scored}

    def passes(sid: str, skip: str | None = None) -> bool:
        return all(
            not chosen or chosen.intersection(values[sid][f]) for f, chosen in filters.items() if f != skip
        )

    counts: dict[str, dict[str, int]] = {f: {} for f in FACETS}
    for sid in scored:
        for f in FACETS:
            if passes(sid, skip=f):
                for v in values[sid][f]:
                    counts[f][v] = counts[f].get(v, 0) + 1
    facets = {
        f: tuple(
            FacetValue(v, counts[f].get(v, 0), v in filters[f])
            for v in sorted(set(counts[f]) | filters[f], key=lambda v: (-counts[f].get(v, 0), v))
        )
        for f in FACETS
    }
    kept = [sid for sid in scored if passes(sid)]
    start = (request.page - 1) * request.page_size
    end = start + request.page_size

    def title(sid: str) -> str:
        return catalog.services[sid].title.get(locale).text.casefold()

    if outcome is None:
        ordered = sorted(kept, key=lambda sid: (not catalog.services[sid].active, title(sid)))[start:end]
    else:
        ordered = heapq.nsmallest(end, kept, key=lambda sid: (-scored[sid][0], title(sid)))[start:end]
    hits = tuple(Hit(sid, round(scored[sid][0], 4), scored[sid][1], scored[sid][2]) for sid in ordered)
    suggestion = outcome.suggestion if outcome else None
    return Results(request, query, len(kept), hits, suggestion, facets)


def search(snapshot: Snapshot, catalog: Catalog, request: Request) -> Results:
    query = normalize(request.query)
    if not query:
        return rank(catalog, request, "", None)
    return rank(catalog, request, query, match(snapshot, catalog, query, request.locale))


def suggest(snapshot: Snapshot, catalog: Catalog, query: str, locale: str, limit: int = 8) -> list[Hit]:
    """Services for an autocomplete, where the last word may be unfinished: it also matches the most used known
    words it begins. No typo correction: the resident has not finished typing."""
    query = normalize(query)
    home = snapshot.locales.get(locale) or snapshot.locales[catalog.default_locale]
    words = home.analyzer.words(query)
    if not words:
        return []
    clauses = clauses_for(home.analyzer, query, synonym_groups(catalog, home.analyzer, home.locale))
    last = words[-1]
    if not is_cjk(last) and len(last) >= 2:
        if not clauses or clauses[-1].word != last:
            clauses.append(Clause(last, []))
        for word in home.words_starting(last, 12):
            term = home.analyzer.term(word)
            if term:
                clauses[-1].alternatives.append(((term,), 1.0))
    found = Match()
    found.add(home, score_clauses(home, clauses))
    if not found.scores:
        found = match(snapshot, catalog, query, locale, fuzzy=False).match
    request = Request(query, locale, page_size=limit)
    return list(rank(catalog, request, query, Outcome(found, None)).hits)
