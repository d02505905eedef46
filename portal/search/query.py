"""A search request -> one page of results: best bets first, filters, facet counts, pages.

Matching and ranking (synonyms, languages, typos) live in `matching`; this module turns matches into results.
"""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from portal.catalog import Catalog

from .analysis import fold
from .matching import Match as _Match
from .matching import Outcome, clauses_for, match, prefix_clause, synonym_groups
from .reader import Snapshot

MAX_QUERY_CHARS = 200
INACTIVE = 0.5
FACETS = ("agency", "category", "life_event")

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
        for sid, (s, loc) in outcome.scores.items():
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
    prefix_clause(home, clauses, words[-1])
    found = _Match(tuple(dict.fromkeys(c.key for c in clauses if not c.minor)))
    found.add(home, clauses)
    scores = found.scores()
    if not scores:
        scores = match(snapshot, catalog, query, locale, fuzzy=False).scores
    request = Request(query, locale, page_size=limit)
    return list(rank(catalog, request, query, Outcome(scores, None)).hits)
