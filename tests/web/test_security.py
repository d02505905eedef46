"""Security headers on every kind of response, and compression that never puts a secret next to chosen text."""

from __future__ import annotations

import gzip

import pytest
from flask import Flask

RESPONSES = (
    "/en/",
    "/en/services/renew-drivers-license",
    "/en/nope",
    "/",
    "/go/renew-drivers-license",
    "/static/portal.css",
    "/api/services",
    "/healthz",
)


@pytest.mark.parametrize("env", ["production", "development"])
def test_every_response_carries_the_security_headers(make_app, env: str) -> None:
    app: Flask = make_app(ENV=env, SECRET_KEY="test-secret")
    client = app.test_client()
    for url in RESPONSES:
        with client.get(url) as response:  # a static file stays open until its response is closed
            headers = response.headers
        csp = headers["Content-Security-Policy"]
        directives = {d.split()[0]: d.split()[1:] for d in csp.split("; ")}
        assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp, url
        assert directives["default-src"] == ["'self'"], url
        assert directives["script-src"] == ["'self'"], url
        assert directives["frame-ancestors"] == ["'none'"], url
        assert directives["object-src"] == ["'none'"], url
        assert headers["X-Content-Type-Options"] == "nosniff", url
        assert headers["Referrer-Policy"] in (
            "strict-origin-when-cross-origin",
            "no-referrer",
            "same-origin",
        ), url
        if env == "production":
            assert headers["Strict-Transport-Security"].startswith("max-age=31536000"), url
        else:
            assert "Strict-Transport-Security" not in headers, url


def test_start_sends_no_referrer_to_the_agency(client) -> None:
    response = client.get("/en/go/renew-drivers-license")
    assert response.status_code == 302
    assert response.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize(
    "url", ["/en/", "/en/services/renew-drivers-license", "/static/portal.css", "/api/services"]
)
def test_pages_styles_and_json_are_compressed_when_the_browser_accepts_it(client, url: str) -> None:
    with client.get(url, headers={"Accept-Encoding": "identity"}) as plain:
        assert "Content-Encoding" not in plain.headers
        with client.get(url, headers={"Accept-Encoding": "gzip"}) as squeezed:
            assert squeezed.headers["Content-Encoding"] == "gzip"
            assert "Accept-Encoding" in squeezed.headers["Vary"]
            assert gzip.decompress(squeezed.data) == plain.data
            assert len(squeezed.data) < len(plain.data) / 2
    with client.get(url, headers={"Accept-Encoding": "gzip, deflate, br, zstd"}) as best:
        assert best.headers["Content-Encoding"] == "br"


def test_a_compressed_stylesheet_still_answers_if_none_match(client) -> None:
    with client.get("/static/portal.css", headers={"Accept-Encoding": "gzip"}) as first:
        etag = first.headers["ETag"]
    with client.get(
        "/static/portal.css", headers={"Accept-Encoding": "gzip", "If-None-Match": etag}
    ) as again:
        assert again.status_code == 304


def test_pages_for_a_request_with_a_session_are_not_compressed(client) -> None:
    """BREACH: a session may put a secret (CSRF token, personal details) on the page next to a search query."""
    client.set_cookie("portal_session", "anything")
    page = client.get("/en/search?q=license", headers={"Accept-Encoding": "gzip, br"})
    assert page.status_code == 200
    assert "Content-Encoding" not in page.headers
    with client.get("/static/portal.css", headers={"Accept-Encoding": "gzip"}) as stylesheet:
        assert stylesheet.headers["Content-Encoding"] == "gzip"
