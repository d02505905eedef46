"""Everyday words for the words services are named with, per language, shipped with the portal.

Residents type "kids", "my husband died", "gun licence"; catalogs say "children", "surviving spouse", "firearms
licence". Agencies add their own terms with the catalog's `synonyms:` (those win and weigh more); these files
cover the ordinary vocabulary every catalog shares. One file per language subtag, `thesaurus/<language>.txt`, in
the Solr synonyms format that search teams already know:

    kids, kid, children, child          any of these finds the others
    hurricane, flood, wildfire => disaster    the words on the left also find "disaster" (not the reverse)

Lines starting with `#` are comments. Phrases are matched on stems, so "kid" and "kids" need one entry; a typed
phrase matches an entry when its words' stems are the same in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .analysis import analyzer_for, language_of


@dataclass(frozen=True)
class Entry:
    triggers: tuple[str, ...]  # phrases that, typed, bring in the variants
    variants: tuple[str, ...]  # phrases then matched (the trigger typed always matches itself)


def parse(text: str, source: str = "thesaurus") -> list[Entry]:
    """Entries of a Solr-format synonyms text. A malformed line raises ValueError naming `source:line`."""
    entries = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.count("=>") > 1:
            raise ValueError(f"{source}:{number}: one '=>' per line")
        if "=>" in line:
            left, right = (_phrases(side) for side in line.split("=>"))
            if not left or not right:
                raise ValueError(f"{source}:{number}: phrases are needed on both sides of '=>'")
            entries.append(Entry(left, right))
        else:
            group = _phrases(line)
            if len(group) < 2:
                raise ValueError(f"{source}:{number}: a group needs two phrases or more, separated by commas")
            entries.append(Entry(group, group))
    return entries


def _phrases(text: str) -> tuple[str, ...]:
    """Comma-separated phrases; the Arabic comma separates them too."""
    return tuple(dict.fromkeys(p.strip() for p in text.replace("،", ",").split(",") if p.strip()))


@lru_cache(maxsize=64)
def entries_for(locale: str) -> tuple[Entry, ...]:
    """The shipped thesaurus of a locale's language (empty when there is none)."""
    language = language_of(locale)
    name = f"{language}.txt"
    folder = resources.files(__package__).joinpath("thesaurus")
    source = folder.joinpath(name)
    if not language.isalpha() or not source.is_file():
        return ()
    return tuple(parse(source.read_text(encoding="utf-8"), f"thesaurus/{name}"))


@lru_cache(maxsize=64)
def words_for(locale: str) -> tuple[str, ...]:
    """Every folded word of a locale's thesaurus: everyday words, candidates for typo correction."""
    analyzer = analyzer_for(locale)
    words = {
        word
        for entry in entries_for(locale)
        for phrase in (*entry.triggers, *entry.variants)
        for word in analyzer.words(phrase)
        if len(word) >= 4 and not word.isdigit()
    }
    return tuple(sorted(words))
