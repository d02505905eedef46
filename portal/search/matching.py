"""What a query means and which documents match it, best first.

1. The query becomes clauses: each content word (stop and question words dropped), or a synonym phrase from the
   catalog whose clause accepts any of its equivalents ("food stamps" = "snap" = "ebt"). Two words the index
   knows written as one ("child care" / "childcare") match either way.
2. The resident's language is searched first. Clauses it does not know are looked up in the catalog's other
   languages, and a service's clauses are scored in whichever of its languages matches them best (the French
   site finds "social insurance number"; "renouveler mon passport" finds the passport).
3. Words no language knows are treated as typos: the closest known words (1 edit up to 7 letters, 2 from 8)
   join their clause at a discount, and "Did you mean" offers the corrected query when it does clearly better.
   Rare spellings with a much more common neighbour ("license" where the catalog says "licence") also match it.
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

from . import thesaurus
from .analysis import Analyzer, fold, is_cjk
from .reader import LocaleIndex, Snapshot

CROSS_LANGUAGE = 0.9  # a match in another language than the resident's ranks a little lower
SYNONYM = 0.9  # a catalog synonym's match counts a little less than the word typed
THESAURUS = 0.7  # an everyday word from the shipped thesaurus (kids -> children), less again
TYPO = {1: 0.8, 2: 0.6}  # a corrected word's match, by edit distance
VARIANT = 0.8  # a much more common spelling of a rare word
COMPOUND = 0.6  # each of two words matching their one-word form (counted twice: 1.2 for the pair)
TASK_WORD = 0.5  # "apply", "renew", "form": the task, not the service (see analysis.TASK_WORDS)
STOPWORD = 0.15  # weight of a stop word typed, where it appears verbatim
COORDINATION = 1.0  # score *= (matched clauses / clauses) ** COORDINATION
SUGGEST_WHEN_BETTER = 1.25
FLOOR_FROM = 50  # below this many matches, every one is kept
VARIANT_MAX_FREQUENCY = 2  # words used by at most this many services may be a rarer spelling...
VARIANT_MIN_RATIO = 5  # ...of a neighbour used this many times more

_TYPED_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Alternative:
    terms: tuple[str, ...]  # stemmed terms that must all match
    weight: float = 1.0
    exact: tuple[str, ...] = ()  # the unstemmed words (stop words are matched by these alone)


@dataclass
class Clause:
    key: str  # the folded word(s) typed: the same in every language's plan
    alternatives: list[Alternative]
    correctable: bool = False
    minor: bool = False  # a stop word: adds a little where it appears verbatim, never required, never counted

    def add(self, alternative: Alternative) -> None:
        if alternative.terms and alternative not in self.alternatives:
            self.alternatives.append(alternative)


def clauses_for(
    analyzer: Analyzer, query: str, synonyms: SynonymTable, *, keep_stopwords: bool = False
) -> list[Clause]:
    words = analyzer.words(query, keep_stopwords=True)
    stems = tuple(w if is_cjk(w) else analyzer.stem_word(w) for w in words)
    clauses: list[Clause] = []
    i = 0
    while i < len(words):
        span, variants = _synonym_at(stems, i, synonyms)
        if variants:
            typed = tuple(words[i : i + span])
            clause = Clause(" ".join(typed), [])
            mine = _phrase_terms(analyzer, typed)
            clause.add(Alternative(mine, 1.0, _exact(typed)))
            for variant, weight in variants:
                terms = _phrase_terms(analyzer, variant)
                if terms != mine:
                    clause.add(Alternative(terms, weight, _exact(variant)))
            clauses.append(clause)
            i += span
            continue
        word = words[i]
        i += 1
        if is_cjk(word):
            clauses.extend(
                Clause(g, [Alternative((g,))]) for g in _word_terms(analyzer, word, keep_stop=False)
            )
            continue
        term = analyzer.term(word)
        if term is None and keep_stopwords:
            term = analyzer.stem_word(word)
        if term:
            correctable = len(word) >= 4 and not word.isdigit()
            weight = TASK_WORD if word in analyzer.task_words else 1.0
            clauses.append(Clause(word, [Alternative((term,), weight, (word,))], correctable))
        elif STOPWORD and word not in {c.key for c in clauses}:
            clauses.append(Clause(word, [Alternative((), STOPWORD, (word,))], minor=True))
    return clauses


def _phrase_terms(analyzer: Analyzer, words: Sequence[str]) -> tuple[str, ...]:
    """A phrase's index terms: its stop words are not indexed ("licencia de conducir"), unless it is nothing
    but stop words."""
    terms = tuple(t for w in words for t in _word_terms(analyzer, w, keep_stop=False))
    return terms or tuple(t for w in words for t in _word_terms(analyzer, w, keep_stop=True))


def _exact(words: Sequence[str]) -> tuple[str, ...]:
    return tuple(w for w in words if not is_cjk(w))


def _word_terms(analyzer: Analyzer, word: str, *, keep_stop: bool) -> list[str]:
    if is_cjk(word):
        return analyzer.terms(word)
    term = analyzer.term(word)
    if term is None and keep_stop:
        term = analyzer.stem_word(word)
    return [term] if term else []


@dataclass(frozen=True)
class Synonym:
    """Typed, any of `triggers` (as stems) also matches each of `variants` (folded words) at `weight`."""

    triggers: tuple[tuple[str, ...], ...]
    variants: tuple[tuple[str, ...], ...]
    weight: float


@dataclass(frozen=True)
class SynonymTable:
    entries: tuple[Synonym, ...] = ()
    longest: int = 0
    starts: frozenset[str] = frozenset()  # first stems of every trigger: most words start none

    @classmethod
    def of(cls, entries: Sequence[Synonym]) -> SynonymTable:
        triggers = [t for e in entries for t in e.triggers]
        return cls(tuple(entries), max(map(len, triggers), default=0), frozenset(t[0] for t in triggers))


def _synonym_at(
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


_synonym_tables: dict[tuple[str, str], SynonymTable] = {}


def synonym_groups(catalog: Catalog, analyzer: Analyzer, locale: str) -> SynonymTable:
    """The catalog's synonyms for a locale, then the shipped thesaurus of its language, with triggers as stems.
    Computed once per catalog."""
    key = (catalog.digest, locale)
    table = _synonym_tables.get(key)
    if table is None:
        entries = []

        def words(phrase: str) -> tuple[str, ...]:
            return tuple(analyzer.words(phrase, keep_stopwords=True))

        def stems(phrase: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(w if is_cjk(w) else analyzer.stem_word(w) for w in phrase)

        for group in catalog.synonyms.get(locale, ()):
            variants = tuple(v for v in map(words, group) if v)
            if len(variants) > 1:
                entries.append(Synonym(tuple(map(stems, variants)), variants, SYNONYM))
        for entry in thesaurus.entries_for(locale):
            triggers = tuple(v for v in map(words, entry.triggers) if v)
            variants = tuple(v for v in map(words, entry.variants) if v)
            if triggers and variants:
                entries.append(Synonym(tuple(map(stems, triggers)), variants, THESAURUS))
        table = SynonymTable.of(entries)
        if len(_synonym_tables) > 256:
            _synonym_tables.clear()
        _synonym_tables[key] = table
    return table


# --- words the index knows ---------------------------------------------------------------------------------------


def known(index: LocaleIndex, clause: Clause) -> bool:
    return any(all(index.doc_frequency(t) > 0 for t in alt.terms) for alt in clause.alternatives)


def add_compounds(index: LocaleIndex, clauses: list[Clause]) -> None:
    """'child care' also matches 'childcare', and 'childcare' also 'child care', where the index knows them."""
    analyzer = index.analyzer
    plain = [
        c for c in clauses if c.correctable or (len(c.key) >= 2 and " " not in c.key and not is_cjk(c.key))
    ]
    for a, b in zip(plain, plain[1:], strict=False):
        joined = a.key + b.key
        term = analyzer.term(joined)
        if term and index.doc_frequency(term) > 0:
            alternative = Alternative((term,), COMPOUND, (joined,))
            a.add(alternative)
            b.add(alternative)
    for clause in plain:
        word = clause.key
        if len(word) < 8 or known(index, clause):
            continue
        for cut in range(4, len(word) - 3):  # parts of four letters or more: "pas"+"port" is no compound
            left, right = analyzer.term(word[:cut]), analyzer.term(word[cut:])
            if left and right and index.doc_frequency(left) > 0 and index.doc_frequency(right) > 0:
                clause.add(Alternative((left, right), 1.0, (word[:cut], word[cut:])))
                break


def add_single_characters(index: LocaleIndex, clauses: Iterable[Clause]) -> None:
    """A lone Chinese, Japanese or Korean character typed matches the bigrams it begins (only bigrams are indexed)."""
    for clause in clauses:
        if len(clause.key) == 1 and is_cjk(clause.key):
            for term in index.terms_starting(clause.key, 20):
                clause.add(Alternative((term,), 1.0))


def add_variants(index: LocaleIndex, clauses: Iterable[Clause]) -> None:
    """A word few services use, one edit from a word many use: match that one too (licence/license)."""
    for clause in clauses:
        word = clause.key
        if not clause.correctable or len(word) < 5:
            continue
        frequency = index.word_frequency(word)
        if frequency > VARIANT_MAX_FREQUENCY:
            continue
        for neighbour, count in index.words_within(word, 1):
            if count >= VARIANT_MIN_RATIO * max(1, frequency):
                term = index.analyzer.term(neighbour)
                if term:
                    clause.add(Alternative((term,), VARIANT, (neighbour,)))


def max_edits(word: str) -> int:
    """Typo tolerance scaled to word length: none under 4 letters, 1 edit up to 7, 2 from 8."""
    if len(word) < 4:
        return 0
    return 1 if len(word) < 8 else 2


def correct(
    order: Sequence[LocaleIndex], word: str, everyday: Iterable[str] = ()
) -> tuple[str, int, LocaleIndex] | None:
    """The likeliest intended word: fewest edits, then most used; the first index (the resident's) counts double.
    Besides the words services are named with, `everyday` words of the resident's language (the thesaurus's:
    "unemploymnet" is "unemployment" though no title says it) are candidates where the index knows their stem."""
    home = order[0]
    for distance in range(1, max_edits(word) + 1):
        best: tuple[int, int, str, LocaleIndex] | None = None
        for rank, index in enumerate(order):
            for candidate, frequency in index.words_within(word, distance):
                if len(candidate) < 3 or candidate.isdigit():
                    continue
                key = (frequency * (2 if rank == 0 else 1), -rank)
                if best is None or key > (best[0], best[1]):
                    best = (key[0], key[1], candidate, index)
        if best is None:
            for candidate in everyday:
                if candidate[:1] != word[:1] or abs(len(candidate) - len(word)) > distance:
                    continue
                term = home.analyzer.term(candidate)
                if not term:
                    continue
                frequency = home.doc_frequency(term)
                if (
                    frequency
                    and (best is None or frequency > best[0])
                    and edit_distance(word, candidate, distance) <= distance
                ):
                    best = (frequency, 0, candidate, home)
        if best is not None:
            return best[2], distance, best[3]
    return None


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (adjacent transpositions count one), or more than `limit` once it must be."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


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
        if self.floor and len(totals) > FLOOR_FROM:
            values = list(values)
            cut = self.floor * max(values)
            if self.limit and len(values) > self.limit:
                cut = max(cut, sorted(values, reverse=True)[self.limit - 1])  # a C sort beats a heap here
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
        if self.limit and len(out) > self.limit:
            cut = sorted(out.values(), reverse=True)[self.limit - 1]
            out = {sid: s for sid, s in out.items() if s >= cut}
        return out, {sid: loc for sid, (_, loc) in best.items() if loc != home and sid in out}


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
            groups = synonym_groups(catalog, index.analyzer, index.locale)
            clauses = clauses_for(index.analyzer, query, groups, keep_stopwords=keep_stopwords)
            add_compounds(index, clauses)
            add_single_characters(index, clauses)
            plans[index.locale] = clauses
        return plans[index.locale]

    home_clauses = plan(home)
    keys = tuple(dict.fromkeys(c.key for c in home_clauses if not c.minor))
    if not keys:
        return Outcome({}, {})
    if fuzzy:
        add_variants(home, home_clauses)
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
    if not fuzzy or not unknown:
        return Outcome(*result.scores())
    lost = [
        c
        for c in home_clauses
        if c.key in unknown
        and c.correctable
        and not any(known(i, cl) for i in others for cl in plan(i) if cl.key == c.key)
    ]
    corrections: dict[str, tuple[str, int, LocaleIndex]] = {}
    for clause in lost:
        fix = correct([home, *others], clause.key, thesaurus.words_for(home.locale))
        if fix is not None:
            corrections[clause.key] = fix
    scores, locales = result.scores()
    if not corrections:
        return Outcome(scores, locales)
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
    suggestion = None
    if after > 0 and (before == 0 or after >= SUGGEST_WHEN_BETTER * before):
        suggestion = replace_words(query, {w: fix[0] for w, fix in corrections.items()})
    return Outcome(scores, locales, suggestion)


def replace_words(query: str, replacements: Mapping[str, str]) -> str:
    def swap(m: re.Match[str]) -> str:
        return replacements.get(fold(m.group()), m.group())

    return _TYPED_WORD.sub(swap, query)


def prefix_clause(index: LocaleIndex, clauses: list[Clause], last: str, limit: int = 12) -> None:
    """Let the unfinished last word also match the most used known words it begins (autocomplete)."""
    if is_cjk(last) or len(last) < 2:
        return
    if not clauses or clauses[-1].key != last:
        clauses.append(Clause(last, []))
    for word in index.words_starting(last, limit):
        term = index.analyzer.term(word)
        if term:
            clauses[-1].add(Alternative((term,), 1.0, (word,)))
