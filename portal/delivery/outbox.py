"""The outbox: stored submissions waiting to be delivered, claimed under a lease, retried with backoff, or dead.

A worker claims due entries by setting a random lease token and a lease deadline in one short transaction
(`SELECT ... FOR UPDATE SKIP LOCKED` on PostgreSQL, so workers on several nodes never wait on each other or
take the same entry; SQLite ignores the clause and serializes writers). It then delivers outside any
transaction and records the outcome only if it still holds the lease. A worker killed mid-delivery simply lets
its lease run out; the entry is claimed again. Delivery is therefore at least once: receivers de-duplicate by the
`Idempotency-Key` (the reference).
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select, update

from portal.storage import Database
from portal.submissions.models import Delivery, Submission, utcnow

STATES = ("pending", "delivered", "dead")


@dataclass(frozen=True)
class Backoff:
    base: float = 30.0  # seconds before the first retry
    cap: float = 3600.0  # longest wait between two attempts
    give_up: dt.timedelta = dt.timedelta(hours=72)

    def delay(self, attempts: int) -> float:
        """Exponential with 'equal jitter': half fixed, half random, so retries of many entries spread out."""
        ceiling = min(self.cap, self.base * (2 ** max(0, attempts - 1)))
        return ceiling / 2 + random.uniform(0, ceiling / 2)


@dataclass(frozen=True)
class Claim:
    delivery_id: int
    lease_token: str
    channel: str
    attempts: int
    deadline_at: dt.datetime
    message: dict[str, Any] | None
    reference: str
    service_id: str
    agency_id: str
    locale: str
    answers: dict[str, Any]
    deliver_to: dict[str, Any]
    submitted_at: dt.datetime


def _due(now: dt.datetime) -> Any:
    return (
        (Delivery.state == "pending")
        & (Delivery.next_attempt_at <= now)
        & or_(Delivery.lease_until.is_(None), Delivery.lease_until < now)
    )


def claim(db: Database, *, lease: dt.timedelta, limit: int = 1, now: dt.datetime | None = None) -> list[Claim]:
    """Take up to `limit` due entries for this worker, for `lease`."""
    now = now or utcnow()
    token = secrets.token_hex(16)
    with db.session() as s:
        ids = s.scalars(
            select(Delivery.id)
            .where(_due(now))
            .order_by(Delivery.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        if not ids:
            return []
        # The condition is repeated so that, where SKIP LOCKED does not exist, a twin worker's claim is not taken.
        s.execute(
            update(Delivery)
            .where(Delivery.id.in_(ids), _due(now))
            .values(lease_token=token, lease_until=now + lease, attempts=Delivery.attempts + 1)
            .execution_options(synchronize_session=False)
        )
    with db.session() as s:
        rows = s.execute(
            select(Delivery, Submission)
            .join(Submission, Submission.id == Delivery.submission_id)
            .where(Delivery.lease_token == token)
            .order_by(Delivery.next_attempt_at)
        ).all()
        return [
            Claim(
                delivery_id=d.id,
                lease_token=token,
                channel=d.channel,
                attempts=d.attempts,
                deadline_at=d.deadline_at,
                message=dict(d.message) if d.message else None,
                reference=sub.reference,
                service_id=sub.service_id,
                agency_id=sub.agency_id,
                locale=sub.locale,
                answers=dict(sub.answers or {}),
                deliver_to=dict(sub.deliver_to or {}),
                submitted_at=sub.created_at,
            )
            for d, sub in rows
        ]


def complete(db: Database, c: Claim, now: dt.datetime | None = None) -> bool:
    """Record a delivery; False if the lease was lost meanwhile (another worker owns the entry now)."""
    with db.session() as s:
        result = s.execute(
            update(Delivery)
            .where(Delivery.id == c.delivery_id, Delivery.lease_token == c.lease_token)
            .values(state="delivered", delivered_at=now or utcnow(), lease_token=None, lease_until=None, last_error="")
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))


def fail(db: Database, c: Claim, error: str, backoff: Backoff, now: dt.datetime | None = None) -> str:
    """Record a failed attempt: schedule the next one, or mark the entry dead past its deadline. Returns the state."""
    now = now or utcnow()
    next_at = now + dt.timedelta(seconds=backoff.delay(c.attempts))
    state = "dead" if next_at > c.deadline_at else "pending"
    with db.session() as s:
        s.execute(
            update(Delivery)
            .where(Delivery.id == c.delivery_id, Delivery.lease_token == c.lease_token)
            .values(state=state, next_attempt_at=next_at, lease_token=None, lease_until=None, last_error=error[:2000])
            .execution_options(synchronize_session=False)
        )
    return state


# ---- what operators see and do ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutboxEntry:
    reference: str
    service_id: str
    channel: str
    state: str
    attempts: int
    created_at: dt.datetime
    next_attempt_at: dt.datetime
    delivered_at: dt.datetime | None
    deadline_at: dt.datetime
    leased: bool
    last_error: str


def _entries(db: Database, where: Any, limit: int | None = None) -> list[OutboxEntry]:
    now = utcnow()
    with db.session() as s:
        query = (
            select(Delivery, Submission.reference, Submission.service_id)
            .join(Submission, Submission.id == Delivery.submission_id)
            .where(where)
            .order_by(Delivery.created_at, Delivery.id)
        )
        if limit:
            query = query.limit(limit)
        return [
            OutboxEntry(
                reference=ref,
                service_id=service_id,
                channel=d.channel,
                state=d.state,
                attempts=d.attempts,
                created_at=d.created_at,
                next_attempt_at=d.next_attempt_at,
                delivered_at=d.delivered_at,
                deadline_at=d.deadline_at,
                leased=bool(d.lease_until and d.lease_until > now),
                last_error=d.last_error or "",
            )
            for d, ref, service_id in s.execute(query).all()
        ]


def list_entries(db: Database, state: str | None = None, limit: int = 200) -> list[OutboxEntry]:
    return _entries(db, Delivery.state == state if state else Delivery.id.is_not(None), limit)


def entries_for(db: Database, reference: str) -> list[OutboxEntry]:
    return _entries(db, Submission.reference == reference)


def counts(db: Database, channel: str | None = None) -> dict[str, int]:
    """Entries per state, e.g. {'pending': 3, 'delivered': 120}; only one channel's when given."""
    query = select(Delivery.state, func.count()).group_by(Delivery.state)
    if channel:
        query = query.where(Delivery.channel == channel)
    with db.session() as s:
        return {state: int(n) for state, n in s.execute(query).all()}


def retry(db: Database, *, reference: str | None = None, all_dead: bool = False, give_up: dt.timedelta) -> int:
    """Put dead (or waiting) entries back to be tried now, with a fresh deadline. Returns how many."""
    if not reference and not all_dead:
        return 0
    now = utcnow()
    with db.session() as s:
        # an entry a worker holds right now is left to it, so that nobody delivers it twice at once
        query = update(Delivery).where(
            Delivery.state != "delivered", or_(Delivery.lease_until.is_(None), Delivery.lease_until < now)
        )
        if reference:
            ids = select(Submission.id).where(Submission.reference == reference).scalar_subquery()
            query = query.where(Delivery.submission_id == ids)
        else:
            query = query.where(Delivery.state == "dead")
        result = s.execute(
            query.values(state="pending", next_attempt_at=now, deadline_at=now + give_up, lease_token=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0))
