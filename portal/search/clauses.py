"""What a query means: its clauses, each a word typed (or a synonym phrase) with the alternatives that may
match it, in one language's terms.

- Each content word is a clause (stop and question words dropped, or kept as `minor` clauses that only add a
  little); a synonym phrase from the catalog or the thesaurus is one clause that accepts any of its variants
  ("food stamps" = "snap" = "ebt").
- Two words the index knows written as one ("child care" / "childcare") match either way.
- Rare spellings with a much more common neighbour ("license" where the catalog says "licence") also match it.
- `correct` finds the word a typo meant: the closest known word (1 edit up to 7 letters, 2 from 8).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .analysis import MARK, Analyzer, fold, is_cjk
from .reader import LocaleIndex
from .synonyms import SynonymTable, synonym_at

VARIANT = 0.8  # a much more common spelling of a rare word
COMPOUND = 0.6  # each of two words matching their one-word form (counted twice: 1.2 for the pair)
TASK_WORD = 0.5  # "apply", "renew", "form": the task, not the service (see analysis.TASK_WORDS)
STOPWORD = 0.15  # weight of a stop word typed, where it appears verbatim
UNMARKED = 0.5  # a word typed with marks that tell words apart (vi), matching only without them (thuế ~ thuê)
VARIANT_MAX_FREQUENCY = 2  # words used by at most this many services may be a rarer spelling...
VARIANT_MIN_RATIO = 5  # ...of a neighbour used this many times more
RESPELL_FROM = 8  # a word this long that no service uses, one edit from a common one, is a typo of it


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
    marked = analyzer.marked_words(query)  # [] unless the language's marks tell words apart
    stems = tuple(w if is_cjk(w) else analyzer.stem_word(w) for w in words)
    clauses: list[Clause] = []
    i = 0
    while i < len(words):
        span, variants = synonym_at(stems, i, synonyms)
        if variants:
            typed = tuple(words[i : i + span])
            clause = Clause(" ".join(typed), [])
            mine = _alternatives(analyzer, tuple(marked[i : i + span]) if marked else typed, 1.0)
            for alternative in mine:
                clause.add(alternative)
            for variant, weight in variants:
                for alternative in _alternatives(analyzer, variant, weight):
                    if all(alternative.terms != m.terms for m in mine):
                        clause.add(alternative)
            clauses.append(clause)
            i += span
            continue
        word = words[i]
        as_typed = marked[i] if marked else word
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
            if as_typed != word and analyzer.term(word):  # typed with its marks: those who have them first
                clauses.append(Clause(word, _alternatives(analyzer, (as_typed,), weight), correctable))
            else:
                clauses.append(Clause(word, [Alternative((term,), weight, (word,))], correctable))
        elif STOPWORD and word not in {c.key for c in clauses}:
            clauses.append(Clause(word, [Alternative((), STOPWORD, (word,))], minor=True))
    return clauses


def _alternatives(analyzer: Analyzer, words: Sequence[str], weight: float) -> list[Alternative]:
    """A phrase's alternative; for a language whose marks tell words apart (MARKED_LANGUAGES), words written
    with marks match those first, and the folded phrase at UNMARKED."""
    folded = tuple(fold(w) for w in words)
    plain = Alternative(_phrase_terms(analyzer, folded), weight, _exact(folded))
    if not analyzer.marked or folded == tuple(words):
        return [plain]
    terms = []
    for word, bare in zip(words, folded, strict=True):
        term = analyzer.term(bare)
        if term:
            terms.append(MARK + word if word != bare else term)
    if not terms:
        return [plain]
    return [Alternative(tuple(terms), weight, _exact(folded)), Alternative(plain.terms, weight * UNMARKED, plain.exact)]


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


def add_variants(index: LocaleIndex, clauses: Iterable[Clause]) -> dict[str, str]:
    """A word few services use, one edit from a word many use: match that one too (licence/license). Returns
    the most used neighbour of each long word no service uses ("unemploymnet" -> "unemployment"), for "Did you
    mean". Short ones are often real words of their own ("diving", "fiance", "labour"): matched, not corrected."""
    respelled: dict[str, str] = {}
    for clause in clauses:
        word = clause.key
        if not clause.correctable or len(word) < 5:
            continue
        frequency = index.word_frequency(word)
        if frequency > VARIANT_MAX_FREQUENCY:
            continue
        best = 0
        for neighbour, count in index.words_within(word, 1):
            if count >= VARIANT_MIN_RATIO * max(1, frequency):
                term = index.analyzer.term(neighbour)
                if term:
                    clause.add(Alternative((term,), VARIANT, (neighbour,)))
                    if frequency == 0 and len(word) >= RESPELL_FROM and count > best:
                        respelled[word], best = neighbour, count
    return respelled


def max_edits(word: str) -> int:
    """Typo tolerance scaled to word length: none under 4 letters, 1 edit up to 7, 2 from 8."""
    if len(word) < 4:
        return 0
    return 1 if len(word) < 8 else 2


def correct(order: Sequence[LocaleIndex], word: str) -> tuple[str, int, LocaleIndex] | None:
    """The likeliest intended word: fewest edits, then most used; the first index (the resident's) counts double."""
    for distance in range(1, max_edits(word) + 1):
        best: tuple[int, int, str, LocaleIndex] | None = None
        for rank, index in enumerate(order):
            for candidate, frequency in index.words_within(word, distance):
                if len(candidate) < 3 or candidate.isdigit():
                    continue
                key = (frequency * (2 if rank == 0 else 1), -rank)
                if best is None or key > (best[0], best[1]):
                    best = (key[0], key[1], candidate, index)
        if best is not None:
            return best[2], distance, best[3]
    return None


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
