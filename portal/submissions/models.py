"""Tables of hosted forms: answers in progress, stored submissions, their uploads, outbox and status history.

Times are naive UTC (SQLite has no time zones); `utcnow()` is the one clock.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.storage import Base


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Progress(Base):
    """Answers a resident has given so far, keyed by a random id kept in their session (or saved as a draft)."""

    __tablename__ = "form_progress"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    service_id: Mapped[str] = mapped_column(String(80))
    resident_id: Mapped[str | None] = mapped_column(String(255), index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    draft: Mapped[bool] = mapped_column(Boolean, default=False)
    submit_token: Mapped[str | None] = mapped_column(String(64))
    reference: Mapped[str | None] = mapped_column(String(32))  # set once submitted; answers are then cleared
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)


class Submission(Base):
    """A form as the resident sent it. Stored once (unique submit token), then delivered from the outbox."""

    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    submit_token: Mapped[str] = mapped_column(String(64), unique=True)
    service_id: Mapped[str] = mapped_column(String(80), index=True)
    agency_id: Mapped[str] = mapped_column(String(80))
    locale: Mapped[str] = mapped_column(String(20))
    resident_id: Mapped[str | None] = mapped_column(String(255), index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    deliver_to: Mapped[dict[str, Any]] = mapped_column(JSON)  # snapshot, used if the service leaves the catalog
    retention_days: Mapped[int] = mapped_column(Integer, default=90)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    status_note: Mapped[str] = mapped_column(Text, default="")
    status_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    deliveries: Mapped[list[Delivery]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", passive_deletes=True
    )
    uploads: Mapped[list[Upload]] = relationship(cascade="all, delete-orphan", passive_deletes=True)
    events: Mapped[list[StatusEvent]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="StatusEvent.id"
    )


class Upload(Base):
    """A file a resident attached; the bytes live in DATA_DIR/uploads/<id>, never under the name they gave."""

    __tablename__ = "uploads"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    progress_id: Mapped[str | None] = mapped_column(String(64), index=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(10))  # pdf, jpg, png, ...
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Delivery(Base):
    """One outbox entry: a submission to send on one channel ('agency' or 'receipt'), with its retry state."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("submission_id", "channel"),
        Index("ix_deliveries_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(12), default="pending")  # pending | delivered | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    deadline_at: Mapped[dt.datetime] = mapped_column(DateTime)
    lease_token: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    message: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # receipts: rendered at submit, in the resident's language

    submission: Mapped[Submission] = relationship(back_populates="deliveries")


class StatusEvent(Base):
    """Progress the agency reported back (received / in_progress / decided / closed), newest last."""

    __tablename__ = "submission_status_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
