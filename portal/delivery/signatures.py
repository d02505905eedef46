"""HMAC-SHA256 signatures on webhook deliveries and on the agencies' status reports (the same scheme both ways).

    X-Portal-Timestamp: <unix seconds>
    X-Portal-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>

Signing the timestamp with the body lets a receiver refuse replays older than a few minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time

TIMESTAMP_HEADER = "X-Portal-Timestamp"
SIGNATURE_HEADER = "X-Portal-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_SKEW_SECONDS = 300


class SignatureError(Exception):
    """A signed request that must be refused; the message says why (never anything secret)."""


class MissingSecret(Exception):
    """The environment variable that should hold a signing secret is not set."""


def secret_from_env(name: str) -> str:
    value = os.environ.get(name, "") if name else ""
    if not value:
        raise MissingSecret(f"the signing secret environment variable {name or '(none named)'} is not set")
    return value


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def signed_headers(secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    timestamp = int(now if now is not None else time.time())
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: sign(secret, timestamp, body)}


def verify(
    secret: str,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    *,
    now: float | None = None,
    max_skew: int = MAX_SKEW_SECONDS,
) -> None:
    """Raise SignatureError unless the signature matches and the timestamp is recent."""
    if not timestamp or not signature:
        raise SignatureError(f"missing {TIMESTAMP_HEADER} or {SIGNATURE_HEADER} header")
    try:
        stamp = int(timestamp)
    except ValueError:
        raise SignatureError(f"{TIMESTAMP_HEADER} must be whole seconds since 1970") from None
    current = now if now is not None else time.time()
    if abs(current - stamp) > max_skew:
        raise SignatureError(f"{TIMESTAMP_HEADER} is more than {max_skew} seconds away from now; check the clock")
    if not hmac.compare_digest(sign(secret, stamp, body), signature.strip()):
        raise SignatureError("signature does not match")
