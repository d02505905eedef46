"""The outbox on SQLite and PostgreSQL: leases, backoff, dead entries, retries, concurrent workers."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

from sqlalchemy import select

from portal.delivery import outbox
from portal.delivery.outbox import Backoff
from portal.delivery.receiver import Receiver
from portal.submissions.models import Delivery, utcnow
from tests.forms_support import (
    SECRET,
    deliver_until,
    fast_worker,
    forms_catalog,
    open_database,
    store_submissions,
)

LEASE = dt.timedelta(seconds=60)


def test_a_claimed_entry_is_not_claimed_again_until_its_lease_runs_out(database_url: str, tmp_path: Path) -> None:
    db = open_database(database_url)
    refs = store_submissions(db, forms_catalog(), tmp_path, 3)
    first = outbox.claim(db, lease=LEASE, limit=2)
    second = outbox.claim(db, lease=LEASE, limit=2)
    assert len(first) == 2 and len(second) == 1
    assert {c.reference for c in first + second} == set(refs)
    assert outbox.claim(db, lease=LEASE, limit=5) == []
    assert outbox.complete(db, first[0])
    # the worker holding the other two died: after the lease they are someone else's, attempt 2
    later = utcnow() + LEASE + dt.timedelta(seconds=1)
    again = outbox.claim(db, lease=LEASE, limit=5, now=later)
    assert {c.reference for c in again} == {first[1].reference, second[0].reference}
    assert all(c.attempts == 2 for c in again)
    # the dead worker wakes up: its late outcome changes nothing
    assert not outbox.complete(db, first[1])
    outbox.fail(db, second[0], "late failure", Backoff())
    assert outbox.counts(db) == {"pending": 2, "delivered": 1}
    db.dispose()


def test_failures_back_off_then_die_and_an_operator_can_retry(database_url: str, tmp_path: Path) -> None:
    db = open_database(database_url)
    [ref] = store_submissions(db, forms_catalog(), tmp_path, 1, give_up=dt.timedelta(seconds=200))
    backoff = Backoff(base=10, cap=40)
    waits = []
    now = utcnow()
    for _ in range(4):
        [c] = outbox.claim(db, lease=LEASE, now=now)
        assert outbox.fail(db, c, "HTTP 500: down", backoff, now=now) == "pending"
        with db.session() as s:
            due = s.scalar(select(Delivery.next_attempt_at))
        waits.append((due - now).total_seconds())
        assert outbox.claim(db, lease=LEASE, now=now) == []  # not due yet
        now = due
    # exponential (10, 20, 40, 40 capped) with jitter between half and all of it
    for wait, ceiling in zip(waits, (10, 20, 40, 40), strict=True):
        assert ceiling / 2 <= wait <= ceiling + 0.01
    # four waits add up to at most 110 s: the deadline (200 s) is still ahead; a wait from its last second is not
    deadline = utcnow() + dt.timedelta(seconds=200)
    now = max(now, deadline - dt.timedelta(seconds=1))
    [c] = outbox.claim(db, lease=LEASE, now=now)
    assert outbox.fail(db, c, "HTTP 500: still down", backoff, now=now) == "dead"
    [entry] = outbox.list_entries(db, "dead")
    assert entry.reference == ref and entry.last_error == "HTTP 500: still down" and entry.attempts == 5
    assert outbox.claim(db, lease=LEASE, now=now + dt.timedelta(days=1)) == []
    assert outbox.retry(db, all_dead=True, give_up=dt.timedelta(hours=72)) == 1
    [c] = outbox.claim(db, lease=LEASE)
    assert c.reference == ref
    db.dispose()


def test_two_workers_never_deliver_the_same_submission_at_once(database_url: str, tmp_path: Path, secret: str) -> None:
    db = open_database(database_url)
    receiver = Receiver(secret=SECRET).start()
    receiver.behaviour.mode, receiver.behaviour.delay = "slow", 0.01
    catalog = forms_catalog(receiver.url)
    refs = store_submissions(db, catalog, tmp_path, 40)
    workers = [fast_worker(db, catalog, tmp_path) for _ in range(3)]
    stop = threading.Event()
    threads = [threading.Thread(target=w.run, args=(stop,)) for w in workers]
    for t in threads:
        t.start()
    try:
        deliver_until(workers[0], lambda: outbox.counts(db).get("delivered") == 40)
    finally:
        stop.set()
        for t in threads:
            t.join()
        receiver.stop()
    assert set(receiver.unique()) == set(refs)
    assert receiver.overlaps == 0
    assert len(receiver.received) == 40  # each one exactly once
    db.dispose()
