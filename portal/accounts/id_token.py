"""Checking an ID token (OpenID Connect Core 3.1.3.7): signature by the provider's keys, iss, aud, azp, exp, iat, nonce."""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

# Public-key algorithms only: never "none", never HS256 (that would let the client secret sign ID tokens).
SIGNING_ALGORITHMS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
)
LEEWAY_SECONDS = 60
MAX_AGE_SECONDS = 600  # an ID token issued longer ago than this is not a fresh sign-in


class IdTokenError(Exception):
    """The ID token cannot be trusted. `reason` is a short code for logs and tests; never the token itself."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def validate_id_token(
    token: str,
    keys: KeySet,
    *,
    issuer: str,
    client_id: str,
    nonce: str,
    now: float,
    algorithms: Iterable[str] = SIGNING_ALGORITHMS,
    leeway: int = LEEWAY_SECONDS,
) -> dict[str, Any]:
    """The token's claims when every check passes; IdTokenError otherwise.

    Raises IdTokenError("unknown_key") when no key in `keys` has the token's kid, so the caller can fetch the
    provider's keys again (they rotate) and retry once.
    """
    allowed = [a for a in algorithms if a in SIGNING_ALGORITHMS]
    claims = _verified_claims(token, keys, allowed)
    if claims.get("iss") != issuer:
        raise IdTokenError("issuer")
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else audience if isinstance(audience, list) else []
    if client_id not in audiences:
        raise IdTokenError("audience")
    if (len(audiences) > 1 or "azp" in claims) and claims.get("azp") != client_id:
        raise IdTokenError("audience")
    exp, iat = _number(claims.get("exp")), _number(claims.get("iat"))
    if now > exp + leeway:
        raise IdTokenError("expired")
    if iat > now + leeway:
        raise IdTokenError("issued_in_future")
    if iat < now - MAX_AGE_SECONDS - leeway:
        raise IdTokenError("expired")
    token_nonce = claims.get("nonce")
    if not isinstance(token_nonce, str) or not hmac.compare_digest(token_nonce.encode(), nonce.encode()):
        raise IdTokenError("nonce")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub or len(sub) > 255:
        raise IdTokenError("malformed")
    return claims


def _verified_claims(token: str, keys: KeySet, algorithms: list[str]) -> dict[str, Any]:
    try:
        header = jws.extract_compact(token.encode("ascii")).protected
    except (JoseError, ValueError, UnicodeEncodeError):
        raise IdTokenError("malformed") from None
    if header.get("alg") not in algorithms:
        raise IdTokenError("algorithm")
    if "kid" in header:
        if not any(k.kid == header["kid"] for k in keys.keys):
            raise IdTokenError("unknown_key")
        candidates = [KeySet([k]) for k in keys.keys if k.kid == header["kid"]]
    else:  # no kid: the provider signs with one key; try each of its keys rather than guess
        candidates = [KeySet([k]) for k in keys.keys]
    for candidate in candidates:
        try:
            return dict(jwt.decode(token, candidate, algorithms=algorithms).claims)
        except (JoseError, ValueError):
            continue
    raise IdTokenError("signature")


def _number(value: Any) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise IdTokenError("malformed")
    return float(value)
