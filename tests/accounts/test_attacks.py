"""Trying to break the sign-in: each attempt is refused with a page that says so, and nobody is signed in."""

from __future__ import annotations

import secrets
import time
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import pytest
import requests
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from flask import Flask
from joserfc import jwt
from joserfc.jwk import RSAKey

from portal.accounts import ProviderClient
from portal.accounts.models import AccountSession, Resident, SignInAttempt
from portal.accounts.oidc import Tokens

from .conftest import CALLBACK, SECRET, Browser, Provider, query_of


def with_params(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    params = {**query_of(url), **changes}
    return urlunsplit(parts._replace(query=urlencode(params)))


def assert_refused(response: Any, browser: Browser, app: Flask, code: str, status: int = 400) -> None:
    html = response.get_data(as_text=True)
    assert response.status_code == status, html
    assert "You have not been signed in" in html
    assert f"Problem code: {code}" in html
    assert not browser.signed_in()
    with app.extensions["portal.db"].session() as session:
        assert session.query(AccountSession).count() == 0


def test_state_that_does_not_match_is_refused(browser: Browser, portal_app: Flask) -> None:
    callback = browser.authorize(browser.start())
    forged = with_params(callback, state=secrets.token_urlsafe(32))
    assert_refused(browser.callback(forged), browser, portal_app, "state")


def test_callback_in_another_browser_is_refused(
    browser: Browser, portal_app: Flask, oidc_provider: Provider
) -> None:
    """Login CSRF: an attacker's own code and state, planted in a victim's browser, must not sign the victim in."""
    callback = browser.authorize(browser.start())
    victim = Browser(portal_app.test_client(), oidc_provider.issuer)
    assert_refused(victim.callback(callback), victim, portal_app, "state")


def test_replayed_callback_and_replayed_code_are_refused(browser: Browser, portal_app: Flask) -> None:
    first = browser.authorize(browser.start())
    assert browser.callback(first).status_code == 303
    browser.client.delete_cookie("portal_session")
    with portal_app.extensions["portal.db"].session() as session:
        session.query(AccountSession).delete()
    assert_refused(browser.callback(first), browser, portal_app, "state")

    # The same code under a fresh, valid state: the provider refuses the used code (and its PKCE binding).
    second = browser.authorize(browser.start())
    replay = with_params(second, code=query_of(first)["code"])
    assert_refused(browser.callback(replay), browser, portal_app, "token_refused")


def test_id_token_with_another_nonce_is_refused(browser: Browser, portal_app: Flask) -> None:
    authorize = browser.start()
    with portal_app.extensions["portal.db"].session() as session:
        for attempt in session.query(SignInAttempt):
            attempt.nonce = secrets.token_urlsafe(32)
    assert_refused(browser.callback(browser.authorize(authorize)), browser, portal_app, "id_token_nonce")


def test_id_token_for_another_audience_is_refused(
    browser: Browser, portal_app: Flask, oidc_provider: Provider, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A genuine token from the real provider, with the right nonce, but issued to another site."""
    authorize = browser.start()
    callback = browser.authorize(authorize)
    foreign = id_token_for_other_app(browser, oidc_provider.issuer, nonce=query_of(authorize)["nonce"])
    monkeypatch.setattr(ProviderClient, "exchange_code", lambda self, **_: Tokens(foreign, "unused"))
    assert_refused(browser.callback(callback), browser, portal_app, "id_token_audience")


@pytest.mark.parametrize(
    ("kid", "code"), [("provider's", "id_token_signature"), ("unknown", "id_token_unknown_key")]
)
def test_id_token_signed_by_another_key_is_refused(
    browser: Browser,
    portal_app: Flask,
    oidc_provider: Provider,
    monkeypatch: pytest.MonkeyPatch,
    kid: str,
    code: str,
) -> None:
    authorize = browser.start()
    callback = browser.authorize(authorize)
    jwks = requests.get(f"{oidc_provider.issuer}/jwks", timeout=5).json()
    now = int(time.time())
    claims = {
        "iss": oidc_provider.issuer,
        "aud": "portal",
        "sub": "mallory",
        "nonce": query_of(authorize)["nonce"],
        "iat": now,
        "exp": now + 300,
    }
    header = {"alg": "RS256", "kid": jwks["keys"][0]["kid"] if kid == "provider's" else "made-up"}
    forged = jwt.encode(header, claims, RSAKey.generate_key(2048))
    monkeypatch.setattr(ProviderClient, "exchange_code", lambda self, **_: Tokens(forged, "unused"))
    assert_refused(browser.callback(callback), browser, portal_app, code)


def test_expired_id_token_is_refused(browser: Browser, portal_app: Flask, oidc_provider: Provider) -> None:
    callback = browser.authorize(browser.start())
    oidc_provider.set_clock(-2 * 3600)  # the provider issues the token as if two hours ago: long expired
    try:
        response = browser.callback(callback)
    finally:
        oidc_provider.set_clock(0)
    assert_refused(response, browser, portal_app, "id_token_expired")


def test_answer_naming_another_issuer_is_refused(browser: Browser, portal_app: Flask) -> None:
    callback = browser.authorize(browser.start())
    assert_refused(
        browser.callback(with_params(callback, iss="https://evil.example")),
        browser,
        portal_app,
        "issuer_mismatch",
    )


def test_cancelling_at_the_provider_says_so(browser: Browser, portal_app: Flask) -> None:
    authorize = browser.start()
    login_page = browser.at_provider.get(authorize, timeout=10)
    abort = login_page.text.split('<a href="')[1].split('"')[0]
    assert abort.endswith("/abort")
    back = browser.authorize(abort if "://" in abort else browser.issuer + abort)
    assert query_of(back)["error"] == "access_denied"
    page = browser.callback(back)
    assert page.status_code == 400 and "You did not sign in" in page.get_data(as_text=True)
    assert not browser.signed_in()


BAD_RETURN_PATHS = [
    "//evil.example",
    "https://evil.example",
    "http:evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/%2F%2Fevil.example",
    "%2F%2Fevil.example",
    "/%5Cevil.example",
    "/%252F%252Fevil.example",
    "/\t/evil.example",
    " //evil.example",
    "javascript:alert(1)",
    "evil.example",
]


def test_return_to_another_site_is_refused(browser: Browser, portal_app: Flask) -> None:
    for next_path in BAD_RETURN_PATHS:
        response = browser.client.get("/auth/login", query_string={"next": next_path})
        assert "Location" not in response.headers, next_path
        assert_refused(response, browser, portal_app, "return_to")
        assert "would have sent you to another website" in response.get_data(as_text=True)
    with portal_app.extensions["portal.db"].session() as session:
        assert session.query(SignInAttempt).count() == 0 and session.query(Resident).count() == 0


def id_token_for_other_app(browser: Browser, issuer: str, nonce: str) -> str:
    verifier = secrets.token_urlsafe(48)
    params = {
        "client_id": "other-app",
        "response_type": "code",
        "scope": "openid",
        "redirect_uri": CALLBACK,
        "state": secrets.token_urlsafe(32),
        "nonce": nonce,
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    callback = browser.authorize(f"{issuer}/auth?{urlencode(params)}")
    token = requests.post(
        f"{issuer}/token",
        data={
            "grant_type": "authorization_code",
            "code": query_of(callback)["code"],
            "redirect_uri": CALLBACK,
            "code_verifier": verifier,
        },
        auth=("other-app", SECRET),
        timeout=10,
    )
    assert token.status_code == 200, token.text
    return str(token.json()["id_token"])
