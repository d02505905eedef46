"""A search request -> one page of results: best bets first, filters, facet counts, pages.

Matching and ranking (synonyms, languages, typos) live in `matching`; this module turns matches into results.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import chain
from operator import itemgetter
from typing import cast

from portal.catalog import Catalog
from portal.catalog.memo import per_catalog

from . import matching
from .analysis import fold
from .clauses import clauses_for, prefix_clause
from .matching import Match as _Match
from .matching import Outcome, match
from .reader import Snapshot
from .synonyms import synonyms_for

MAX_QUERY_CHARS = 200
INACTIVE = 0.25  # a service no longer taking applications ranks below an active one that matches in its summary
MIN_SHARE = 0.2  # results scoring under a fifth of the best one are left out (when there are many)
# A search finds at most this many services, the best; filters narrow those down, so a facet's count is what
# choosing it shows. A resident never pages past the first few, and counting facets over thousands of weak
# matches ("tax" in 8,000 services) costs more than the rest of the search.
MAX_RESULTS = 500
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


@dataclass(frozen=True)
class Prior:
    """Use as ranking applies it: a match scores up to `1 + weight` times more for the most used service."""

    shares: Mapping[str, float] = field(default_factory=dict)  # service id -> use, 0 to 1 (`popularity.shares`)
    weight: float = 0.0

    @property
    def reach(self) -> float:
        """The most it multiplies a score by."""
        return 1.0 + self.weight if self.shares and self.weight > 0 else 1.0

    def lift(self, scores: dict[str, float], closed: Collection[str] = ()) -> None:
        """Multiply the scores of services residents use (not of those since closed) in place."""
        if self.reach == 1.0:
            return
        shares, weight = self.shares, self.weight
        fewer = scores if len(scores) <= len(shares) else shares
        for sid in [sid for sid in fewer if sid in shares and sid in scores and sid not in closed]:
            scores[sid] *= 1.0 + weight * shares[sid]


NO_PRIOR = Prior()


# --- results ---------------------------------------------------------------------------------------------------


class CatalogFacts:
    """What ranking needs to know about a catalog's services, worked out once per catalog: which services carry
    each facet value, which are inactive, the A-to-Z order and titles per locale."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.values: dict[str, dict[str, set[str]]] = {f: {} for f in FACETS}
        # For counting: the services with exactly one value (most), and the others (see `count`).
        self.one: dict[str, dict[str, str]] = {f: {} for f in FACETS}
        self.several: dict[str, dict[str, tuple[str, ...]]] = {f: {} for f in FACETS}
        for s in catalog.services.values():
            for facet, values in (
                ("agency", (s.agency,)),
                ("category", s.categories),
                ("life_event", s.life_events),
            ):
                if len(values) == 1:
                    self.one[facet][s.id] = values[0]
                elif values:
                    self.several[facet][s.id] = values
                for v in values:
                    self.values[facet].setdefault(v, set()).add(s.id)
        self.inactive = {s.id for s in catalog.services.values() if not s.active}
        self._titles: dict[str, dict[str, str]] = {}
        self._browse: dict[str, list[str]] = {}

    def title(self, sid: str, locale: str) -> str:
        titles = self._titles.setdefault(locale, {})
        key = titles.get(sid)
        if key is None:
            key = titles[sid] = self.catalog.services[sid].title.get(locale).text.casefold()
        return key

    def a_to_z(self, locale: str) -> list[str]:
        """Every service, active ones first, by title in this language."""
        order = self._browse.get(locale)
        if order is None:
            order = self._browse[locale] = sorted(
                self.catalog.services, key=lambda sid: (sid in self.inactive, self.title(sid, locale))
            )
        return order

    def count(self, facet: str, services: Iterable[str]) -> Counter[str]:
        """How many of these services carry each value of a facet (one C-level pass for the single-valued)."""
        several = self.several[facet]
        if several:
            services = list(services)
        found: Counter[str | None] = Counter(map(self.one[facet].get, services))
        found.pop(None, None)  # services with no value, or several
        counts = cast("Counter[str]", found)
        if several:
            counts.update(chain.from_iterable(several[sid] for sid in services if sid in several))
        return counts

    def allowed(self, facet: str, chosen: frozenset[str]) -> set[str]:
        return set().union(*(self.values[facet].get(v, set()) for v in chosen))


@per_catalog(limit=8)
def facts_for(catalog: Catalog) -> CatalogFacts:
    return CatalogFacts(catalog)


def best_bets(catalog: Catalog, query: str, locale: str) -> tuple[str, ...]:
    key = " ".join(fold(query).split())
    for loc in dict.fromkeys((locale, catalog.default_locale)):
        for bet_query, ids in catalog.best_bets.get(loc, {}).items():
            if " ".join(fold(bet_query).split()) == key:
                return tuple(i for i in ids if i in catalog.services)
    return ()


