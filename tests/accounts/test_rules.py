"""The accounts feature's rules as plain functions: return-to, assurance, provider settings, sessions, profile."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from joserfc.jwk import RSAKey

from portal import config
from portal.accounts import Profile, ProfileError, safe_return_path, satisfies, update_profile
from portal.accounts.profile import export_profile, prefill_values, profile_from_claims, record_sign_in
from portal.accounts.providers import providers_from_config
from portal.accounts.redact import redact
from portal.accounts.sessions import (
    Timeouts,
    end_session,
    find_session,
    forget_expired_sessions,
    start_session,
)
from portal.storage import Base, Database
from tests.tools import postgres_url

from .test_attacks import BAD_RETURN_PATHS


@pytest.mark.parametrize(
    "path", ["/", "/en/services/x?tab=1", "/en/search?q=a%20b", "/es/account#details", "/a//b"]
)
def test_paths_of_this_site_are_returned_to(path: str) -> None:
    assert safe_return_path(path) == path


@pytest.mark.parametrize(
    "path", [*BAD_RETURN_PATHS, "/\n/evil.example", "/%09/evil.example", "/" + "a" * 2001]
)
def test_anything_that_could_leave_the_site_is_refused(path: str) -> None:
    assert safe_return_path(path) is None


def test_no_return_path_means_the_default() -> None:
    assert safe_return_path(None) == "/" and safe_return_path("", "/en/") == "/en/"


LEVELS = ("urn:acr:basic", "urn:acr:verified", "urn:acr:in-person")


@pytest.mark.parametrize(
    ("current", "required", "ok"),
    [
        ("", "", True),
        ("urn:acr:basic", "", True),
        ("urn:acr:verified", "urn:acr:verified", True),
        ("urn:acr:in-person", "urn:acr:verified", True),
        ("urn:acr:basic", "urn:acr:verified", False),
        ("", "urn:acr:verified", False),
        ("urn:unlisted", "urn:acr:basic", False),
    ],
)
def test_a_stronger_sign_in_satisfies_a_weaker_need(current: str, required: str, ok: bool) -> None:
    assert satisfies(current, required, LEVELS) is ok


def test_without_levels_only_the_same_acr_satisfies() -> None:
    assert not satisfies("urn:acr:in-person", "urn:acr:verified")
    assert satisfies("urn:acr:verified", "urn:acr:verified")


def test_one_provider_from_the_plain_variables() -> None:
    values = config.load(
        {"TESTING": True},
        environ={
            "PORTAL_OIDC_ISSUER": "https://idp.int.identitysandbox.gov/",
            "PORTAL_OIDC_CLIENT_ID": "urn:gov:gsa:openidconnect.profiles:sp:sso:state:portal",
            "PORTAL_OIDC_CLIENT_SECRET": "very-secret-value",
            "PORTAL_OIDC_SCOPES": "email profile:name",
            "PORTAL_OIDC_NAME": "Login.gov",
        },
    )
    (provider,) = providers_from_config(values)
    assert provider.name == "default" and provider.label == "Login.gov"
    assert provider.scopes == ("openid", "email", "profile:name")
    assert provider.auth_method == "client_secret_basic"
    assert "very-secret-value" not in repr(provider)
    assert providers_from_config(config.load({"TESTING": True}, environ={})) == ()


def test_several_providers_from_named_variables(tmp_path: Path) -> None:
    key = tmp_path / "key.pem"
    key.write_bytes(RSAKey.generate_key(2048).as_pem(private=True))
    values = config.load(
        {"TESTING": True},
        environ={
            "PORTAL_OIDC_PROVIDERS": "login-gov, state",
            "PORTAL_OIDC_LOGIN_GOV_ISSUER": "https://secure.login.gov/",
            "PORTAL_OIDC_LOGIN_GOV_CLIENT_ID": "portal",
            "PORTAL_OIDC_LOGIN_GOV_PRIVATE_KEY": str(key),
            "PORTAL_OIDC_LOGIN_GOV_ACR_VALUES": "urn:acr.login.gov:auth-only",
            "PORTAL_OIDC_STATE_ISSUER": "https://id.state.example.gov",
            "PORTAL_OIDC_STATE_CLIENT_ID": "portal",
            "PORTAL_OIDC_STATE_CLIENT_SECRET": "s",
            "PORTAL_OIDC_ACR_LEVELS": "a b",
        },
    )
    login_gov, state = providers_from_config(values)
    assert (login_gov.name, login_gov.auth_method, login_gov.acr_values) == (
        "login-gov",
        "private_key_jwt",
        ("urn:acr.login.gov:auth-only",),
    )
    assert (state.name, state.auth_method, state.label, state.acr_levels) == (
        "state",
        "client_secret_basic",
        "id.state.example.gov",
        ("a", "b"),
    )


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"OIDC_ISSUER": "http://idp.example.gov"}, "must be an https URL"),
        ({"OIDC_ISSUER": "https://idp.example.gov"}, "PORTAL_OIDC_CLIENT_ID is not set"),
        ({"OIDC_ISSUER": "https://idp.example.gov", "OIDC_CLIENT_ID": "p"}, "PORTAL_OIDC_CLIENT_SECRET"),
        (
            {"OIDC_ISSUER": "https://i.example", "OIDC_CLIENT_ID": "p", "OIDC_PRIVATE_KEY": "/no/such.pem"},
            "cannot read",
        ),
        ({"OIDC_PROVIDERS": ["Bad Name!"]}, "not a usable name"),
        ({"OIDC_PROVIDERS": ["x"], "OIDC_X_CLIENT_ID": "p"}, "PORTAL_OIDC_X_ISSUER is not set"),
    ],
)
def test_wrong_provider_settings_say_which_variable_to_fix(settings: dict[str, object], message: str) -> None:
    with pytest.raises(config.ConfigError, match=message):
        providers_from_config(settings)


def test_a_public_key_instead_of_the_private_one_is_refused(tmp_path: Path) -> None:
    key = tmp_path / "public.pem"
    key.write_bytes(RSAKey.generate_key(2048).as_pem(private=False))
    with pytest.raises(config.ConfigError, match="holds a public key"):
        providers_from_config(
            {"OIDC_ISSUER": "https://i.example", "OIDC_CLIENT_ID": "p", "OIDC_PRIVATE_KEY": str(key)}
        )


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'accounts.sqlite3'}")
    else:
        database = Database(postgres_url())
        database.create_all()
        Base.metadata.drop_all(database.engine)
    database.create_all()
    yield database
    database.dispose()


T0 = dt.datetime(2026, 5, 1, 9, 0)
TIMEOUTS = Timeouts(idle=dt.timedelta(minutes=30), absolute=dt.timedelta(hours=12))


def signed_in(db: Database) -> str:
    resident = record_sign_in(
        db, provider="p", subject="alice", claims={"email": "a@example.test"}, language="en", now=T0
    )
    return start_session(db, resident_id=resident, provider="p", acr="", id_token="id-token-value", now=T0)


def test_a_session_ends_after_idle_minutes(db: Database) -> None:
    token = signed_in(db)
    assert find_session(db, token, now=T0 + dt.timedelta(minutes=29), timeouts=TIMEOUTS) is not None
    # Each visit keeps it alive for another 30 minutes.
    assert find_session(db, token, now=T0 + dt.timedelta(minutes=58), timeouts=TIMEOUTS) is not None
    assert find_session(db, token, now=T0 + dt.timedelta(minutes=89), timeouts=TIMEOUTS) is None
    # Gone for good: an earlier time does not bring it back.
    assert find_session(db, token, now=T0 + dt.timedelta(minutes=59), timeouts=TIMEOUTS) is None


def test_a_session_ends_after_max_hours_however_active(db: Database) -> None:
    token = signed_in(db)
    for minutes in range(20, 12 * 60, 20):
        assert find_session(db, token, now=T0 + dt.timedelta(minutes=minutes), timeouts=TIMEOUTS) is not None
    assert find_session(db, token, now=T0 + dt.timedelta(hours=12, minutes=1), timeouts=TIMEOUTS) is None


def test_ending_a_session_returns_what_signing_out_at_the_provider_needs(db: Database) -> None:
    token = signed_in(db)
    ended = end_session(db, token)
    assert ended is not None and ended.id_token == "id-token-value" and ended.provider == "p"
    assert "id-token-value" not in repr(ended)
    assert find_session(db, token, now=T0, timeouts=TIMEOUTS) is None and end_session(db, token) is None
    old = signed_in(db)
    assert forget_expired_sessions(db, now=T0 + dt.timedelta(days=1), timeouts=TIMEOUTS) == 1
    assert find_session(db, old, now=T0, timeouts=TIMEOUTS) is None


def test_claims_become_a_profile() -> None:
    profile = profile_from_claims(
        {
            "given_name": "Ana",
            "family_name": "Reyes",
            "email": "ana@example.test",
            "phone_number": "+1 555 0100",
            "address": {"formatted": "9 Elm St, Westland City, WL 99501"},
            "birthdate": "1990-01-01",
            "email_verified": True,
        },
        "es",
    )
    assert profile.name == "Ana Reyes" and profile.street_address == "9 Elm St, Westland City, WL 99501"
    assert profile.preferred_language == "es"
    assert prefill_values(profile)["address"] == "9 Elm St, Westland City, WL 99501"
    assert profile_from_claims({"name": ["not", "text"], "address": "not an object"}) == Profile()


def test_profile_updates_are_checked(db: Database) -> None:
    signed_in(db)
    update_profile(
        db, 1, Profile(name="  Alice   Q  ", email="alice@example.test"), now=T0, languages=("en", "es")
    )
    exported = export_profile(db, 1)
    assert exported is not None and exported["profile"]["name"] == "Alice Q"
    for bad in (Profile(email="nope"), Profile(preferred_language="xx"), Profile(postal_code="1" * 21)):
        with pytest.raises(ProfileError):
            update_profile(db, 1, bad, now=T0, languages=("en", "es"))


def test_credentials_in_logged_urls_are_redacted() -> None:
    line = '"GET /auth/callback?code=abc123&state=xyz&iss=https%3A%2F%2Fidp HTTP/1.1" 303'
    assert (
        redact(line)
        == '"GET /auth/callback?code=[redacted]&state=[redacted]&iss=https%3A%2F%2Fidp HTTP/1.1" 303'
    )
    assert "eyJ" not in redact("/session/end?id_token_hint=eyJhbGc.eyJzdWIi.sig&client_id=portal")
