"""Authentication assurance (OIDC `acr`): is the resident's sign-in strong enough for a service?"""

from __future__ import annotations

from collections.abc import Sequence


def satisfies(current: str, required: str, levels: Sequence[str] = ()) -> bool:
    """True when a sign-in with acr `current` meets a service's `required` acr.

    acr values are opaque URIs; only the operator knows their order. `levels` lists the provider's values from
    weakest to strongest (PORTAL_OIDC_ACR_LEVELS); without it only the exact value satisfies.
    """
    if not required or current == required:
        return True
    if current in levels and required in levels:
        return levels.index(current) >= levels.index(required)
    return False
