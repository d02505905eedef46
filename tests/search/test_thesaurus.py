"""Everyday words find the services named in official ones, in each language, through GET /api/search."""

from __future__ import annotations

from importlib import resources

import pytest
from flask.testing import FlaskClient

from portal.search import thesaurus
from portal.search.analysis import analyzer_for

from .conftest import ids


def first(web: FlaskClient, q: str, lang: str = "en") -> str | None:
    found = ids(web.get("/api/search", query_string={"q": q, "lang": lang}))
    return found[0] if found else None


def test_everyday_words_find_the_official_ones(web: FlaskClient) -> None:
    # No service says "laid off" or "driving licence"; the shipped English thesaurus connects them.
    assert first(web, "I got laid off") == "file-unemployment-claim"
    assert first(web, "driving licence") == "renew-drivers-license"
    assert first(web, "car") in {"renew-drivers-license", "change-address-dmv"}  # "Motor Vehicles"


def test_each_language_has_its_own_everyday_words(web: FlaskClient) -> None:
    # "licencia de manejar" is how most Spanish speakers in the Americas say it; the title says "de conducir".
    assert first(web, "licencia de manejar", "es") == "renew-drivers-license"
    # "perdu mon travail": the French title says "prestations de chômage".
    assert first(web, "j'ai perdu mon travail", "fr") == "file-unemployment-claim"


def test_a_one_way_entry_does_not_work_backwards(web: FlaskClient) -> None:
    # "laid off => unemployment": the unemployment claim is found by "laid off", but "unemployment" does not
    # bring in every service that says "off".
    assert ids(web.get("/api/search?q=unemployment&lang=en")) == ["file-unemployment-claim"]


def test_the_words_typed_count_more_than_their_everyday_equivalents(web: FlaskClient) -> None:
    def top_score(q: str) -> float:
        results = web.get("/api/search", query_string={"q": q, "lang": "en"}).get_json()["results"]
        assert results[0]["id"] == "renew-drivers-license", q
        return float(results[0]["score"])

    assert top_score("driver's license") > top_score("driving licence")


def test_the_file_format() -> None:
    entries = thesaurus.parse("# comment\nkid, kids, child  # trailing\nflood, storm => disaster\n\n")
    assert entries == [
        thesaurus.Entry(("kid", "kids", "child"), ("kid", "kids", "child")),
        thesaurus.Entry(("flood", "storm"), ("disaster",)),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("kids\n", "thesaurus:1: a group needs two phrases or more"),
        ("a, b\n => c\n", "thesaurus:2: phrases are needed on both sides"),
        ("a => b => c\n", "thesaurus:1: one '=>' per line"),
    ],
)
def test_a_malformed_line_is_named_by_file_and_line(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        thesaurus.parse(text)


def test_every_shipped_thesaurus_reads_and_every_phrase_has_words() -> None:
    files = [
        f for f in resources.files("portal.search").joinpath("thesaurus").iterdir() if f.name.endswith(".txt")
    ]
    assert {f.name for f in files} >= {"en.txt", "es.txt", "fr.txt"}
    for f in files:
        language = f.name.removesuffix(".txt")
        entries = thesaurus.parse(f.read_text(encoding="utf-8"), f.name)
        assert entries, f.name
        analyzer = analyzer_for(language)
        for entry in entries:
            for phrase in (*entry.triggers, *entry.variants):
                assert analyzer.words(phrase, keep_stopwords=True), f"{f.name}: {phrase!r} has no words"
    assert thesaurus.entries_for("en-GB") == thesaurus.entries_for("en")
    assert thesaurus.entries_for("xx") == ()


def test_a_typo_is_corrected_to_an_everyday_word_no_title_uses(web: FlaskClient) -> None:
    # "wrok": no title, keyword or agency name says "work", so the index's own vocabulary has nothing one edit
    # away; the thesaurus knows "work", and summaries say it ("need to work", "look for work").
    found = web.get("/api/search?q=wrok&lang=en").get_json()
    assert found["suggestion"] == "work"
    assert {r["id"] for r in found["results"]} >= {"social-insurance-number", "file-unemployment-claim"}


def test_a_word_that_only_shares_a_stem_with_an_entry_does_not_trigger_it() -> None:
    from portal.catalog import load_catalog
    from portal.search.clauses import clauses_for
    from portal.search.synonyms import synonyms_for

    from .conftest import CATALOG

    catalog = load_catalog(CATALOG).catalog
    assert catalog is not None
    for query, locale, unwanted in (
        ("report a fire", "en", "unemploy"),  # "fired" is no entry; "got fired" is
        ("pay a parking ticket", "en", "salari"),
        ("comprar una casa", "es", "matrimoni"),  # "casarse" stems like "casa"
    ):
        analyzer = analyzer_for(locale)
        clauses = clauses_for(analyzer, query, synonyms_for(catalog, locale))
        terms = {t for c in clauses for alt in c.alternatives for t in alt.terms}
        assert unwanted not in terms, (query, terms)
