"""The ID token checks, one by one, with tokens made here (no provider needed)."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey

from portal.accounts.id_token import IdTokenError, validate_id_token

ISSUER = "https://idp.example.gov"
CLIENT = "portal"
NONCE = "n" * 43
NOW = time.time()
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})
OTHER_KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})
PROVIDER_KEYS = KeySet.import_key_set({"keys": [KEY.as_dict(private=False)]})


def claims(**changes: Any) -> dict[str, Any]:
    base = {
        "iss": ISSUER,
        "aud": CLIENT,
        "sub": "alice",
        "nonce": NONCE,
        "iat": int(NOW),
        "exp": int(NOW) + 300,
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def token(key: Any = KEY, alg: str = "RS256", header: dict[str, Any] | None = None, **changes: Any) -> str:
    return jwt.encode({"alg": alg, "kid": "k1", **(header or {})}, claims(**changes), key, algorithms=[alg])


def check(value: str, keys: KeySet = PROVIDER_KEYS, nonce: str = NONCE) -> dict[str, Any]:
    return validate_id_token(value, keys, issuer=ISSUER, client_id=CLIENT, nonce=nonce, now=NOW)


def test_a_good_token_gives_its_claims() -> None:
    assert check(token())["sub"] == "alice"
    assert check(token(aud=[CLIENT, "api"], azp=CLIENT))["sub"] == "alice"


@pytest.mark.parametrize(
    ("made", "reason"),
    [
        (lambda: token(aud="another-site"), "audience"),
        (lambda: token(aud=["another-site", "api"]), "audience"),
        (lambda: token(aud=[CLIENT, "api"]), "audience"),  # several audiences need azp naming us
        (lambda: token(aud=CLIENT, azp="another-site"), "audience"),
        (lambda: token(iss="https://evil.example"), "issuer"),
        (lambda: token(exp=int(NOW) - 120, iat=int(NOW) - 420), "expired"),
        (lambda: token(iat=int(NOW) - 3600, exp=int(NOW) + 3600), "expired"),  # not a fresh sign-in
        (lambda: token(iat=int(NOW) + 600, exp=int(NOW) + 900), "issued_in_future"),
        (lambda: token(nonce="x" * 43), "nonce"),
        (lambda: token(nonce=None), "nonce"),
        (lambda: token(exp=None), "malformed"),
        (lambda: token(exp="tomorrow"), "malformed"),
        (lambda: token(sub=None), "malformed"),
        (lambda: token(key=OTHER_KEY), "signature"),
        (lambda: token(key=OTHER_KEY, header={"kid": "k9"}), "unknown_key"),
        (
            lambda: token(key=OctKey.import_key(b"client-secret-used-as-hmac-key-32b"), alg="HS256"),
            "algorithm",
        ),
        (lambda: unsigned(claims()), "algorithm"),
        (lambda: "not.a.token", "malformed"),
        (lambda: "", "malformed"),
    ],
)
def test_a_bad_token_is_refused(made: Any, reason: str) -> None:
    with pytest.raises(IdTokenError) as refused:
        check(made())
    assert refused.value.reason == reason


def test_leeway_allows_a_minute_of_clock_skew() -> None:
    assert check(token(exp=int(NOW) - 30, iat=int(NOW) - 330))["sub"] == "alice"
    assert check(token(iat=int(NOW) + 30))["sub"] == "alice"


def test_without_kid_each_of_the_providers_keys_is_tried() -> None:
    both = KeySet.import_key_set(
        {
            "keys": [
                RSAKey.generate_key(2048).as_dict(private=False),
                {**KEY.as_dict(private=False), "kid": "k2"},
            ]
        }
    )
    unlabelled = jwt.encode({"alg": "RS256"}, claims(), KEY)
    assert check(unlabelled, keys=both)["sub"] == "alice"
    with pytest.raises(IdTokenError, match="signature"):
        check(jwt.encode({"alg": "RS256"}, claims(), OTHER_KEY), keys=both)


def unsigned(payload: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'kid': 'k1'})}.{part(payload)}."
