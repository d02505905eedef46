"""Tables of the accounts feature: residents (with their profile), signed-in sessions, sign-ins in progress.

Times are naive UTC (`utcnow()`), the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.storage.db import Base


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Resident(Base):
    """A person who signed in with a provider, known by the provider's subject id, and the details they keep here."""

    __tablename__ = "residents"
    __table_args__ = (UniqueConstraint("provider", "subject", name="uq_residents_provider_subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    provider: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(200), default="")
    given_name: Mapped[str] = mapped_column(String(100), default="")
    family_name: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(320), default="")
    email_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    phone: Mapped[str] = mapped_column(String(40), default="")
    street_address: Mapped[str] = mapped_column(String(400), default="")
    locality: Mapped[str] = mapped_column(String(100), default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    country: Mapped[str] = mapped_column(String(60), default="")
    preferred_language: Mapped[str] = mapped_column(String(20), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_sign_in_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class AccountSession(Base):
    """One signed-in browser. The cookie holds a random token; only its SHA-256 is stored here."""

    __tablename__ = "account_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(40))
    acr: Mapped[str] = mapped_column(String(255), default="")
    id_token: Mapped[str] = mapped_column(Text, default="")  # kept only as id_token_hint for signing out
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class SignInAttempt(Base):
    """A sign-in sent to the provider and not yet back: what the callback must check. Used once, then deleted."""

    __tablename__ = "sign_in_attempts"

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    provider: Mapped[str] = mapped_column(String(40))
    nonce: Mapped[str] = mapped_column(String(128))
    code_verifier: Mapped[str] = mapped_column(String(128))
    redirect_uri: Mapped[str] = mapped_column(String(500))
    return_to: Mapped[str] = mapped_column(String(2000), default="/")
    required_acr: Mapped[str] = mapped_column(String(255), default="")  # what the service on the way needs
    service_id: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
