"""Text -> index terms, per language, chosen from the locale tag alone.

Every language: case folding and accent folding (so `numero` finds `numéro`), folding *before* stemming so a word
typed with or without its accents stems alike. Languages Whoosh has a Snowball stemmer for (en es fr de ru ...)
are stemmed and lose their stop words; Arabic is light-stemmed (`arabic_light_stem`); Chinese, Japanese and Korean
text (in any locale) becomes overlapping character bigrams; every other language is folded and split on word
boundaries. A new locale needs no code.

Two term flavours: `terms()` (stemmed, stop words out: for ranking) and `words()` (folded but unstemmed: for typo
correction and "did you mean", whose suggestions must be real words).
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from whoosh.lang import NoStemmer, NoStopWords, stemmer_for_language, stopwords_for_language

# Bump whenever terms change for the same text: every index built with another version is rebuilt.
ANALYZER_VERSION = 8

CJK_LANGUAGES = frozenset({"zh", "ja", "ko", "yue"})
# Languages whose accents tell words apart: Vietnamese tones (thuế tax, thuê rent; tội offence, tôi I). Their text
# is also indexed as typed (`marked_terms`), and a word typed with its marks prefers documents that have them; a word
# typed without marks matches both, as everywhere.
MARKED_LANGUAGES = frozenset({"vi"})
MARK = "="  # marked terms start with it: no folded term can (a word is letters and digits)

_CJK = (
    "\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\u1100-\u11ff\u3130-\u318f"
)
_TOKEN = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<word>[^\W_{_CJK}]+)")
_CJK_CHAR = re.compile(f"[{_CJK}]")
_KEEP_MARKS = {"\u3099", "\u309a"}  # kana voicing marks are letters' identity, not accents
_KEEP_LETTERS = {"й"}  # a letter of its own in Russian, not an accented и: folding it breaks stemming ("арендой")
_SPECIAL_FOLDS = str.maketrans(
    {"đ": "d", "ø": "o", "ł": "l", "æ": "ae", "œ": "oe", "ı": "i", "þ": "th", "ð": "d", "\u0640": ""}
)  # U+0640: the Arabic tatweel, a stretch of the line (فـي is في)

# Question and filler words residents type that say nothing about the service they want. Languages not listed
# still get Whoosh's stop words (if any); these only sharpen the ones we know.
QUESTION_WORDS: dict[str, str] = {
    "en": "how what whats where when why who which can could would do does did i im ive me my we get got need "
    "want wanna please find help tell know much many there anyone someone",
    "es": "como cómo que qué donde dónde cuando cuándo cual cuál cuales cuáles quien quién puedo puede pueden "
    "necesito quiero quisiera saber hacer hago obtener conseguir ayuda favor mi mis yo tengo hay",
    "fr": "comment où ou quand pourquoi quel quelle quels quelles qui quoi est-ce puis peux peut pouvez dois doit "
    "faut faire savoir si je j mon ma mes obtenir besoin veux voudrais aide svp il y a",
    "de": "wie was wo wann warum wer welche welcher kann können muss ich mein meine brauche",
    "pt": "como que onde quando porque qual quais quem posso preciso quero meu minha",
    "it": "come cosa dove quando perché quale quali chi posso devo voglio mio mia",
    "ar": "في من على إلى الى عن مع هل كيف ماذا ما متى أين اين وين لماذا ليش ليه هو هي أنا انا نحن أنت انت "
    "أريد اريد بدي عايز ابغى أبغى أحتاج احتاج ممكن لو هذا هذه ذلك تلك التي الذي الذين أو او ثم كل لي يا شو ايش "
    "إيش قد لقد أن ان إن كان كانت علي الي متي هذة",  # ي for final ى and ة written ه, as often typed
    "ht": "mwen m ou w l nou yo pou nan ak avèk yon pa kab kapab pral la a sa ki kijan kouman kòman kisa "
    "kilè poukisa èske eske vle bezwen konn tanpri",
    "tl": "ako ko mo ka ikaw siya niya kami namin tayo natin kayo ninyo sila nila ang ng nang sa mga na ay po opo "
    "ba paano saan kailan bakit ano sino alin gusto kailangan pwede puwede paki kung yung iyong ito iyan dito "
    "doon at o mag nag pag",  # mag-, nag-, pag-: verb prefixes, split off by the hyphen ("mag-apply")
}
# Vietnamese has none: its words are syllables that folding merges with others ("tôi" I / "tội" offence).


# Words of the task rather than of the service ("apply", "renew", "form"): residents type them with the words that
# matter, and almost every title has one. They still match, with half the weight.
TASK_WORDS: dict[str, str] = {
    "en": "apply application applications applying get getting renew renewal renewing replace replacement request "
    "check find register registration book change update report cancel form forms online service services",
    "es": "solicitar solicitud solicitudes obtener renovar renovacion reemplazar pedir cambiar registrar "
    "registro formulario formularios servicio servicios linea",
    "fr": "demande demandes demander faire obtenir renouveler renouvellement remplacer remplacement changer "
    "inscrire inscription formulaire formulaires service services ligne",
}


# Arabic light stemming, after "light10" (Larkey, Ballesteros and Connell, 2007): the article and its prepositional
# forms and common suffixes come off; the root stays unguessed. Whoosh's ISRI root stemmer merged unrelated words
# (ضريبة tax and ضرب hit, رخصة licence and رخيص cheap, سيارة car and سيرة CV). Two changes from light10, for short
# service words: a lone conjunction و is kept (it begins وفاة death, ولادة birth, وظيفة job, whose forms with the
# article must still match), and at least three letters stay (ولاية state is not لا no). Broken plurals (طفل /
# أطفال) are the thesaurus's job.
_AR_ARTICLES = ("وال", "بال", "كال", "فال", "لل", "ال")
_AR_SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ية", "ه", "ة", "ي")
_AR_MIN_STEM = 3


def arabic_light_stem(word: str) -> str:
    """Of a folded word (`fold` has removed diacritics, hamza seats and the tatweel)."""
    if word.endswith("ى"):
        word = word[:-1] + "ي"
    if word.endswith("ة"):
        word = word[:-1] + "ه"
    for article in _AR_ARTICLES:
        if word.startswith(article) and len(word) - len(article) >= _AR_MIN_STEM:
            word = word[len(article) :]
            break
    for suffix in _AR_SUFFIXES:
        if len(word) - len(suffix) >= _AR_MIN_STEM and word.endswith(suffix):
            word = word[: -len(suffix)]
    return word


STEMMERS: dict[str, Callable[[str], str]] = {"ar": arabic_light_stem}


def language_of(locale: str) -> str:
    """The language subtag: zh-Hans -> zh, pt-BR -> pt."""
    return locale.replace("_", "-").split("-")[0].lower()


class _FoldTable(dict[int, str]):
    """Each character's folded form, worked out the first time it is seen (str.translate then runs at C speed)."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        if char in _KEEP_MARKS or char in _KEEP_LETTERS:
            folded = char
        else:
            decomposed = unicodedata.normalize("NFKD", char)
            stripped = "".join(c for c in decomposed if c in _KEEP_MARKS or not unicodedata.combining(c))
            folded = unicodedata.normalize("NFC", stripped).translate(_SPECIAL_FOLDS)
        self[code] = folded
        return folded


