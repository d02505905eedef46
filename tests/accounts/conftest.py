"""A real OpenID provider (oidc-provider, tests/node) on 127.0.0.1 for the whole session, and a resident's browser.

The browser is two halves: the Flask test client for the portal (http://localhost) and `requests` for the provider.
Redirects between them are followed by hand, which is also where a test can tamper with them.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from joserfc.jwk import RSAKey

from tests.tools import missing, require_tool

NODE_DIR = Path(__file__).resolve().parent.parent / "node"
CATALOG = Path(__file__).resolve().parent.parent / "data" / "accounts" / "services.yaml"
PORTAL = "http://localhost"
CALLBACK = f"{PORTAL}/auth/callback"
SIGNED_OUT = f"{PORTAL}/auth/signed-out"
SECRET = "test-client-secret-0123456789"  # noqa: S105
BASIC, VERIFIED = "urn:portal:dev:acr:basic", "urn:portal:dev:acr:verified"


@dataclass
class Provider:
    issuer: str
    jwt_key_path: Path
    process: subprocess.Popen[str] = field(repr=False)

    def set_clock(self, offset_seconds: int) -> None:
        requests.post(f"{self.issuer}/__test/clock?offset={offset_seconds}", timeout=5).raise_for_status()


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    node = require_tool("node")
    if not (NODE_DIR / "node_modules" / "oidc-provider").is_dir():
        missing("needs tests/node/node_modules: run `npm ci` in tests/node")
    key = RSAKey.generate_key(2048)
    key_path = tmp_path_factory.mktemp("oidc") / "client-key.pem"
    key_path.write_bytes(key.as_pem(private=True))
    common = {"redirect_uris": [CALLBACK], "post_logout_redirect_uris": [SIGNED_OUT]}
    clients = [
        {"client_id": "portal", "client_secret": SECRET, **common},
        # Another site registered with the same provider: its tokens are not for the portal.
        {"client_id": "other-app", "client_secret": SECRET, **common},
        {
            "client_id": "portal-jwt",
            "token_endpoint_auth_method": "private_key_jwt",
            "token_endpoint_auth_signing_alg": "RS256",
            "jwks": {"keys": [key.as_dict(private=False)]},
            **common,
        },
    ]
    env = {
        **os.environ,
        "OIDC_CLIENTS": json.dumps(clients),
        "OIDC_TEST_HOOKS": "1",
        "OIDC_EXIT_WITH_STDIN": "1",
    }
    process = subprocess.Popen(
        [node, "oidc_provider.mjs"],
        cwd=NODE_DIR,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        process.wait(timeout=5)
        stderr = process.stderr.read() if process.stderr else ""
        pytest.fail(f"the OpenID provider did not start: {stderr}")
    try:
        yield Provider(issuer=json.loads(line)["issuer"], jwt_key_path=key_path, process=process)
    finally:
        process.terminate()
        process.communicate(timeout=10)


@pytest.fixture
def portal_app(make_app: Any, oidc_provider: Provider) -> Flask:
    """The portal signed in through the provider with client_secret_basic."""
    return make_app(
        CATALOG,
        OIDC_ISSUER=oidc_provider.issuer,
        OIDC_CLIENT_ID="portal",
        OIDC_CLIENT_SECRET=SECRET,
        OIDC_NAME="Westland ID",
        OIDC_ACR_LEVELS=f"{BASIC} {VERIFIED}",
    )


@pytest.fixture
def browser(portal_app: Flask, oidc_provider: Provider) -> Browser:
    return Browser(portal_app.test_client(), oidc_provider.issuer)


class Browser:
    """One resident's browser: cookies for the portal (test client) and for the provider (requests)."""

    def __init__(self, client: FlaskClient, issuer: str) -> None:
        self.client = client
        self.issuer = issuer
        self.at_provider = requests.Session()
        self.last_provider_page = ""

    def start(self, next_path: str = "/en/", **params: str) -> str:
        """GET /auth/login; returns the provider's authorization URL it redirects to."""
        response = self.client.get("/auth/login", query_string={"next": next_path, **params})
        assert response.status_code == 303, response.get_data(as_text=True)
        location = response.headers["Location"]
        assert location.startswith(self.issuer), location
        return location

    def authorize(self, url: str, login: str = "alice") -> str:
        """At the provider: sign in as `login` when asked; returns the callback URL it sends the browser to."""
        while True:
            response = self.at_provider.get(url, allow_redirects=False, timeout=10)
            if response.status_code in (302, 303):
                url = _absolute(response.headers["Location"], self.issuer)
                if url.startswith(PORTAL):
                    return url
                continue
            assert response.status_code == 200, response.text
            self.last_provider_page = response.text
            action = re.search(r'<form[^>]*action="([^"]+)"', response.text)
            assert action is not None, response.text
            post = self.at_provider.post(
                _absolute(action.group(1), self.issuer),
                data={"prompt": "login", "login": login, "password": "any"},
                allow_redirects=False,
                timeout=10,
            )
            assert post.status_code in (302, 303), post.text
            url = _absolute(post.headers["Location"], self.issuer)
            if url.startswith(PORTAL):
                return url

    def callback(self, url: str) -> Any:
        parts = urlsplit(url)
        assert parts.path == "/auth/callback", url
        return self.client.get(parts.path + "?" + parts.query)

    def sign_in(self, next_path: str = "/en/", login: str = "alice", **params: str) -> Any:
        return self.callback(self.authorize(self.start(next_path, **params), login))

    def signed_in(self) -> bool:
        html = self.client.get("/en/").get_data(as_text=True)
        return "Sign out" in html and "Your account" in html

    def provider_logout(self, url: str) -> str:
        """Confirm sign-out on the provider's page; returns where it sends the browser afterwards."""
        page = self.at_provider.get(url, timeout=10)
        assert page.status_code == 200, page.text
        action = re.search(r'<form[^>]*action="([^"]+)"', page.text)
        xsrf = re.search(r'name="xsrf" value="([^"]+)"', page.text)
        assert action and xsrf, page.text
        done = self.at_provider.post(
            action.group(1), data={"xsrf": xsrf.group(1), "logout": "yes"}, allow_redirects=False, timeout=10
        )
        assert done.status_code in (302, 303), done.text
        return done.headers["Location"]


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _absolute(location: str, issuer: str) -> str:
    return location if "://" in location else issuer + location
