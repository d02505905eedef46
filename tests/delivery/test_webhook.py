"""Webhook delivery to a real HTTP receiver on 127.0.0.1 that is down, slow, failing or answering twice."""

from __future__ import annotations

import base64
import datetime as dt
import json
import time
from pathlib import Path

import pytest

from portal.delivery import outbox, webhook
from portal.delivery.receiver import Receiver
from portal.delivery.signatures import SignatureError, sign, verify
from portal.submissions import store
from tests.forms_support import (
    PNG,
    SECRET,
    deliver_until,
    fast_worker,
    forms_catalog,
    open_database,
    store_submissions,
)


def _delivered(db: object, n: int) -> bool:
    return outbox.counts(db).get("delivered", 0) == n  # type: ignore[arg-type]


def test_the_agency_gets_signed_json_with_the_reference_as_idempotency_key(tmp_path: Path, secret: str) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    receiver = Receiver(secret=SECRET).start()
    catalog = forms_catalog(receiver.url)
    service = catalog.services["permit"]
    from portal.submissions.parsing import NewFile

    progress = store.save_answers(
        db,
        progress_id=None,
        service_id="permit",
        resident_id=None,
        answers={"full_name": "Ana Díaz", "days": ["mon"], "disabled": "yes", "badge_scan": {"pending": True}},
        remove=[],
        files={"badge_scan": NewFile("badge.png", PNG, "png")},
        data_dir=tmp_path,
    )
    token = store.issue_submit_token(db, progress)
    ref = store.submit(
        db, progress_id=progress, token=token, service=service, form=service.delivery, locale="es",
        resident_id=None, receipt=None, give_up_after=dt.timedelta(hours=1),
    )
    deliver_until(fast_worker(db, catalog, tmp_path), lambda: _delivered(db, 1))
    receiver.stop()
    [got] = receiver.received
    assert got.key == ref and got.headers["Idempotency-Key"] == ref
    body = got.body
    assert body["reference"] == ref and body["service"] == {"id": "permit", "title": "Apply for a parking permit"}
    assert body["agency"] == "dmv" and body["locale"] == "es" and body["version"] == 1
    assert body["answers"]["full_name"] == "Ana Díaz" and body["answers"]["days"] == ["mon"]
    assert body["labels"]["full_name"] == "Full name"
    assert body["answers"]["badge_scan"]["filename"] == "badge.png"
    assert "upload" not in body["answers"]["badge_scan"]  # no internal ids leave the portal
    [file] = body["files"]
    assert file["content_type"] == "image/png" and base64.b64decode(file["content_base64"]) == PNG
    assert receiver.rejected == 0
    db.dispose()


def test_signatures_verify_and_refuse_tampering_and_replays() -> None:
    body = b'{"reference":"DMV-2345-6789"}'
    now = 1_800_000_000
    good = sign("s3cret", now, body)
    verify("s3cret", str(now), good, body, now=now + 10)
    for timestamp, signature, payload, at, reason in [
        (str(now), good, body.replace(b"2345", b"2346"), now, "does not match"),
        (str(now), sign("other", now, body), body, now, "does not match"),
        (str(now), good, body, now + 301, "more than 300 seconds"),
        (None, good, body, now, "missing"),
        ("yesterday", good, body, now, "whole seconds"),
    ]:
        with pytest.raises(SignatureError, match=reason):
            verify("s3cret", timestamp, signature, payload, now=at)


def test_plain_http_only_to_this_machine_and_never_following_redirects(tmp_path: Path) -> None:
    assert webhook.allowed_url("https://intake.dmv.westland.gov/portal")
    assert webhook.allowed_url("http://127.0.0.1:8025/x") and webhook.allowed_url("http://localhost/x")
    for url in ("http://intake.dmv.westland.gov/", "http://127.0.0.1.evil.example/", "ftp://127.0.0.1/", "https://user@evil/"):
        assert not webhook.allowed_url(url), url
        with pytest.raises(webhook.DeliveryFailed, match="refusing"):
            webhook.post(url, b"{}", reference="X", secret=None, timeout=1)


def test_a_missing_secret_keeps_the_submission_waiting_with_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PORTAL_TEST_SECRET_DMV", raising=False)
    db = open_database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    receiver = Receiver().start()
    catalog = forms_catalog(receiver.url)
    [ref] = store_submissions(db, catalog, tmp_path, 1)
    fast_worker(db, catalog, tmp_path).run_once()
    receiver.stop()
    [entry] = outbox.entries_for(db, ref)
    assert entry.state == "pending" and "PORTAL_TEST_SECRET_DMV is not set" in entry.last_error
    assert receiver.received == []
    db.dispose()


def test_every_submission_arrives_through_downtime_errors_slowness_and_lost_replies(
    database_url: str, tmp_path: Path, secret: str
) -> None:
    db = open_database(database_url)
    receiver = Receiver(secret=SECRET).start()
    catalog = forms_catalog(receiver.url)
    worker = fast_worker(db, catalog, tmp_path, timeout=0.3)
    refs: list[str] = []

    def submit(n: int) -> None:
        refs.extend(store_submissions(db, catalog, tmp_path, n))

    # down: nothing listens on the port
    receiver.stop()
    submit(3)
    for _ in range(3):
        worker.run_once()
    assert outbox.counts(db) == {"pending": 3}
    assert all("ConnectionError" in e.last_error for e in outbox.list_entries(db))
    receiver.start()  # back up, same port
    # answering 500
    receiver.behaviour.mode = "fail"
    submit(2)
    for _ in range(3):
        worker.run_once()
        time.sleep(0.06)
    assert receiver.received == [] and any("HTTP 500" in e.last_error for e in outbox.list_entries(db))
    # slower than the worker waits: it stores, the worker times out and sends again -> the receiver answers 200 twice
    receiver.behaviour.mode, receiver.behaviour.delay = "slow", 0.5
    submit(2)
    deliver_until(worker, lambda: len(receiver.unique()) == 7 or len(receiver.received) >= 7, seconds=10)
    # stores, then drops the connection without a reply
    receiver.behaviour.mode = "lose"
    submit(2)
    deliver_until(worker, lambda: len(receiver.unique()) == 9, seconds=10)
    receiver.behaviour.mode = "ok"
    deliver_until(worker, lambda: _delivered(db, 9), seconds=20)
    receiver.stop()
    assert set(receiver.unique()) == set(refs)  # every submission arrived
    assert len(receiver.received) > len(refs)  # some more than once: de-duplicated by Idempotency-Key
    assert sorted(receiver.unique()) == sorted({r.body["reference"] for r in receiver.received})
    assert receiver.rejected == 0
    db.dispose()


def test_a_receiver_failing_half_the_time_still_gets_everything_once_after_dedup(tmp_path: Path, secret: str) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    receiver = Receiver(secret=SECRET).start()
    receiver.behaviour.mode = "flaky"
    catalog = forms_catalog(receiver.url)
    refs = store_submissions(db, catalog, tmp_path, 20)
    deliver_until(fast_worker(db, catalog, tmp_path), lambda: _delivered(db, 20))
    receiver.stop()
    assert set(receiver.unique()) == set(refs)
    assert sum(e.attempts for e in outbox.list_entries(db)) > 20  # it did fail, and was retried
    bodies = {json.dumps(r.body, sort_keys=True) for r in receiver.received}
    assert len(bodies) == 20  # a retry sends exactly the same document
    db.dispose()