_FOLDS = _FoldTable()


def fold(text: str) -> str:
    """Case and accent folding: 'Numéro ÉTÉ Đơn' -> 'numero ete don'. Leaves CJK, Arabic letters and kana intact."""
    lowered = text.casefold()
    return lowered if lowered.isascii() else unicodedata.normalize("NFC", lowered.translate(_FOLDS))


@dataclass
class Analyzer:
    """The analysis for one language. Cheap to call repeatedly: each distinct word is processed once."""

    language: str
    stem: Callable[[str], str] | None
    stopwords: frozenset[str]
    cjk: bool
    task_words: frozenset[str] = frozenset()
    marked: bool = False  # see MARKED_LANGUAGES
    _cache: dict[str, str | None] = field(default_factory=dict, repr=False)

    def words(self, text: str, *, keep_stopwords: bool = False) -> list[str]:
        """Folded, unstemmed words (CJK runs stay whole); stop words out unless asked."""
        if keep_stopwords:
            return [word for _, word in tokens(text)]
        stop = self.stopwords
        return [word for cjk, word in tokens(text) if cjk or word not in stop]

    def terms(self, text: str) -> list[str]:
        """Index terms in order: stems, and character bigrams for CJK runs."""
        out: list[str] = []
        cache = self._cache
        for cjk, word in tokens(text):
            if cjk:
                out.extend(cjk_grams(word))
                continue
            term = cache[word] if word in cache else self.term(word)
            if term:
                out.append(term)
        return out

    def marked_words(self, text: str) -> list[str]:
        """The words as typed, marks kept (case folded), in the order `words(text, keep_stopwords=True)` gives
        them; [] if the two do not line up, or the language's marks are folded away (not MARKED_LANGUAGES)."""
        if not self.marked:
            return []
        typed = [m.group() for m in _TOKEN.finditer(unicodedata.normalize("NFC", text.casefold()))]
        folded = tokens(text)
        if len(typed) != len(folded) or any(fold(t) != w for t, (_, w) in zip(typed, folded, strict=True)):
            return []
        return typed

    def marked_terms(self, text: str) -> list[str]:
        """Extra index terms for the words that carry marks, as typed: MARK + word."""
        return [MARK + word for word in self.marked_words(text) if not word.isascii() and self.term(fold(word))]

    def term(self, word: str) -> str | None:
        """One folded word -> its index term, or None for a stop word."""
        cache = self._cache
        if word in cache:
            return cache[word]
        result = (
            None
            if word in self.stopwords or (len(word) == 1 and not word.isdigit())
            else self.stem_word(word)
        )
        if len(cache) > 200_000:
            cache.clear()
        cache[word] = result
        return result

    def stem_word(self, word: str) -> str:
        """The stem of a folded word, stop word or not."""
        if self.stem is None or word.isdigit():
            return word
        return self.stem(word) or word

    def __getstate__(self) -> dict[str, str]:
        return {"language": self.language}  # rebuilt from the language on unpickling, cache and all

    def __setstate__(self, state: dict[str, str]) -> None:
        other = analyzer_for(state["language"])
        self.__dict__.update(other.__dict__, _cache={})


