"""Talking to one OpenID provider: discovery, keys, the authorization URL, the code exchange, userinfo, sign-out.

authlib builds the requests (PKCE S256, client_secret_basic or private_key_jwt); the ID token is checked by
`id_token.validate_id_token`. Discovery and keys are cached per process: they are the provider's public data, not
anyone's session, so several workers each keeping a copy is fine.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from .id_token import SIGNING_ALGORITHMS, IdTokenError, validate_id_token
from .providers import ProviderSettings, is_loopback

METADATA_TTL_SECONDS = 3600
KEYS_REFRESH_MIN_SECONDS = (
    60  # at most one unplanned key fetch a minute: a token with a made-up kid cannot flood
)


class SignInError(Exception):
    """A sign-in that must not go ahead. `reason` is a short code for logs, tests and choosing the message shown;
    it never holds a token, code or secret."""

    def __init__(self, reason: str, provider: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.provider = provider


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str = ""
    end_session_endpoint: str = ""
    signing_algorithms: tuple[str, ...] = ("RS256",)
    acr_values_supported: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tokens:
    id_token: str = field(repr=False)
    access_token: str = field(repr=False)


class ProviderClient:
    def __init__(self, settings: ProviderSettings, timeout: float = 10.0) -> None:
        self.settings = settings
        self.timeout = timeout
        self._lock = threading.Lock()
        self._metadata: ProviderMetadata | None = None
        self._metadata_at = 0.0
        self._keys: KeySet | None = None
        self._keys_at = 0.0
        self._signing_key: tuple[Any, str] | None = None

    @property
    def name(self) -> str:
        return self.settings.name

    # -- discovery and keys -------------------------------------------------------------------------------------

    def metadata(self) -> ProviderMetadata:
        with self._lock:
            if self._metadata is None or time.monotonic() - self._metadata_at > METADATA_TTL_SECONDS:
                self._metadata = self._discover()
                self._metadata_at = time.monotonic()
            return self._metadata

    def _discover(self) -> ProviderMetadata:
        url = self.settings.issuer.rstrip("/") + "/.well-known/openid-configuration"
        document = self._get_json(url)
        issuer = str(document.get("issuer", ""))
        # The configured issuer may differ by a trailing slash only; tokens must then carry the provider's spelling.
        if issuer.rstrip("/") != self.settings.issuer.rstrip("/"):
            raise SignInError("discovery_issuer", self.name)
        try:
            metadata = ProviderMetadata(
                issuer=issuer,
                authorization_endpoint=str(document["authorization_endpoint"]),
                token_endpoint=str(document["token_endpoint"]),
                jwks_uri=str(document["jwks_uri"]),
                userinfo_endpoint=str(document.get("userinfo_endpoint") or ""),
                end_session_endpoint=str(document.get("end_session_endpoint") or ""),
                signing_algorithms=tuple(document.get("id_token_signing_alg_values_supported") or ("RS256",)),
                acr_values_supported=tuple(document.get("acr_values_supported") or ()),
            )
        except KeyError:
            raise SignInError("discovery", self.name) from None
        for endpoint in (metadata.authorization_endpoint, metadata.token_endpoint, metadata.jwks_uri):
            if not _secure(endpoint):
                raise SignInError("discovery", self.name)
        return metadata

    def keys(self, refresh: bool = False) -> KeySet:
        with self._lock:
            due = time.monotonic() - self._keys_at > METADATA_TTL_SECONDS
            may_refresh = time.monotonic() - self._keys_at > KEYS_REFRESH_MIN_SECONDS
            if self._keys is None or due or (refresh and may_refresh):
                jwks_uri = self._metadata.jwks_uri if self._metadata else ""
                self._keys = self._fetch_keys(jwks_uri)
                self._keys_at = time.monotonic()
            return self._keys

    def _fetch_keys(self, jwks_uri: str) -> KeySet:
        if not jwks_uri:
            jwks_uri = self._discover().jwks_uri
        document = self._get_json(jwks_uri)
        usable = [
            k
            for k in document.get("keys", [])
            if isinstance(k, dict) and k.get("use", "sig") == "sig" and k.get("kty") in ("RSA", "EC", "OKP")
        ]
        try:
            return KeySet.import_key_set({"keys": usable})
        except (JoseError, ValueError):
            raise SignInError("keys", self.name) from None

    # -- the flow -----------------------------------------------------------------------------------------------

    def authorization_url(
        self,
        *,
        redirect_uri: str,
        state: str,
        nonce: str,
        code_verifier: str,
        ui_locales: str = "",
        acr_values: Sequence[str] = (),
        prompt: str = "",
    ) -> str:
        extra: dict[str, str] = {"nonce": nonce}
        if ui_locales:
            extra["ui_locales"] = ui_locales
        if acr_values:
            extra["acr_values"] = " ".join(acr_values)
        if prompt:
            extra["prompt"] = prompt
        with self._session(redirect_uri) as session:
            url, _state = session.create_authorization_url(
                self.metadata().authorization_endpoint, state=state, code_verifier=code_verifier, **extra
            )
        return str(url)

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str) -> Tokens:
        from authlib.integrations.base_client import OAuthError

        metadata = self.metadata()
        with self._session(redirect_uri) as session:
            try:
                token = session.fetch_token(
                    metadata.token_endpoint,
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=code_verifier,
                    timeout=self.timeout,
                )
            except OAuthError:  # the provider refused: a used, expired or foreign code, or a wrong verifier
                raise SignInError("token_refused", self.name) from None
            except (requests.RequestException, ValueError):
                raise SignInError("unreachable", self.name) from None
        id_token, access_token = token.get("id_token"), token.get("access_token")
        if not isinstance(id_token, str) or not isinstance(access_token, str):
            raise SignInError("token_refused", self.name)
        return Tokens(id_token=id_token, access_token=access_token)

    def validate(self, id_token: str, *, nonce: str, now: float) -> dict[str, Any]:
        metadata = self.metadata()
        arguments: dict[str, Any] = {
            "issuer": metadata.issuer,
            "client_id": self.settings.client_id,
            "nonce": nonce,
            "now": now,
            "algorithms": [a for a in metadata.signing_algorithms if a in SIGNING_ALGORITHMS],
        }
        try:
            try:
                return validate_id_token(id_token, self.keys(), **arguments)
            except IdTokenError as exc:
                if exc.reason not in ("unknown_key", "signature"):
                    raise
                return validate_id_token(
                    id_token, self.keys(refresh=True), **arguments
                )  # keys may have rotated
        except IdTokenError as exc:
            raise SignInError(f"id_token_{exc.reason}", self.name) from None

    def userinfo(self, access_token: str) -> dict[str, Any]:
        endpoint = self.metadata().userinfo_endpoint
        if not endpoint:
            return {}
        try:
            response = requests.get(
                endpoint,
                headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
                timeout=self.timeout,
            )
        except requests.RequestException:
            raise SignInError("unreachable", self.name) from None
        if response.status_code != 200:
            raise SignInError("userinfo", self.name)
        try:
            claims = response.json()
        except ValueError:
            raise SignInError("userinfo", self.name) from None
        if not isinstance(claims, dict):
            raise SignInError("userinfo", self.name)
        return claims

    def logout_url(self, *, id_token_hint: str, post_logout_redirect_uri: str, ui_locales: str = "") -> str:
        """RP-initiated logout at the provider, or "" when it offers none."""
        try:
            endpoint = self.metadata().end_session_endpoint
        except SignInError:
            return ""
        if not endpoint:
            return ""
        params = {"client_id": self.settings.client_id, "post_logout_redirect_uri": post_logout_redirect_uri}
        if id_token_hint:
            params["id_token_hint"] = id_token_hint
        if ui_locales:
            params["ui_locales"] = ui_locales
        separator = "&" if urlsplit(endpoint).query else "?"
        return endpoint + separator + urlencode(params)

    # -- plumbing -----------------------------------------------------------------------------------------------

    def _session(self, redirect_uri: str) -> OAuth2Session:
        settings = self.settings
        credential: Any = settings.client_secret
        if settings.auth_method == "private_key_jwt":
            if self._signing_key is None:  # parsing an RSA key checks it, which is slow: once per process
                self._signing_key = settings.signing_key()
            credential, alg = self._signing_key
        session = OAuth2Session(
            settings.client_id,
            credential,
            token_endpoint_auth_method=settings.auth_method,
            scope=" ".join(settings.scopes),
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            default_timeout=self.timeout,
        )
        if settings.auth_method == "private_key_jwt":
            headers = {"kid": settings.private_key_id} if settings.private_key_id else None
            session.register_client_auth_method(
                PrivateKeyJWT(self.metadata().token_endpoint, headers=headers, alg=alg)
            )
        return session

    def _get_json(self, url: str) -> Mapping[str, Any]:
        try:
            response = requests.get(url, headers={"Accept": "application/json"}, timeout=self.timeout)
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError):
            raise SignInError("unreachable", self.name) from None
        if not isinstance(document, dict):
            raise SignInError("discovery", self.name)
        return document


def _secure(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" or (parts.scheme == "http" and is_loopback(url))