def rank(
    catalog: Catalog,
    request: Request,
    query: str,
    outcome: Outcome | None,
    prior: Prior = NO_PRIOR,
) -> Results:
    """Pin best bets, filter, count facets (set operations, not a loop over matches), order and cut one page.
    `prior`: how much residents use each service (see `popularity`). Browsing (no query) stays A to Z."""
    facts = facts_for(catalog)
    locale = request.locale
    if outcome is None:  # browsing: every service
        scores: dict[str, float] = dict.fromkeys(catalog.services, 0.0)
        locales: dict[str, str] = {}
        pinned: tuple[str, ...] = ()
    else:
        scores = outcome.scores
        locales = outcome.locales
        if not outcome.same_catalog:  # the index is a moment older or newer than the catalog
            services = catalog.services
            for sid in [sid for sid in scores if sid not in services]:
                del scores[sid]
        for sid in [sid for sid in facts.inactive if sid in scores]:
            scores[sid] *= INACTIVE
        prior.lift(scores, closed=facts.inactive)  # services residents can still start, not those since closed
        top = max(scores.values(), default=0.0)
        if len(scores) > matching.LONG_TAIL_FROM:
            # The long tail matching only a common word is noise to a resident ("8,572 services found"), and
            # costs every later step: keep what scores within reach of the best match.
            floor = matching.lowest_kept(list(scores.values()), MIN_SHARE, MAX_RESULTS)
            scores = {sid: s for sid, s in scores.items() if s >= floor}
        pinned = best_bets(catalog, query, locale)
        for i, sid in enumerate(pinned):
            scores[sid] = top + len(pinned) - i
    filters = request.filters()
    allowed = {f: facts.allowed(f, chosen) for f, chosen in filters.items() if chosen}
    matched = scores.keys()
    facets = {}
    for facet in FACETS:
        base: Iterable[str] = matched
        for other, ids in allowed.items():
            if other != facet:
                base = ids.intersection(base)
        counts = facts.count(facet, base)
        shown = {v for v, n in counts.items() if n} | filters[facet]
        facets[facet] = tuple(
            FacetValue(v, counts.get(v, 0), v in filters[facet])
            for v in sorted(shown, key=lambda v: (-counts.get(v, 0), v))
        )
    kept: Collection[str] = matched
    for ids in allowed.values():
        kept = ids.intersection(kept)
    start = (request.page - 1) * request.page_size
    end = start + request.page_size
    if outcome is None:
        ordered = [sid for sid in facts.a_to_z(locale) if sid in kept][start:end]
    else:
        candidates = scores.items() if len(kept) == len(scores) else ((sid, scores[sid]) for sid in kept)
        best = heapq.nlargest(end + 16, candidates, key=itemgetter(1))  # a few extra: ties go A to Z
        best.sort(key=lambda item: (-item[1], facts.title(item[0], locale)))
        ordered = [sid for sid, _ in best[start:end]]
    hits = tuple(Hit(sid, round(scores[sid], 4), locales.get(sid, locale), sid in pinned) for sid in ordered)
    suggestion = outcome.suggestion if outcome else None
    return Results(request, query, len(kept), hits, suggestion, facets)


def search(
    snapshot: Snapshot,
    catalog: Catalog,
    request: Request,
    prior: Prior = NO_PRIOR,
) -> Results:
    query = normalize(request.query)
    if not query:
        return rank(catalog, request, "", None)
    # Matching may drop the long tail already, as long as nothing rank() keeps is lost: use can lift a score by
    # up to prior.reach, and the best match may be a closed service (scored INACTIVE times less), so its floor
    # is that much lower.
    closed = INACTIVE if facts_for(catalog).inactive else 1.0
    floor = MIN_SHARE * closed / prior.reach
    # Matching cuts a little wider than rank() does: use and inactivity still reorder what it keeps.
    outcome = match(snapshot, catalog, query, request.locale, floor=floor, limit=2 * MAX_RESULTS)
    outcome.same_catalog = snapshot.manifest.digest == catalog.digest
    return rank(catalog, request, query, outcome, prior)


def suggest(
    snapshot: Snapshot,
    catalog: Catalog,
    query: str,
    locale: str,
    limit: int = 8,
    prior: Prior = NO_PRIOR,
) -> list[Hit]:
    """Services for an autocomplete, where the last word may be unfinished: it also matches the most used known
    words it begins. No typo correction: the resident has not finished typing."""
    query = normalize(query)
    home = snapshot.locales.get(locale) or snapshot.locales[catalog.default_locale]
    words = home.analyzer.words(query)
    if not words:
        return []
    clauses = clauses_for(home.analyzer, query, synonyms_for(catalog, home.locale))
    prefix_clause(home, clauses, words[-1])
    found = _Match(tuple(dict.fromkeys(c.key for c in clauses if not c.minor)))
    found.add(home, clauses)
    scores, locales = found.scores()
    outcome = Outcome(scores, locales) if scores else match(snapshot, catalog, query, locale, fuzzy=False)
    outcome.same_catalog = snapshot.manifest.digest == catalog.digest
    return list(rank(catalog, Request(query, locale, page_size=limit), query, outcome, prior).hits)
