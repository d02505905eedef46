"""A sign-in from start to finish: send the resident to their provider, check everything that comes back.

`begin_sign_in` records what the callback must find (state, nonce, PKCE verifier, where to return) in the database,
keyed by a hash of `state`; the caller binds `state` to the browser (the signed cookie). `finish_sign_in` takes the
callback's query and the states this browser started, and either returns a new session or raises SignInError; in
that case nothing is signed in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete

from portal.storage import Database

from .assurance import satisfies
from .models import SignInAttempt
from .oidc import ProviderClient, SignInError
from .profile import record_sign_in
from .return_to import safe_return_path
from .sessions import Timeouts, forget_expired_sessions, start_session

log = logging.getLogger(__name__)

ATTEMPT_LIFETIME = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class SignInStart:
    url: str = field(repr=False)
    state: str = field(repr=False)


@dataclass(frozen=True)
class SignedIn:
    session_token: str = field(repr=False)
    resident_id: int
    provider: str
    acr: str
    return_to: str
    service_id: str
    assurance_met: bool  # False: the provider signed the resident in, but weaker than the service asked for


def begin_sign_in(
    db: Database,
    client: ProviderClient,
    *,
    redirect_uri: str,
    return_to: str,
    now: dt.datetime,
    ui_locales: str = "",
    acr_values: Sequence[str] = (),
    step_up: bool = False,
    service_id: str = "",
    required_acr: str = "",
) -> SignInStart:
    state = secrets.token_urlsafe(32)  # 43 characters; Login.gov wants at least 22 for state and nonce
    nonce = secrets.token_urlsafe(32)
    code_verifier = secrets.token_urlsafe(48)  # 64 characters, within PKCE's 43..128
    url = client.authorization_url(
        redirect_uri=redirect_uri,
        state=state,
        nonce=nonce,
        code_verifier=code_verifier,
        ui_locales=ui_locales,
        acr_values=acr_values,
    )
    with db.session() as session:
        session.execute(delete(SignInAttempt).where(SignInAttempt.created_at < now - ATTEMPT_LIFETIME))
        session.add(
            SignInAttempt(
                state_hash=_hash(state),
                provider=client.name,
                nonce=nonce,
                code_verifier=code_verifier,
                redirect_uri=redirect_uri,
                return_to=return_to,
                required_acr=required_acr,
                service_id=service_id,
                created_at=now,
            )
        )
    log.info("sign-in started with %s%s", client.name, " (step-up)" if step_up else "")
    return SignInStart(url=url, state=state)


def finish_sign_in(
    db: Database,
    clients: Mapping[str, ProviderClient],
    *,
    params: Mapping[str, str],
    started_states: Sequence[str],
    now: dt.datetime,
    language: str = "",
    previous_session: str = "",
    timeouts: Timeouts | None = None,
) -> SignedIn:
    """Check the provider's answer against what this browser started; sign in or raise SignInError.

    The returned `assurance_met` says whether the provider's acr meets what the service the resident was on the
    way to needs (recorded at `begin_sign_in`).
    """
    state = params.get("state", "")
    if not state or not any(hmac.compare_digest(state.encode(), s.encode()) for s in started_states if s):
        _forget_attempt(db, state)  # a state this browser never started is never good for anyone
        raise SignInError("state")
    attempt = _take_attempt(db, state)
    if attempt is None or now - attempt.created_at > ATTEMPT_LIFETIME:
        raise SignInError("state")
    client = clients.get(attempt.provider)
    if client is None:
        raise SignInError("state")
    if params.get("error"):
        reason = "cancelled" if params.get("error") == "access_denied" else "provider_error"
        raise SignInError(reason, client.name)
    if (
        params.get("iss") and params["iss"] != client.metadata().issuer
    ):  # RFC 9207: answer from another provider
        raise SignInError("issuer_mismatch", client.name)
    code = params.get("code", "")
    if not code:
        raise SignInError("provider_error", client.name)

    tokens = client.exchange_code(
        code=code, redirect_uri=attempt.redirect_uri, code_verifier=attempt.code_verifier
    )
    claims = client.validate(tokens.id_token, nonce=attempt.nonce, now=now.replace(tzinfo=dt.UTC).timestamp())
    userinfo = client.userinfo(tokens.access_token)
    if userinfo and userinfo.get("sub") != claims["sub"]:
        raise SignInError("userinfo", client.name)
    merged = {**userinfo, **{k: v for k, v in claims.items() if k not in userinfo or k == "sub"}}

    acr = str(claims.get("acr") or "")
    resident_id = record_sign_in(
        db, provider=client.name, subject=claims["sub"], claims=merged, language=language, now=now
    )
    token = start_session(
        db,
        resident_id=resident_id,
        provider=client.name,
        acr=acr,
        id_token=tokens.id_token,
        now=now,
        replaces=previous_session,
    )
    if timeouts is not None:
        forget_expired_sessions(
            db, now=now, timeouts=timeouts
        )  # housekeeping, now and then, by whoever signs in
    log.info("resident %s signed in with %s", resident_id, client.name)
    return SignedIn(
        session_token=token,
        resident_id=resident_id,
        provider=client.name,
        acr=acr,
        return_to=safe_return_path(attempt.return_to) or "/",
        service_id=attempt.service_id,
        assurance_met=satisfies(acr, attempt.required_acr, client.settings.acr_levels),
    )


@dataclass(frozen=True)
class _Attempt:
    provider: str
    nonce: str = field(repr=False)
    code_verifier: str = field(repr=False)
    redirect_uri: str
    return_to: str
    service_id: str
    required_acr: str
    created_at: dt.datetime


def _take_attempt(db: Database, state: str) -> _Attempt | None:
    """The attempt for `state`, deleted as it is read: a state (and so its code) works once, even when two
    callbacks with it race."""
    with db.session() as session:
        row = session.get(SignInAttempt, _hash(state))
        if row is None:
            return None
        attempt = _Attempt(
            row.provider,
            row.nonce,
            row.code_verifier,
            row.redirect_uri,
            row.return_to,
            row.service_id,
            row.required_acr,
            row.created_at,
        )
        taken = session.execute(delete(SignInAttempt).where(SignInAttempt.state_hash == _hash(state)))
        return attempt if getattr(taken, "rowcount", 0) == 1 else None


def _forget_attempt(db: Database, state: str) -> None:
    if state:
        with db.session() as session:
            session.execute(delete(SignInAttempt).where(SignInAttempt.state_hash == _hash(state)))


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode("utf-8")).hexdigest()
