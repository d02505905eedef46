"""Storing submissions on SQLite and PostgreSQL: one transaction, one reference per form, collisions, retention."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.delivery import outbox
from portal.submissions import store
from portal.submissions.models import Delivery, Progress, StatusEvent, Submission, Upload, utcnow
from portal.submissions.parsing import NewFile
from portal.submissions.references import ALPHABET, new_reference
from portal.submissions.retention import apply_retention
from tests.forms_support import PDF, forms_catalog, open_database, store_submissions

DAY = dt.timedelta(days=1)


def _count(db: object, model: object) -> int:
    with db.session() as s:  # type: ignore[attr-defined]
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _progress(db: object, tmp_path: Path, with_file: bool = False) -> tuple[str, str]:
    files = {"badge_scan": NewFile("scan.pdf", PDF, "pdf")} if with_file else {}
    answers = {"full_name": "Ana", "disabled": "yes" if with_file else "no", **({"badge_scan": {"pending": True}} if with_file else {})}
    progress = store.save_answers(
        db, progress_id=None, service_id="permit", resident_id=None, answers=answers, remove=[], files=files, data_dir=tmp_path  # type: ignore[arg-type]
    )
    return progress, store.issue_submit_token(db, progress)  # type: ignore[arg-type]


def _submit(db: object, progress: str, token: str, **kwargs: object) -> str:
    service = forms_catalog().services["permit"]
    return store.submit(
        db,  # type: ignore[arg-type]
        progress_id=progress,
        token=token,
        service=service,
        form=service.delivery,
        locale="en",
        resident_id=None,
        receipt=lambda ref: store.Receipt("ana@example.com", f"Application received: {ref}", "Thanks"),
        give_up_after=dt.timedelta(hours=72),
        **kwargs,  # type: ignore[arg-type]
    )


def test_references_are_readable_and_unambiguous() -> None:
    refs = {new_reference("DMV") for _ in range(2000)}
    assert len(refs) == 2000
    for ref in refs:
        prefix, a, b = ref.split("-")
        assert prefix == "DMV" and len(a) == len(b) == 4
        assert set(a + b) <= set(ALPHABET)
    assert not set("01ILOUV") & set(ALPHABET)


def test_a_submission_its_outbox_entries_and_files_are_stored_together(database_url: str, tmp_path: Path) -> None:
    db = open_database(database_url)
    progress, token = _progress(db, tmp_path, with_file=True)
    ref = _submit(db, progress, token)
    with db.session() as s:
        sub = s.scalars(select(Submission)).one()
        assert sub.reference == ref and sub.answers["full_name"] == "Ana"
        assert sorted(d.channel for d in s.scalars(select(Delivery))) == ["agency", "receipt"]
        receipt = s.scalars(select(Delivery).where(Delivery.channel == "receipt")).one()
        assert receipt.message == {"to": "ana@example.com", "subject": f"Application received: {ref}", "body": "Thanks"}
        assert s.scalars(select(Upload)).one().submission_id == sub.id
        p = s.get(Progress, progress)
        assert p is not None and p.reference == ref and p.answers == {}  # the copy in progress is gone
    db.dispose()


def test_the_same_token_gives_the_same_reference_even_at_the_same_moment(database_url: str, tmp_path: Path) -> None:
    db = open_database(database_url)
    progress, token = _progress(db, tmp_path)
    refs: list[str] = []
    barrier = threading.Barrier(8)

    def press() -> None:
        barrier.wait()
        refs.append(_submit(db, progress, token))

    threads = [threading.Thread(target=press) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(refs) == 8 and len(set(refs)) == 1
    assert _count(db, Submission) == 1 and _count(db, Delivery) == 2
    with pytest.raises(store.SubmitError):
        _submit(db, progress, "a-token-this-form-never-had")
    db.dispose()


def test_a_reference_collision_draws_again(database_url: str, tmp_path: Path) -> None:
    db = open_database(database_url)
    first = _submit(db, *_progress(db, tmp_path), make_reference=lambda prefix: f"{prefix}-AAAA-AAAA")
    draws = iter(["DMV-AAAA-AAAA", "DMV-AAAA-AAAA", "DMV-BBBB-BBBB"])
    second = _submit(db, *_progress(db, tmp_path), make_reference=lambda _prefix: next(draws))
    assert (first, second) == ("DMV-AAAA-AAAA", "DMV-BBBB-BBBB")
    assert _count(db, Submission) == 2 and _count(db, Delivery) == 4
    db.dispose()


def test_retention_deletes_delivered_submissions_and_their_files_in_time(database_url: str, tmp_path: Path) -> None:
    db = open_database(database_url)
    delivered_ref = _submit(db, *_progress(db, tmp_path, with_file=True))  # retention_days: 30 in the test catalog
    waiting_ref = _submit(db, *_progress(db, tmp_path, with_file=True))
    abandoned, _token = _progress(db, tmp_path, with_file=True)
    store.record_status(db, delivered_ref, "received", "")
    files = tmp_path / "uploads"
    assert len(list(files.iterdir())) == 3
    now = utcnow()
    for c in outbox.claim(db, lease=dt.timedelta(minutes=1), limit=10):
        if c.reference == delivered_ref:
            outbox.complete(db, c, now=now)
    assert apply_retention(db, tmp_path, progress_days=30, now=now + 29 * DAY).submissions == 0
    report = apply_retention(db, tmp_path, progress_days=30, now=now + 31 * DAY)
    assert report.submissions == 1 and report.progress == 3 and report.uploads == 2
    assert store.get_submission(db, delivered_ref) is None
    assert store.get_submission(db, waiting_ref) is not None  # never delivered: kept for an operator
    assert _count(db, StatusEvent) == 0 and _count(db, Progress) == 0
    assert _count(db, Delivery) == 2  # the waiting one's agency delivery and receipt
    assert len(list(files.iterdir())) == 1 and _count(db, Upload) == 1
    del abandoned
    db.dispose()


def test_status_reports_are_kept_in_order_and_repeats_are_ignored(database_url: str, tmp_path: Path) -> None:
    db = open_database(database_url)
    [ref] = store_submissions(db, forms_catalog(), tmp_path, 1)
    for status, note in [("received", ""), ("received", ""), ("in_progress", "Checking"), ("decided", "Approved")]:
        assert store.record_status(db, ref, status, note)
    assert not store.record_status(db, "DMV-XXXX-XXXX", "received", "")
    with pytest.raises(ValueError):
        store.record_status(db, ref, "approved", "")
    sub = store.get_submission(db, ref)
    assert sub is not None and sub.status == "decided" and sub.status_note == "Approved"
    assert [e.status for e in sub.events] == ["received", "in_progress", "decided"]
    db.dispose()


def test_a_resident_who_leaves_takes_their_drafts_and_their_list_with_them(database_url: str, tmp_path: Path) -> None:
    db = open_database(database_url)
    me, other = store.resident_key("default", "maria"), store.resident_key("default", "ana")
    assert len(me) == 64 and me != other and me == store.resident_key("default", "maria")
    draft = store.save_answers(
        db, progress_id=None, service_id="permit", resident_id=me, answers={"full_name": "Maria"}, remove=[], files={},
        data_dir=tmp_path, draft=True,
    )
    progress, token = _progress(db, tmp_path)
    ref = store.submit(
        db, progress_id=progress, token=token, service=forms_catalog().services["permit"],
        form=forms_catalog().services["permit"].delivery, locale="en", resident_id=me, receipt=None,
        give_up_after=dt.timedelta(hours=1),
    )
    assert [d.id for d in store.resident_drafts(db, me)] == [draft] and store.resident_drafts(db, other) == []
    assert [s.reference for s in store.resident_submissions(db, me)] == [ref]
    store.forget_resident(db, me)
    assert store.resident_drafts(db, me) == [] and store.resident_submissions(db, me) == []
    assert store.get_submission(db, ref) is not None  # still delivered to the agency
    db.dispose()


def test_deleting_an_account_forgets_its_drafts(make_app, tmp_path: Path) -> None:
    from portal.accounts.models import Resident
    from portal.web.accounts import forget_applications

    app = make_app()
    db = app.extensions["portal.db"]
    with db.session() as s:
        resident = Resident(provider="default", subject="maria")
        s.add(resident)
        s.flush()
        resident_id = resident.id
    key = store.resident_key("default", "maria")
    store.save_answers(
        db, progress_id=None, service_id="postpone-jury-service", resident_id=key, answers={"full_name": "Maria"},
        remove=[], files={}, data_dir=tmp_path, draft=True,
    )
    assert len(store.resident_drafts(db, key)) == 1
    with app.app_context():
        forget_applications(resident_id)
    assert store.resident_drafts(db, key) == []
