"""Webhook delivery: an HTTPS POST of the JSON document, signed, with the reference as idempotency key."""

from __future__ import annotations

import requests

from portal.catalog.loader import LOOPBACK_HOSTS
from portal.catalog.spec import host_of

from .signatures import IDEMPOTENCY_HEADER, signed_headers


class DeliveryFailed(Exception):
    """This attempt did not reach the agency; it will be retried."""


def allowed_url(url: str) -> bool:
    """https anywhere; plain http only to this machine (tests, a local receiver)."""
    lowered = url.lower()
    if lowered.startswith("https://") and host_of(url):
        return True
    return lowered.startswith("http://") and host_of(url) in (*LOOPBACK_HOSTS, "[::1]")


def post(url: str, body: bytes, *, reference: str, secret: str | None, timeout: float) -> int:
    """POST and return the status; raise DeliveryFailed unless the receiver answered 2xx."""
    if not allowed_url(url):
        raise DeliveryFailed(f"refusing to send to {url!r}: webhooks must use https (http only to loopback)")
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "portal-delivery/1",
        IDEMPOTENCY_HEADER: reference,
    }
    if secret is not None:
        headers.update(signed_headers(secret, body))
    try:
        # No redirects: a 3xx would send a resident's data somewhere nobody registered.
        response = requests.post(url, data=body, headers=headers, timeout=timeout, allow_redirects=False)
    except requests.RequestException as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
    with response:
        if 200 <= response.status_code < 300:
            return response.status_code
        raise DeliveryFailed(f"HTTP {response.status_code}: {response.text[:300]}")
