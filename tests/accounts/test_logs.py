"""No secret, token or code in any log line the portal writes during a sign-in and sign-out."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookies import SimpleCookie
from typing import Any

import pytest

from portal.accounts import ProviderClient
from portal.accounts.redact import install_redaction

from .conftest import CATALOG, SECRET, Browser, Provider, query_of


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name} {record.getMessage()} {record.exc_text or ''}")


@contextmanager
def portal_logs(collect: Collect) -> Iterator[None]:
    """Everything logged, at every level, by any library, while the portal (not the test's browser) works."""
    root = logging.getLogger()
    level = root.level
    root.addHandler(collect)
    root.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        root.removeHandler(collect)
        root.setLevel(level)


def test_no_secret_token_or_code_is_logged(
    make_app: Any, oidc_provider: Provider, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(
        CATALOG,
        OIDC_ISSUER=oidc_provider.issuer,
        OIDC_CLIENT_ID="portal",
        OIDC_CLIENT_SECRET=SECRET,
        LOG_LEVEL="DEBUG",
    )
    browser = Browser(app.test_client(), oidc_provider.issuer)
    seen: dict[str, str] = {}
    exchange = ProviderClient.exchange_code

    def spy(self: ProviderClient, **kwargs: str) -> Any:
        tokens = exchange(self, **kwargs)
        seen.update(code=kwargs["code"], verifier=kwargs["code_verifier"])
        seen.update(id_token=tokens.id_token, access_token=tokens.access_token)
        return tokens

    monkeypatch.setattr(ProviderClient, "exchange_code", spy)
    collect = Collect()

    with portal_logs(collect):
        authorize = browser.start("/en/")
    callback = browser.authorize(authorize)  # the browser at the provider: its own business
    with portal_logs(collect):
        landed = browser.callback(callback)
        cookie = SimpleCookie()
        cookie.load(landed.headers["Set-Cookie"])
        home = browser.client.get("/en/").get_data(as_text=True)
        sign_out = home.split('href="/auth/logout?token=')[1].split('"')[0]
        logout = browser.client.get(f"/auth/logout?token={sign_out}")
        # What the development server would log for these requests (the test client logs none itself).
        install_redaction()
        werkzeug = logging.getLogger("werkzeug")
        werkzeug.info(
            '127.0.0.1 - - "%s" %s -', f"GET {callback.removeprefix('http://localhost')} HTTP/1.1", 303
        )
        werkzeug.info('127.0.0.1 - - "%s" %s -', f"GET /auth/logout?token={sign_out} HTTP/1.1", 303)

    assert landed.status_code == 303 and logout.status_code == 303
    serializer = app.session_interface.get_signing_serializer(app)
    session_token = serializer.loads(cookie["portal_session"].value)["account"]
    params = query_of(authorize)
    secrets_ = {
        "client secret": SECRET,
        "authorization code": seen["code"],
        "PKCE verifier": seen["verifier"],
        "ID token": seen["id_token"],
        "access token": seen["access_token"],
        "state": params["state"],
        "nonce": params["nonce"],
        "session token": session_token,
        "session cookie": cookie["portal_session"].value,
        "sign-out token": sign_out,
    }
    text = "\n".join(collect.lines)
    # The logs were captured (so the checks below can fail), with the request line redacted.
    assert "signed in with default" in text and "/auth/callback?code=[redacted]" in text
    for name, value in secrets_.items():
        assert value and value not in text, f"the {name} appears in the logs"
