"""Which OpenID providers residents may sign in with, read from settings and checked once at start."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from portal.config import ConfigError, provider_key

SINGLE = "default"  # the name of the provider set by the PORTAL_OIDC_* variables without a provider name
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


@dataclass(frozen=True)
class ProviderSettings:
    name: str
    label: str
    issuer: str
    client_id: str
    client_secret: str = field(default="", repr=False)
    private_key_path: str = ""
    private_key_id: str = ""
    scopes: tuple[str, ...] = ("openid",)
    acr_values: tuple[str, ...] = ()
    acr_levels: tuple[str, ...] = ()

    @property
    def auth_method(self) -> str:
        return "private_key_jwt" if self.private_key_path else "client_secret_basic"

    def signing_key(self) -> tuple[Any, str]:
        """The private_key_jwt key and its JWS algorithm (RS256 for RSA keys, ES256 for P-256 keys)."""
        return load_private_key(Path(self.private_key_path).read_text(encoding="utf-8"))


def load_private_key(pem: str) -> tuple[Any, str]:
    from joserfc.errors import JoseError
    from joserfc.jwk import ECKey, RSAKey

    for key_type, alg in ((RSAKey, "RS256"), (ECKey, "ES256")):
        try:
            return key_type.import_key(pem), alg
        except (JoseError, ValueError):
            continue
    raise ValueError("not an RSA or P-256 PEM key")


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def providers_from_config(config: Mapping[str, Any]) -> tuple[ProviderSettings, ...]:
    """Every configured provider; none when sign-in is off. Raises ConfigError naming the variable to fix."""
    names = [str(n).strip().lower() for n in config.get("OIDC_PROVIDERS") or [] if str(n).strip()]
    if not names:
        if not config.get("OIDC_ISSUER"):
            return ()
        return (_provider(SINGLE, "OIDC_", config),)
    providers = []
    for name in names:
        if not NAME_RE.match(name):
            raise ConfigError(
                f"PORTAL_OIDC_PROVIDERS: {name!r} is not a usable name (letters, digits, - and _)"
            )
        providers.append(_provider(name, f"OIDC_{provider_key(name)}_", config))
    return tuple(providers)


def _provider(name: str, prefix: str, config: Mapping[str, Any]) -> ProviderSettings:
    def value(field_name: str, fallback: str = "") -> str:
        raw = config.get(prefix + field_name)
        if raw is None or raw == "":
            raw = config.get("OIDC_" + field_name, "") if fallback == "global" else fallback
        return str(raw or "").strip()

    env = f"PORTAL_{prefix}"
    issuer = value("ISSUER")
    if not issuer:
        raise ConfigError(f"{env}ISSUER is not set: the provider's issuer URL, e.g. https://idp.example.gov")
    parts = urlsplit(issuer)
    if parts.scheme != "https" and not (parts.scheme == "http" and is_loopback(issuer)):
        raise ConfigError(f"{env}ISSUER must be an https URL (plain http only on loopback), got {issuer!r}")
    if parts.query or parts.fragment:
        raise ConfigError(f"{env}ISSUER must not have a query or fragment: {issuer!r}")
    client_id = value("CLIENT_ID")
    if not client_id:
        raise ConfigError(f"{env}CLIENT_ID is not set: the client id the provider registered for this site")
    secret = value("CLIENT_SECRET")
    key_path = value("PRIVATE_KEY")
    if key_path:
        _check_private_key(f"{env}PRIVATE_KEY", key_path)
    elif not secret:
        raise ConfigError(
            f"set {env}CLIENT_SECRET (client_secret_basic) or {env}PRIVATE_KEY (private_key_jwt)"
        )
    scopes = tuple(value("SCOPES", "global").split()) or ("openid",)
    if "openid" not in scopes:
        scopes = ("openid", *scopes)
    label = value("NAME") or (urlsplit(issuer).hostname or issuer)
    return ProviderSettings(
        name=name,
        label=label,
        issuer=issuer,
        client_id=client_id,
        client_secret="" if key_path else secret,
        private_key_path=key_path,
        private_key_id=value("PRIVATE_KEY_ID"),
        scopes=scopes,
        acr_values=tuple(value("ACR_VALUES").split()),
        acr_levels=tuple(value("ACR_LEVELS", "global").split()),
    )


def _check_private_key(variable: str, path: str) -> None:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{variable}: cannot read {path}: {exc.strerror}") from exc
    try:
        key, _alg = load_private_key(text)
    except ValueError as exc:
        raise ConfigError(f"{variable}: {path} is not an RSA or P-256 private key in PEM form") from exc
    if not key.is_private:
        raise ConfigError(f"{variable}: {path} holds a public key; the private key is needed")
