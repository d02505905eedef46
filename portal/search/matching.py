"""Which documents match a query, best first (what the query means is `clauses`).

1. The query becomes clauses (see `clauses`): content words, synonym phrases, compounds.
2. The resident's language is searched first. Clauses it does not know are looked up in the catalog's other
   languages, and a service's clauses are scored in whichever of its languages matches them best (the French
   site finds "social insurance number"; "renouveler mon passport" finds the passport).
3. Words no language knows are treated as typos (`clauses.correct`): the closest known word joins its clause
   at a discount, and "Did you mean" offers the corrected query when it does clearly better.
4. A document's score is the sum of its clauses' BM25F scores times the share of clauses it matches, so the few
   words that matter in a long question decide. Stop words typed add a little where they appear verbatim
   ("sign in", "death of"), never enough to drown a content word.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, compress, repeat
from operator import add, mul

from portal.catalog import Catalog

from .analysis import fold
from .clauses import (
    Alternative,
    Clause,
    add_compounds,
    add_single_characters,
    add_variants,
    clauses_for,
    correct,
    known,
)
from .reader import LocaleIndex, Snapshot
from .synonyms import synonyms_for

CROSS_LANGUAGE = 0.9  # a match in another language than the resident's ranks a little lower
TYPO = {1: 0.8, 2: 0.6}  # a corrected word's match, by edit distance
COORDINATION = 1.0  # score *= (matched clauses / clauses) ** COORDINATION
SUGGEST_WHEN_BETTER = 1.25
LONG_TAIL_FROM = 50  # below this many matches, every one is kept

_TYPED_WORD = re.compile(r"[^\W_]+")


# --- scoring -----------------------------------------------------------------------------------------------------


def clause_scores(index: LocaleIndex, clause: Clause) -> dict[int, float]:
    """docnum -> the clause's score: its best alternative."""
    best: dict[int, float] = {}
    for alt in clause.alternatives:
        if not alt.terms:
            scores = _all_of(index, alt.exact, "words")
            if alt.weight != 1.0:
                scores = {d: s * alt.weight for d, s in scores.items()}
            best = best or scores
            continue
        scores = _all_of(index, alt.terms)
        if not scores:
            continue
        if alt.weight != 1.0:
            scores = {d: s * alt.weight for d, s in scores.items()}
        if not best:
            best = scores
            continue
        for d, s in scores.items():
            if s > best.get(d, 0.0):
                best[d] = s
    return best


def _all_of(index: LocaleIndex, terms: Sequence[str], fieldname: str = "text") -> dict[int, float]:
    postings = [index.postings(t, fieldname) for t in dict.fromkeys(terms)]
    if not postings or any(len(p) == 0 for p in postings):
        return {}
    postings.sort(key=len)
    scores = dict(zip(postings[0].docs, postings[0].scores, strict=True))
    for p in postings[1:]:
        other = dict(zip(p.docs, p.scores, strict=True))
        scores = {d: s + other[d] for d, s in scores.items() if d in other}
    return scores


@dataclass
class _Scored:
    index: LocaleIndex
    factor: float
    clauses: list[tuple[str, bool, dict[int, float]]]  # (key, minor, docnum -> score)


