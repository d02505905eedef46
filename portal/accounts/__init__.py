"""One sign-in for every service: the portal as an OpenID Connect relying party, the signed-in resident, the profile.

Plain values in, plain values out: the web layer (portal/web/accounts.py) reads the request and the cookie and
calls these functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .assurance import satisfies
from .oidc import ProviderClient, SignInError
from .profile import (
    Profile,
    ProfileError,
    delete_resident,
    export_profile,
    load_profile,
    prefill_values,
    update_profile,
)
from .providers import ProviderSettings, providers_from_config
from .return_to import safe_return_path
from .sessions import SignedInSession, Timeouts, end_session, find_session
from .signin import SignedIn, SignInStart, begin_sign_in, finish_sign_in


@dataclass(frozen=True)
class Accounts:
    """The configured providers (none: sign-in is off) and session limits, built once per app."""

    clients: Mapping[str, ProviderClient] = field(default_factory=dict)
    timeouts: Timeouts = Timeouts(idle=dt.timedelta(minutes=30), absolute=dt.timedelta(hours=12))

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Accounts:
        timeout = float(config.get("OIDC_TIMEOUT") or 10.0)
        clients = {p.name: ProviderClient(p, timeout=timeout) for p in providers_from_config(config)}
        return cls(
            clients=clients,
            timeouts=Timeouts(
                idle=dt.timedelta(minutes=int(config.get("SESSION_IDLE_MINUTES") or 30)),
                absolute=dt.timedelta(hours=int(config.get("SESSION_MAX_HOURS") or 12)),
            ),
        )

    @property
    def enabled(self) -> bool:
        return bool(self.clients)

    @property
    def providers(self) -> tuple[ProviderSettings, ...]:
        return tuple(c.settings for c in self.clients.values())


__all__ = [
    "Accounts",
    "Profile",
    "ProfileError",
    "ProviderClient",
    "ProviderSettings",
    "SignInError",
    "SignInStart",
    "SignedIn",
    "SignedInSession",
    "Timeouts",
    "begin_sign_in",
    "delete_resident",
    "end_session",
    "export_profile",
    "find_session",
    "finish_sign_in",
    "load_profile",
    "prefill_values",
    "safe_return_path",
    "satisfies",
    "update_profile",
]
