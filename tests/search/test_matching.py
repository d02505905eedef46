"""How residents type, and what they find: through GET /api/search, as other tools and the page see it."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient

from portal import create_app

from .conftest import ids, search_config

ROOT = Path(__file__).resolve().parents[2]


def search(web: FlaskClient, q: str, lang: str = "en", **params: str) -> dict:
    response = web.get("/api/search", query_string={"q": q, "lang": lang, **params})
    assert response.status_code == 200, response.data
    return response.get_json()


def first(web: FlaskClient, q: str, lang: str = "en") -> str | None:
    results = search(web, q, lang)["results"]
    return results[0]["id"] if results else None


def test_english_stemming_finds_other_forms_of_a_word(web: FlaskClient) -> None:
    # The title says "running a race"; "runs" and "run" are the same word to a resident.
    for q in ("running", "runs", "run races"):
        assert first(web, q) == "running-event-permit", q


def test_spanish_stemming_and_accents(web: FlaskClient) -> None:
    # The title says "Solicitar beneficios por desempleo"; singular and unaccented forms find it.
    assert first(web, "beneficio desempleo", "es") == "file-unemployment-claim"
    assert first(web, "licencia conducir", "es") == "renew-drivers-license"


def test_french_stemming_and_accents(web: FlaskClient) -> None:
    # "Demander des prestations de chômage": typed without accents, in the singular.
    assert first(web, "prestation chomage", "fr") == "file-unemployment-claim"
    assert first(web, "numero d'assurance sociale", "fr") == "social-insurance-number"


def test_chinese_is_matched_by_character_bigrams(web: FlaskClient) -> None:
    assert first(web, "食品补助", "zh-Hans") == "apply-for-snap"
    assert first(web, "护照", "zh-Hans") == "renew-passport"
    assert (
        first(web, "我想申请失业救济", "zh-Hans") == "file-unemployment-claim"
    )  # a whole sentence, no spaces


def test_typos_are_tolerated_and_corrected(web: FlaskClient) -> None:
    found = search(web, "pasport")
    assert found["results"][0]["id"] == "renew-passport"
    assert found["suggestion"] == "passport"
    found = search(web, "unemploymnet")
    assert found["results"][0]["id"] == "file-unemployment-claim"
    assert found["suggestion"] == "unemployment"


def test_no_suggestion_when_the_query_is_spelled_right(web: FlaskClient) -> None:
    assert search(web, "passport")["suggestion"] is None
    assert search(web, "zzqx")["total"] == 0  # nothing close enough to correct to


def test_synonyms_from_the_catalog(web: FlaskClient) -> None:
    # The SNAP service never says "food" or "stamps" in English: only the catalog's synonyms connect them.
    assert first(web, "food stamps") == "apply-for-snap"
    assert first(web, "ebt") == "apply-for-snap"


def test_best_bets_pin_a_service_for_the_exact_query(web: FlaskClient) -> None:
    assert first(web, "Outdoor   License") == "running-event-permit"  # case and spacing do not matter
    assert first(web, "outdoor licenses") != "running-event-permit"  # another query: ranked as usual


def test_question_words_do_not_drown_the_words_that_matter(web: FlaskClient) -> None:
    assert first(web, "How do I renew my passport?") == "renew-passport"
    assert first(web, "what do I do when I lose my job") == "file-unemployment-claim"
    assert first(web, "¿Cómo puedo renovar mi licencia de conducir?", "es") == "renew-drivers-license"


def test_agency_names_and_acronyms_are_searchable(web: FlaskClient) -> None:
    assert set(ids(web.get("/api/search?q=dmv&lang=en"))) >= {"renew-drivers-license", "change-address-dmv"}
    assert first(web, "human services") == "apply-for-snap"


def test_a_query_in_another_language_still_finds_the_service(web: FlaskClient) -> None:
    # A French query on the English site, and an English one on the French site.
    assert first(web, "numéro d'assurance sociale", "en") == "social-insurance-number"
    found = search(web, "social insurance number", "fr")
    assert found["results"][0]["id"] == "social-insurance-number"
    assert (
        found["results"][0]["title"] == "Obtenir un numéro d'assurance sociale"
    )  # shown in the resident's language
    assert first(web, "pasaporte", "en") == "renew-passport"


def test_the_residents_language_comes_first(web: FlaskClient) -> None:
    # "licencia" is Spanish: on the Spanish site the Spanish text matched; titles come back in Spanish.
    found = search(web, "licencia", "es")
    assert found["results"][0]["title"].startswith(("Comprar una licencia", "Renovar su licencia"))


def test_inactive_services_rank_below_active_ones(web: FlaskClient) -> None:
    # "Register a boat" says it in its title, the race permit only in its summary; but the boat form is gone.
    assert ids(web.get("/api/search?q=register&lang=en")) == ["running-event-permit", "old-boat-registration"]


def test_a_misspelling_matched_through_a_common_spelling_is_suggested(web: FlaskClient) -> None:
    # "deparment": no service spells it so, and every service's agency is a "Department": it matches those
    # directly (a common spelling one edit away), and "Did you mean" still shows the resident the right spelling.
    found = search(web, "deparment of labor")
    assert found["results"][0]["id"] == "file-unemployment-claim"
    assert found["suggestion"] == "department of labor"
    assert search(web, "department of labor")["suggestion"] is None


def test_a_short_real_word_near_a_common_one_is_not_called_a_typo(tmp_path: Path) -> None:
    # On the sample catalog, where "driving", "finance" and "labor" are each used by many services.
    app = create_app(search_config(tmp_path / "var", ROOT / "services.yaml"))
    web = app.test_client()
    for word in ("diving", "fiance", "labour"):
        assert search(web, word)["suggestion"] is None, word
    assert search(web, "unemploymnet")["suggestion"] == "unemployment"


def test_vietnamese_marks_typed_tell_tax_from_rent(tmp_path: Path) -> None:
    # Folded, thuế (tax) and thuê (rent) are one word. Typed with marks, each finds its own services first;
    # typed without (as on a keyboard without Vietnamese input), both.
    app = create_app(search_config(tmp_path / "var", ROOT / "services.yaml", SEARCH_PAGE_SIZE=10))
    web = app.test_client()

    def top(q: str, n: int = 3) -> list[str]:
        return ids(web.get("/api/search", query_string={"q": q, "lang": "vi"}))[:n]

    rent = {"landlord-tenant-rights", "find-affordable-housing", "apply-for-housing-choice-voucher"}
    assert set(top("thuê nhà")) == rent
    assert set(top("nhà cho thuê")) == rent
    assert "senior-property-tax-relief" in top("thuế nhà đất", 2)
    assert not rent & set(top("thuế nhà đất", 2))
    unmarked = top("thue nha", 10)
    assert rent & set(unmarked) and "senior-property-tax-relief" in unmarked
