"""The results page and the JSON APIs: filters, facets, pages, browsing, suggestions, the stable field set."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from portal import create_app

from .conftest import search_config


def test_api_returns_exactly_the_documented_fields(web: FlaskClient) -> None:
    data = web.get("/api/search?q=license&lang=en").get_json()
    assert set(data) == {"query", "locale", "total", "results", "suggestion", "facets"}
    assert data["query"] == "license" and data["locale"] == "en"
    for result in data["results"]:
        assert set(result) == {"id", "title", "summary", "agency", "url", "score"}
        assert result["url"] == f"http://localhost/en/services/{result['id']}"
        assert isinstance(result["score"], float)
    assert set(data["facets"]) == {"agency", "category", "life_event"}
    for value in data["facets"]["agency"]:
        assert set(value) == {"value", "label", "count", "selected"}


def test_api_rejects_an_unknown_language(web: FlaskClient) -> None:
    response = web.get("/api/search?q=x&lang=xx")
    assert response.status_code == 400
    assert "lang must be one of" in response.get_json()["message"]


def test_an_empty_query_browses_every_service(web: FlaskClient, search_app) -> None:
    cat = search_app.extensions["portal.catalog"].catalog
    data = web.get("/api/search?q=&lang=en").get_json()
    assert data["total"] == len(cat.services)
    assert data["results"][0]["title"] == "Apply for SNAP"  # A to Z, active services first
    page = web.get("/en/search")
    assert page.status_code == 200
    assert "All services" in page.get_data(as_text=True)


def test_filters_narrow_and_facet_counts_ignore_their_own_filter(web: FlaskClient) -> None:
    everything = web.get("/api/search?q=license&lang=en").get_json()
    agencies = {v["value"]: v["count"] for v in everything["facets"]["agency"]}
    assert agencies["parks"] == 2 and agencies["dmv"] >= 1
    parks = web.get("/api/search?q=license&lang=en&agency=parks").get_json()
    assert parks["total"] == 2
    assert {r["agency"] for r in parks["results"]} == {"parks"}
    # Choosing an agency does not hide the other agencies or their counts (so a resident can switch)...
    assert {v["value"]: v["count"] for v in parks["facets"]["agency"]} == agencies
    assert [v["selected"] for v in parks["facets"]["agency"] if v["value"] == "parks"] == [True]
    # ...but it narrows the counts of the other facets.
    assert {v["value"]: v["count"] for v in parks["facets"]["category"]} == {"outdoors": 2}
    both = web.get("/api/search?q=license&lang=en&agency=parks&agency=dmv").get_json()
    assert both["total"] == agencies["parks"] + agencies["dmv"]
    assert web.get("/api/search?q=license&lang=en&category=travel").get_json()["total"] == 0


def test_pages(web: FlaskClient) -> None:
    first = web.get("/api/search?q=&lang=en&page=1").get_json()
    second = web.get("/api/search?q=&lang=en&page=2").get_json()
    assert len(first["results"]) == 3 and len(second["results"]) == 3  # SEARCH_PAGE_SIZE = 3 in these tests
    assert not set(ids_of(first)) & set(ids_of(second))
    assert web.get("/api/search?q=&lang=en&page=99").get_json()["results"] == []
    html = web.get("/en/search?q=&page=2").get_data(as_text=True)
    assert 'rel="prev"' in html and 'rel="next"' in html
    assert 'aria-current="page"' in html
    assert '<ol class="service-list search-results" start="4">' in html


def ids_of(data: dict) -> list[str]:
    return [r["id"] for r in data["results"]]


def test_results_page_works_without_javascript(web: FlaskClient) -> None:
    html = web.get("/en/search?q=pasport").get_data(as_text=True)
    assert re.search(r'<p role="status" class="result-count">\s*1 service found', html)
    assert 'Did you mean <a href="/en/search?q=passport">passport</a>?' in html
    assert '<form class="filters" method="get" action="/en/search">' in html
    assert '<input type="checkbox" id="filter-category-travel" name="category" value="travel">' in html
    assert 'href="/en/search/go/renew-passport?q=pasport"' in html
    assert "<script>" not in html and " on" + "click=" not in html  # no inline code (CSP: script-src 'self')


def test_a_result_click_is_counted_then_goes_to_the_service_page_here(web: FlaskClient) -> None:
    response = web.get("/en/search/go/renew-passport?q=passport")
    assert response.status_code == 303
    assert response.headers["Location"] == "/en/services/renew-passport"
    assert web.get("/en/search/go/https%3A%2F%2Fevil.example?q=x").status_code == 404
    assert web.get("/en/search/go/no-such-service").status_code == 404


def test_filters_in_the_page(web: FlaskClient) -> None:
    html = web.get("/en/search?q=license&agency=parks").get_data(as_text=True)
    assert "2 services found with your filters" in html
    assert 'name="agency" value="parks" checked' in html
    assert "Clear all filters" in html


def test_suggest_api_feeds_the_autocomplete(web: FlaskClient) -> None:
    data = web.get("/api/suggest?q=pass&lang=en").get_json()
    assert set(data) == {"query", "locale", "suggestions"}
    assert data["suggestions"][0] == {
        "id": "renew-passport",
        "title": "Renew your passport",
        "lang": "en",
        "url": "/en/services/renew-passport",
    }
    assert (
        web.get("/api/suggest?q=fish&lang=es").get_json()["suggestions"][0]["title"]
        == "Comprar una licencia de pesca"
    )
    assert web.get("/api/suggest?q=p&lang=en").get_json()["suggestions"] == []


def test_autocomplete_is_a_plain_deferred_script_and_the_form_works_without_it(web: FlaskClient) -> None:
    html = web.get("/en/").get_data(as_text=True)
    assert '<script src="/static/autocomplete.js" defer></script>' in html
    assert 'data-suggest-url="/api/suggest"' in html
    assert 'action="/en/search" method="get" role="search"' in html
    with web.get("/static/autocomplete.js") as script:
        assert script.status_code == 200 and "javascript" in script.headers["Content-Type"]
        body = script.get_data(as_text=True)
    for aria in (
        '"combobox"',
        '"listbox"',
        '"option"',
        "aria-expanded",
        "aria-activedescendant",
        "aria-controls",
    ):
        assert aria in body
    assert "innerHTML" not in body  # suggestions are text, never markup


def test_at_most_the_best_matches_are_found_and_facet_counts_are_what_choosing_them_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from portal.search import matching, query

    monkeypatch.setattr(query, "MAX_RESULTS", 2)  # as 500 among 10,000 services
    monkeypatch.setattr(matching, "LONG_TAIL_FROM", 0)
    web = create_app(search_config(tmp_path / "var", SEARCH_CACHE_SIZE=0)).test_client()
    found = web.get("/api/search?q=license&lang=en").get_json()  # four services say "license"
    assert found["total"] == 2
    for facet, values in found["facets"].items():
        for value in values:
            chosen = web.get(
                "/api/search", query_string={"q": "license", "lang": "en", facet: value["value"]}
            ).get_json()
            assert chosen["total"] == value["count"], (facet, value)