class Match:
    """Scores per clause in each language searched; combined per service on demand."""

    def __init__(self, keys: tuple[str, ...], floor: float = 0.0, limit: int = 0) -> None:
        self.keys = keys  # the clauses that count (the resident's language's)
        # Documents scoring under this share of the best are dropped before they are named (see query.rank's
        # floor, which this only anticipates: it is set a little lower than that one).
        self.floor = floor
        self.limit = limit  # at most this many documents, the best (0: all)
        self.parts: list[_Scored] = []

    def add(self, index: LocaleIndex, clauses: Sequence[Clause], factor: float = 1.0) -> None:
        counted = set(self.keys)
        seen: set[str] = set()
        scored = []
        for c in clauses:
            if c.key in seen or not (c.key in counted or c.minor):
                continue  # a word typed twice counts once
            seen.add(c.key)
            scored.append((c.key, c.key not in counted, clause_scores(index, c)))
        self.parts.append(_Scored(index, factor, scored))

    def scores(self) -> tuple[dict[str, float], dict[str, str]]:
        """(service id -> score, service id -> language that matched, where not the resident's)."""
        if len(self.parts) == 1:
            return self._one_language(self.parts[0]), {}
        return self._languages()

    def _one_language(self, part: _Scored) -> dict[str, float]:
        # The hot path, over every matching document of a query: each step is one C-level pass (map, zip,
        # dict.update, Counter) rather than a Python loop, which costs several times more per document.
        matching = [scores for _key, minor, scores in part.clauses if scores and not minor]
        if not matching:
            return {}
        totals = dict(matching[0])
        for scores in matching[1:]:
            totals.update(
                zip(scores, map(add, scores.values(), map(totals.get, scores, repeat(0.0))), strict=True)
            )
        for _key, minor, scores in part.clauses:
            if minor and scores:  # a stop word adds to documents that matched something else
                common = [d for d in scores if d in totals]
                added = map(add, map(totals.__getitem__, common), map(scores.__getitem__, common))
                totals.update(zip(common, added, strict=True))
        ids, n = part.index.ids, len(self.keys)
        factors: Iterable[float] = repeat(part.factor)
        if n > 1 and COORDINATION:
            counts = Counter(chain.from_iterable(matching))
            share = [part.factor * (k / n) ** COORDINATION for k in range(n + 1)]
            factors = map(share.__getitem__, map(counts.__getitem__, totals))
        docs: Iterable[int] = totals.keys()
        values: Iterable[float] = map(mul, totals.values(), factors)
        if (self.floor or self.limit) and len(totals) > LONG_TAIL_FROM:
            values = list(values)
            cut = lowest_kept(values, self.floor, self.limit)
            keep = list(map(cut.__le__, values))
            docs, values = compress(docs, keep), compress(values, keep)
        return dict(zip(map(ids.__getitem__, docs), values, strict=False))  # type: ignore[arg-type]

    def _languages(self) -> tuple[dict[str, float], dict[str, str]]:
        # A service's clause may match in one of its languages and another clause in another.
        per_service: dict[str, dict[str, float]] = {}
        bonus: dict[str, float] = {}
        best: dict[str, tuple[float, str]] = {}
        for part in self.parts:
            ids, factor = part.index.ids, part.factor
            totals: dict[str, float] = {}
            for key, minor, scores in part.clauses:
                for d, s in scores.items():
                    sid = ids[d]
                    if sid is None:
                        continue
                    s *= factor
                    totals[sid] = totals.get(sid, 0.0) + s
                    if minor:
                        bonus[sid] = max(bonus.get(sid, 0.0), s)
                        continue
                    per = per_service.setdefault(sid, {})
                    if s > per.get(key, 0.0):
                        per[key] = s
            for sid, total in totals.items():
                if total > best.get(sid, (0.0, ""))[0]:
                    best[sid] = (total, part.index.locale)
        n = len(self.keys)
        home = self.parts[0].index.locale
        out: dict[str, float] = {}
        for sid, per in per_service.items():
            total = sum(per.values()) + bonus.get(sid, 0.0)
            if n > 1 and COORDINATION:
                total *= (len(per) / n) ** COORDINATION
            out[sid] = total
        if (self.floor or self.limit) and len(out) > LONG_TAIL_FROM:
            cut = lowest_kept(list(out.values()), self.floor, self.limit)
            out = {sid: s for sid, s in out.items() if s >= cut}
        return out, {sid: loc for sid, (_, loc) in best.items() if loc != home and sid in out}


def lowest_kept(scores: Sequence[float], share: float, limit: int) -> float:
    """The lowest score to keep: `share` of the best one, raised so that at most `limit` stay (0: no limit)."""
    cut = share * max(scores, default=0.0)
    if limit and len(scores) > limit:
        cut = max(cut, sorted(scores, reverse=True)[limit - 1])  # a C sort beats a heap here
    return cut


@dataclass
class Outcome:
    scores: dict[str, float]  # service id -> score
    locales: dict[str, str]  # service id -> the language whose text matched, where not the resident's
    suggestion: str | None = None
    same_catalog: bool = False  # built from the very catalog being served: every id is in it


