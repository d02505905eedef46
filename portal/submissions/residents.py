"""The signed-in resident, as hosted forms need them: an id for drafts and 'Your applications', and profile fields
for prefill. Sign-in itself belongs to portal.accounts; this is the whole interface between the two.

portal.accounts registers an object as `app.extensions["portal.accounts"]` with:

    current_resident() -> Resident | None       # required: the resident signed in on this request, or None
    sign_in_url(next_url: str) -> str           # optional: where to send someone to sign in, then back to next_url

and a Resident has a stable `id` (e.g. the OIDC `iss` + `sub`) and any of the profile attributes `name`,
`given_name`, `family_name`, `email`, `phone`, `address` (the OIDC address claim: a mapping with `street_address`,
`locality`, `region`, `postal_code`). Without that extension, forms work anonymously: no prefill, no drafts.

Answers in progress are found through `session["forms"]` (service id -> progress id). If sign-in renews the session
(it should, against session fixation), copy that key into the new session: a resident who signs in half way then
keeps what they entered, and their next step makes it theirs (a draft they can resume on any device).
"""

from __future__ import annotations

from typing import Any, Protocol

from flask import current_app

PROFILE_FIELDS = ("name", "given_name", "family_name", "email", "phone", "address")


class Resident(Protocol):
    @property
    def id(self) -> str: ...


class Accounts(Protocol):
    def current_resident(self) -> Resident | None: ...


def accounts() -> Accounts | None:
    return current_app.extensions.get("portal.accounts")


def current_resident() -> Resident | None:
    found = accounts()
    return found.current_resident() if found is not None else None


def sign_in_url(next_url: str) -> str | None:
    method = getattr(accounts(), "sign_in_url", None)
    return str(method(next_url)) if callable(method) else None


def profile_of(resident: Resident | None) -> dict[str, Any]:
    """The resident's profile as a mapping of the prefill names (empty when nobody is signed in)."""
    if resident is None:
        return {}
    return {name: getattr(resident, name, None) for name in PROFILE_FIELDS if getattr(resident, name, None)}
