"""What a resident sees: every page renders, in every language, with the right links."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient


def test_every_service_page_renders_in_every_declared_locale(sample_app: Flask) -> None:
    cat = sample_app.extensions["portal.catalog"].catalog
    client = sample_app.test_client()
    for locale in cat.locales:
        for service in cat.services.values():
            page = client.get(f"/{locale}/services/{service.id}")
            assert page.status_code == 200, (locale, service.id)
            html = page.get_data(as_text=True)
            assert f'<html lang="{locale}"' in html
            assert ">" + service.title.get(locale).text.replace("'", "&#39;").replace("&", "&amp;").replace("&amp;#39;", "&#39;") in html


def test_home_agencies_agency_and_topic_pages(client: FlaskClient, sample_app: Flask) -> None:
    cat = sample_app.extensions["portal.catalog"].catalog
    home = client.get("/en/").get_data(as_text=True)
    assert "Find a government service" in home
    assert 'name="q"' in home
    for event in cat.life_events:
        if any(event in s.life_events for s in cat.services.values()):
            assert f'/en/life-events/{event}"' in home
    az = client.get("/en/agencies").get_data(as_text=True)
    for agency in cat.agencies.values():
        assert f'/en/agencies/{agency.id}"' in az
        page = client.get(f"/en/agencies/{agency.id}")
        assert page.status_code == 200
        for s in cat.services_of(agency.id):
            assert f'/en/services/{s.id}"' in page.get_data(as_text=True)
    for category in cat.categories:
        assert client.get(f"/en/categories/{category}").status_code == 200


def test_bare_urls_redirect_to_the_chosen_language(client: FlaskClient) -> None:
    assert client.get("/", headers={"Accept-Language": "es-MX,es;q=0.9"}).headers["Location"] == "/es/"
    assert client.get("/", headers={"Accept-Language": "zh-CN"}).headers["Location"] == "/zh-Hans/"
    assert client.get("/", headers={"Accept-Language": "de"}).headers["Location"] == "/en/"
    response = client.get("/agencies?x=1", headers={"Accept-Language": "ar"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/ar/agencies?x=1"
    assert "Accept-Language" in response.headers["Vary"]


def test_unknown_pages_and_languages_are_404_pages(client: FlaskClient) -> None:
    for url in ("/en/services/no-such-service", "/en/agencies/nope", "/xx/services/x", "/de/"):
        page = client.get(url)
        assert page.status_code == 404, url
        assert "Page not found" in page.get_data(as_text=True) or page.status_code == 404


def test_healthz_is_cheap_and_plain(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok"


def test_api_returns_every_service(client: FlaskClient, sample_app: Flask) -> None:
    cat = sample_app.extensions["portal.catalog"].catalog
    data = client.get("/api/services").get_json()
    assert data["total"] == len(cat.services)
    assert {s["id"] for s in data["services"]} == set(cat.services)
    one = client.get("/api/services/" + next(iter(cat.services)) + "?lang=es").get_json()
    assert isinstance(one["title"], str)
    assert one["url"].endswith("/es/services/" + one["id"])
    assert client.get("/api/services/nope").status_code == 404
    assert client.get("/api/services/nope").get_json()["status"] == 404
    assert client.get("/api/services?lang=xx").status_code == 400


def test_start_goes_only_to_the_registered_url(client: FlaskClient, sample_app: Flask) -> None:
    cat = sample_app.extensions["portal.catalog"].catalog
    redirect_services = [s for s in cat.services.values() if s.delivery.type == "redirect" and s.active]
    assert redirect_services
    s = redirect_services[0]
    for attack in ("?next=https://evil.example", "?url=//evil.example", "/..%2F..%2Fevil"):
        response = client.get(f"/es/go/{s.id}{attack}")
        if response.status_code == 302:
            assert response.headers["Location"] == s.delivery.start_url("es")
    page = client.get(f"/en/services/{s.id}").get_data(as_text=True)
    assert f'href="/en/go/{s.id}"' in page
    host = re.match(r"https://([^/]+)", s.delivery.start_url("en"))
    assert host and host[1] in page


def test_security_headers_on_every_response(client: FlaskClient) -> None:
    for url in ("/en/", "/api/services", "/healthz", "/en/nope"):
        headers = client.get(url).headers
        csp = headers["Content-Security-Policy"]
        assert "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"]


def test_service_markdown_is_sanitized(make_app, catalog_dir) -> None:
    services = catalog_dir / "services.yaml"
    services.write_text(
        services.read_text()
        + "    description: |\n      Hello <script>alert(1)</script> [x](javascript:alert(2)) **bold**\n"
    )
    html = make_app(services).test_client().get("/en/services/renew-license").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "javascript:" not in html
    assert "<strong>bold</strong>" in html


CRAFTED_SUFFIXES = (
    "?next=https://evil.example",
    "?url=//evil.example&redirect=https://evil.example&lang=evil",
    "/..%2F..%2Fevil",
    "%2F%2Fevil.example",
    "/https://evil.example",
    "@evil.example",
    "%0d%0aLocation:%20https://evil.example",
    "%0aSet-Cookie:%20x=1",
    "\\evil.example",
    "/%2e%2e/%2e%2e/evil",
    "?%00=https://evil.example",
    "#https://evil.example",
)


def _stays_home(location: str | None, registered: set[str]) -> bool:
    """Either exactly a registered start URL, or a path on this site (never another host, never '//')."""
    if location is None or location in registered:
        return True
    return location.startswith("/") and not location.startswith(("//", "/\\"))


def test_go_with_crafted_input_never_leaves_the_registered_url(make_app) -> None:
    from tests.forms_support import FORMS

    app = make_app(FORMS)
    client = app.test_client()
    registered = {"https://dmv.example.gov/renew/en", "https://dmv.example.gov/renew/es"}
    hostile_headers = ({"Host": "evil.example"}, {"Cookie": "lang=evil", "Accept-Language": "evil,*"}, {"Referer": "https://evil.example/"})
    attempts = [
        (f"{prefix}/go/{service}{suffix}", {})
        for prefix in ("", "/en", "/es", "/xx", "/..", "//evil.example")
        for service in ("renew", "permit", "nope", "renew/", "RENEW", "ren%65w", "..%2Frenew")
        for suffix in ("", *CRAFTED_SUFFIXES)
    ]
    attempts += [(f"{prefix}/go/renew{suffix}", h) for prefix in ("", "/es") for suffix in CRAFTED_SUFFIXES for h in hostile_headers]
    for url, headers in attempts:
        response = client.get(url, headers=headers)
        location = response.headers.get("Location")
        assert response.status_code in (302, 303, 308, 404, 400), (url, response.status_code)
        assert _stays_home(location, registered), (url, headers, location)
        assert "evil" not in (location or ""), (url, location)
        assert "Set-Cookie: x" not in str(response.headers)


def test_go_fills_the_residents_language_and_counts_the_click(make_app) -> None:
    from portal.services import start_counts
    from tests.forms_support import FORMS

    app = make_app(FORMS)
    client = app.test_client()
    assert client.get("/es/go/renew").headers["Location"] == "https://dmv.example.gov/renew/es"
    assert client.get("/en/go/renew").headers["Location"] == "https://dmv.example.gov/renew/en"
    bare = app.test_client().get("/go/renew", headers={"Accept-Language": "es-MX"})
    assert bare.status_code == 302 and bare.headers["Location"] == "https://dmv.example.gov/renew/es"
    assert bare.headers["Referrer-Policy"] == "no-referrer" and "no-store" in bare.headers["Cache-Control"]
    # a hosted form has no outside start URL: /go/ leads back to its page on this site
    assert client.get("/en/go/permit").headers["Location"] == "/en/services/permit"
    assert start_counts(app.extensions["portal.db"]) == {"renew": 3}