def match(
    snapshot: Snapshot,
    catalog: Catalog,
    query: str,
    locale: str,
    *,
    fuzzy: bool = True,
    floor: float = 0.0,
    limit: int = 0,
) -> Outcome:
    """`floor`: leave out documents scoring under this share of the best one (when there are many); `limit`:
    keep at most this many, the best."""
    home = snapshot.locales.get(locale) or snapshot.locales[catalog.default_locale]
    others = list(snapshot.others(home.locale))
    outcome = _match(
        home, others, catalog, query, fuzzy=fuzzy, keep_stopwords=False, floor=floor, limit=limit
    )
    if not outcome.scores:  # nothing but question words matched nothing: let them count after all
        fallback = _match(
            home, others, catalog, query, fuzzy=False, keep_stopwords=True, floor=floor, limit=limit
        )
        if fallback.scores:
            return fallback
    return outcome


def _match(
    home: LocaleIndex,
    others: list[LocaleIndex],
    catalog: Catalog,
    query: str,
    *,
    fuzzy: bool,
    keep_stopwords: bool,
    floor: float = 0.0,
    limit: int = 0,
) -> Outcome:
    plans: dict[str, list[Clause]] = {}

    def plan(index: LocaleIndex) -> list[Clause]:
        if index.locale not in plans:
            groups = synonyms_for(catalog, index.locale)
            clauses = clauses_for(index.analyzer, query, groups, keep_stopwords=keep_stopwords)
            add_compounds(index, clauses)
            add_single_characters(index, clauses)
            plans[index.locale] = clauses
        return plans[index.locale]

    def known_elsewhere(word: str) -> bool:  # a word of another of the catalog's languages: no typo
        return any(known(i, c) for i in others for c in plan(i) if c.key == word)

    def suggesting(replacements: Mapping[str, str], scores: Mapping[str, float]) -> str | None:
        return replace_words(query, replacements) if replacements and scores else None

    home_clauses = plan(home)
    keys = tuple(dict.fromkeys(c.key for c in home_clauses if not c.minor))
    if not keys:
        return Outcome({}, {})
    respelled: dict[str, str] = {}  # words no language knows, matched through a common spelling one edit away
    if fuzzy:
        unmatched = {c.key for c in home_clauses if not known(home, c)}
        respelled = {w: v for w, v in add_variants(home, home_clauses).items() if w in unmatched}
    unknown = {c.key for c in home_clauses if not known(home, c)}
    result = Match(keys, floor, limit)
    result.add(home, home_clauses)
    searched = [home]
    found_home = any(scores for _, minor, scores in result.parts[0].clauses if not minor)
    for other in others:
        if not unknown and found_home:
            break
        clauses = plan(other)
        if found_home and not any(c.key in unknown and known(other, c) for c in clauses):
            continue
        result.add(other, clauses, CROSS_LANGUAGE)
        searched.append(other)
    respelled = {w: v for w, v in respelled.items() if not known_elsewhere(w)}
    if not fuzzy or not unknown:
        scores, locales = result.scores()
        return Outcome(scores, locales, suggesting(respelled, scores))
    lost = [c for c in home_clauses if c.key in unknown and c.correctable and not known_elsewhere(c.key)]
    corrections: dict[str, tuple[str, int, LocaleIndex]] = {}
    for clause in lost:
        fix = correct([home, *others], clause.key)
        if fix is not None:
            corrections[clause.key] = fix
    scores, locales = result.scores()
    if not corrections:
        return Outcome(scores, locales, suggesting(respelled, scores))
    before = max(scores.values(), default=0.0)
    for word, (better, distance, index) in corrections.items():
        term = index.analyzer.term(better)
        if term:
            for clause in plan(index):
                if clause.key == word:
                    clause.add(Alternative((term,), TYPO[distance], (better,)))
            if index not in searched:
                searched.append(index)
    corrected = Match(keys, floor, limit)
    for index in searched:
        corrected.add(index, plan(index), 1.0 if index is home else CROSS_LANGUAGE)
    scores, locales = corrected.scores()
    after = max(scores.values(), default=0.0)
    if after > 0 and (before == 0 or after >= SUGGEST_WHEN_BETTER * before):
        respelled |= {w: fix[0] for w, fix in corrections.items()}
    return Outcome(scores, locales, suggesting(respelled, scores))


def replace_words(query: str, replacements: Mapping[str, str]) -> str:
    def swap(m: re.Match[str]) -> str:
        return replacements.get(fold(m.group()), m.group())

    return _TYPED_WORD.sub(swap, query)
