"""Every setting, declared once: name, default, type and a one-line description. Environment overrides: PORTAL_<NAME>."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class ConfigError(Exception):
    """A setting is missing or malformed; the message says which and how to fix it."""


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"expected 1/0, true/false or yes/no, got {value!r}")


def _list(value: str) -> list[str]:
    return [part.strip() for part in value.replace(",", " ").split() if part.strip()]


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    parse: Callable[[str], Any]
    doc: str

    @property
    def env(self) -> str:
        return f"PORTAL_{self.name}"


SETTINGS: tuple[Setting, ...] = (
    Setting("ENV", "production", str, "'development' relaxes secure defaults (generated secret key, no HSTS)."),
    Setting("SERVICES", "services.yaml", str, "Path to the top catalog file (services.yaml)."),
    Setting("DATA_DIR", "var", str, "Directory for the search index, the SQLite database and uploads."),
    Setting("DATABASE_URL", "", str, "SQLAlchemy URL; default: SQLite file portal.sqlite3 in the data directory."),
    Setting("SECRET_KEY", "", str, "Signs session cookies and CSRF tokens. Required outside development."),
    Setting("BASE_URL", "", str, "Public origin, e.g. https://services.example.gov (used in emails and redirect URIs)."),
    Setting("RELOAD_INTERVAL", 2.0, float, "Seconds between checks for changed catalog files (0 disables)."),
    Setting("COOKIE_SECURE", True, _bool, "Send cookies only over HTTPS. Set 0 only for plain-http local development."),
    Setting("SESSION_IDLE_MINUTES", 30, int, "Sign a resident out after this many idle minutes."),
    Setting("SESSION_MAX_HOURS", 12, int, "Sign a resident out this many hours after sign-in, active or not."),
    Setting("LOG_LEVEL", "INFO", str, "Logging level: DEBUG, INFO, WARNING, ERROR."),
    Setting("SEARCH_PAGE_SIZE", 10, int, "Search results per page."),
    Setting("SEARCH_LOG", True, _bool, "Record anonymous search queries and clicks for `portal search-report`."),
    Setting("SEARCH_LOG_FLUSH_SECONDS", 10.0, float, "Write counted searches and clicks to the database this often (0: at once)."),
    Setting("SEARCH_BUILD_AT_START", True, _bool, "Build the search index at start when it is missing or stale."),
    Setting("SEARCH_BUILD_PROCESSES", 0, int, "Processes building the index, one locale each (0: one per CPU)."),
    Setting("SEARCH_CACHE_SIZE", 2048, int, "Hot queries each worker keeps answers for (0 disables the cache)."),
    Setting("SEARCH_POPULARITY_WEIGHT", 2.0, float, "How much residents' use of a service (Start presses, results chosen) lifts it in search: a match scores up to 1 + this times more (0: off). A word in an average title scores 3.18 times the same word in a description: above about 2, use outweighs that."),
    Setting("SEARCH_POPULARITY_DAYS", 90, int, "The window of use that search popularity counts, in days."),
    Setting("SEARCH_POPULARITY_SECONDS", 600.0, float, "How often each worker re-reads service use for search popularity (0: at every search)."),
    Setting("SEARCH_REFRESH_SECONDS", 1.0, float, "How often a worker checks whether another built a newer index."),
    Setting("TRANSLATIONS_DIR", "translations", str, "gettext catalogs: <locale>/LC_MESSAGES/{messages,services}.po."),
    Setting("OIDC_ISSUER", "", str, "OpenID Connect issuer URL; empty disables sign-in."),
    Setting("OIDC_CLIENT_ID", "", str, "Client id registered with the provider."),
    Setting("OIDC_CLIENT_SECRET", "", str, "Client secret (client_secret_basic)."),
    Setting("OIDC_PRIVATE_KEY", "", str, "Path to a PEM private key (private_key_jwt), instead of a secret."),
    Setting("OIDC_SCOPES", "openid email profile phone address", str, "Scopes requested at sign-in."),
    Setting("OIDC_ACR_VALUES", "", str, "acr_values requested at sign-in, if any."),
    Setting("OIDC_NAME", "", str, "Name of the provider shown on the sign-in page."),
    Setting("OIDC_PRIVATE_KEY_ID", "", str, "kid sent with private_key_jwt assertions, if the provider needs one."),
    Setting("OIDC_ACR_LEVELS", "", str, "Known acr values, weakest first: a stronger one satisfies a service's acr."),
    Setting(
        "OIDC_PROVIDERS",
        [],
        _list,
        "Several providers: names (e.g. logingov,state), each set by PORTAL_OIDC_<NAME>_ISSUER, _CLIENT_ID, ...",
    ),
    Setting("OIDC_TIMEOUT", 10.0, float, "Seconds to wait for the OpenID provider's endpoints."),
    Setting("SMTP_HOST", "", str, "SMTP server for receipts and email delivery; empty: emails go to the log."),
    Setting("SMTP_PORT", 587, int, "SMTP port."),
    Setting("SMTP_USER", "", str, "SMTP user name."),
    Setting("SMTP_PASSWORD", "", str, "SMTP password."),
    Setting("SMTP_STARTTLS", True, _bool, "Use STARTTLS with the SMTP server."),
    Setting("MAIL_FROM", "no-reply@localhost", str, "From address of emails the portal sends."),
    Setting("WORKER_IN_APP", False, _bool, "Run the delivery worker inside the web process (development only)."),
    Setting("UPLOAD_MAX_MB", 10, int, "Largest request body accepted, in MB."),
    Setting("DELIVERY_OVERRIDE", "", str, "'log': write deliveries to DATA_DIR/delivered and the log; or a loopback URL receiving every webhook (demos)."),
    Setting("DELIVERY_BACKOFF_SECONDS", 30.0, float, "Wait before the first retry of a failed delivery; doubles each time."),
    Setting("DELIVERY_BACKOFF_MAX_SECONDS", 3600.0, float, "Longest wait between two delivery attempts."),
    Setting("DELIVERY_GIVE_UP_HOURS", 72.0, float, "Stop retrying a delivery this long after submission; it is then 'dead' in `portal outbox`."),
    Setting("DELIVERY_LEASE_SECONDS", 300.0, float, "A worker's claim on a delivery; if it dies, another worker retries after this long."),
    Setting("DELIVERY_TIMEOUT_SECONDS", 30.0, float, "Timeout of one webhook or SMTP attempt."),
    Setting("WORKER_POLL_SECONDS", 2.0, float, "How often an idle delivery worker looks for work."),
    Setting("FORM_PROGRESS_DAYS", 30, int, "Keep unfinished answers and drafts this many days after their last change."),
    Setting("STATUS_MAX_SKEW_SECONDS", 300, int, "Status reports from agencies must be signed within this many seconds of now."),
)

BY_NAME = {s.name: s for s in SETTINGS}


def load(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Defaults, then PORTAL_* environment variables, then explicit overrides (tests pass these)."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        value = setting.default
        raw = environ.get(setting.env)
        if raw is not None:
            try:
                value = setting.parse(raw)
            except ValueError as exc:
                raise ConfigError(f"{setting.env}: {exc}") from exc
        values[setting.name] = value
    for key, value in (overrides or {}).items():
        name = key.removeprefix("PORTAL_")
        values[name] = value
    _overlay_providers(values, environ)
    return finish(values)


OIDC_PROVIDER_FIELDS = (
    "ISSUER", "CLIENT_ID", "CLIENT_SECRET", "PRIVATE_KEY", "PRIVATE_KEY_ID", "SCOPES", "ACR_VALUES", "ACR_LEVELS", "NAME"
)


def _overlay_providers(values: dict[str, Any], environ: Mapping[str, str]) -> None:
    """PORTAL_OIDC_<NAME>_<FIELD> for every provider named in OIDC_PROVIDERS (explicit overrides win)."""
    names = values.get("OIDC_PROVIDERS") or []
    if isinstance(names, str):
        names = values["OIDC_PROVIDERS"] = _list(names)
    for name in names:
        for field in OIDC_PROVIDER_FIELDS:
            key = f"OIDC_{provider_key(name)}_{field}"
            raw = environ.get(f"PORTAL_{key}")
            if raw is not None and key not in values:
                values[key] = raw


def provider_key(name: str) -> str:
    """'login-gov' -> 'LOGIN_GOV', as it appears in PORTAL_OIDC_LOGIN_GOV_ISSUER."""
    return name.upper().replace("-", "_")


def finish(values: dict[str, Any]) -> dict[str, Any]:
    values["DATA_DIR"] = str(Path(values["DATA_DIR"]).resolve())
    values["SERVICES"] = str(Path(values["SERVICES"]).resolve())
    if not values["DATABASE_URL"]:
        values["DATABASE_URL"] = "sqlite:///" + str(Path(values["DATA_DIR"]) / "portal.sqlite3")
    translations = Path(values["TRANSLATIONS_DIR"])
    if not translations.is_absolute():
        translations = Path(values["SERVICES"]).parent / translations
    values["TRANSLATIONS_DIR"] = str(translations.resolve())
    override = str(values.get("DELIVERY_OVERRIDE") or "")
    if override and override != "log" and not re.match(r"^https?://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(/|$)", override):
        raise ConfigError("PORTAL_DELIVERY_OVERRIDE must be empty, 'log', or a URL on this machine (http://127.0.0.1:PORT/...)")
    development = values["ENV"] == "development"
    if not values["SECRET_KEY"]:
        if not development and not values.get("TESTING"):
            raise ConfigError(
                "PORTAL_SECRET_KEY is not set. Set it to a long random value (python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'), or set PORTAL_ENV=development for local use."
            )
        values["SECRET_KEY"] = secrets.token_urlsafe(48) if values.get("TESTING") else _development_key(values)
    return values


def _development_key(values: dict[str, Any]) -> str:
    """A key kept in the data directory, so every development worker and restart signs cookies alike."""
    path = Path(values["DATA_DIR"]) / "development-secret-key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(key)
        return key
    except FileExistsError:  # another worker won the race
        return path.read_text().strip()


def describe() -> str:
    lines = []
    for s in SETTINGS:
        lines.append(f"{s.env} (default {s.default!r}): {s.doc}")
    return "\n".join(lines)
