"""Signed-in sessions, kept in the database so any worker on any host can serve any request.

The browser's cookie holds a random token; the table holds only its SHA-256, so a copy of the database does not let
anyone sign in as a resident.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field

from sqlalchemy import delete

from portal.storage import Database

from .models import AccountSession

TOUCH_EVERY = dt.timedelta(seconds=60)  # write last_seen_at at most once a minute per session


@dataclass(frozen=True)
class Timeouts:
    idle: dt.timedelta
    absolute: dt.timedelta


@dataclass(frozen=True)
class SignedInSession:
    resident_id: int
    provider: str
    acr: str
    created_at: dt.datetime
    id_token: str = field(default="", repr=False)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(
    db: Database,
    *,
    resident_id: int,
    provider: str,
    acr: str,
    id_token: str,
    now: dt.datetime,
    replaces: str = "",
) -> str:
    """A new session (a new token: sessions are rotated at every sign-in); the session it replaces ends."""
    token = secrets.token_urlsafe(32)
    with db.session() as session:
        if replaces:
            session.execute(delete(AccountSession).where(AccountSession.token_hash == token_hash(replaces)))
        session.add(
            AccountSession(
                token_hash=token_hash(token),
                resident_id=resident_id,
                provider=provider,
                acr=acr,
                id_token=id_token,
                created_at=now,
                last_seen_at=now,
            )
        )
    return token


def find_session(db: Database, token: str, *, now: dt.datetime, timeouts: Timeouts) -> SignedInSession | None:
    """The live session for a cookie's token; None (and the row gone) once it is idle or too old."""
    if not token:
        return None
    with db.session() as session:
        row = session.get(AccountSession, token_hash(token))
        if row is None:
            return None
        if now - row.last_seen_at > timeouts.idle or now - row.created_at > timeouts.absolute:
            session.delete(row)
            return None
        if now - row.last_seen_at > TOUCH_EVERY:
            row.last_seen_at = now
        return SignedInSession(row.resident_id, row.provider, row.acr, row.created_at, row.id_token)


def end_session(db: Database, token: str) -> SignedInSession | None:
    """Sign out: the row is deleted; what it held is returned for signing out at the provider too."""
    if not token:
        return None
    with db.session() as session:
        row = session.get(AccountSession, token_hash(token))
        if row is None:
            return None
        ended = SignedInSession(row.resident_id, row.provider, row.acr, row.created_at, row.id_token)
        session.delete(row)
        return ended


def end_all_sessions(db: Database, resident_id: int) -> None:
    with db.session() as session:
        session.execute(delete(AccountSession).where(AccountSession.resident_id == resident_id))


def forget_expired_sessions(db: Database, *, now: dt.datetime, timeouts: Timeouts) -> int:
    with db.session() as session:
        result = session.execute(
            delete(AccountSession).where(
                (AccountSession.last_seen_at < now - timeouts.idle)
                | (AccountSession.created_at < now - timeouts.absolute)
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)


__all__ = [
    "SignedInSession",
    "Timeouts",
    "end_all_sessions",
    "end_session",
    "find_session",
    "forget_expired_sessions",
    "start_session",
]