def is_cjk(word: str) -> bool:
    return bool(_CJK_CHAR.match(word))


def cjk_grams(run: str) -> list[str]:
    """Overlapping character bigrams; a lone character stands for itself."""
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


_recent: dict[str, list[tuple[bool, str]]] = {}


def tokens(text: str) -> list[tuple[bool, str]]:
    """(is a CJK run, folded word) in order. The last few texts are remembered: indexing analyzes each part of a
    document twice (stemmed terms, then the words themselves)."""
    found = _recent.get(text)
    if found is None:
        found = [(m.lastgroup == "cjk", m.group()) for m in _TOKEN.finditer(fold(text))]
        if len(_recent) >= 64:
            _recent.clear()
        _recent[text] = found
    return found


@lru_cache(maxsize=64)
def analyzer_for(locale: str) -> Analyzer:
    """The analyzer for a BCP 47 locale tag, from its language subtag alone."""
    language = language_of(locale)
    cjk = language in CJK_LANGUAGES
    stem: Callable[[str], str] | None = None
    stopwords: set[str] = set()
    if not cjk:
        try:
            stem = STEMMERS.get(language) or stemmer_for_language(language)
        except NoStemmer:
            stem = None
        with contextlib.suppress(NoStopWords):
            stopwords.update(stopwords_for_language(language))
    stopwords.update(QUESTION_WORDS.get(language, "").split())
    folded: set[str] = set()
    for word in stopwords:
        folded.add(fold(word))
        folded.update(m.group() for m in _TOKEN.finditer(fold(word)))  # "est-ce" -> "est", "ce"
    task = frozenset(fold(w) for w in TASK_WORDS.get(language, "").split())
    return Analyzer(
        language=language,
        stem=stem,
        stopwords=frozenset(folded),
        cjk=cjk,
        task_words=task,
        marked=language in MARKED_LANGUAGES,
    )


def describe(locale: str) -> str:
    """How a locale's text is analyzed, for logs and `portal index`."""
    a = analyzer_for(locale)
    if a.cjk:
        return "character bigrams"
    parts = ["folding, marks kept too" if a.marked else "folding"]
    if a.stem is not None:
        parts.append("light stemming" if a.language in STEMMERS else "Snowball stemming")
    if a.stopwords:
        parts.append(f"{len(a.stopwords)} stop words")
    return ", ".join(parts)
