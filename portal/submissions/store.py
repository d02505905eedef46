"""Keeping answers and submissions: progress by random id, drafts, the one-transaction submit, agency status.

Everything here takes and returns plain values; the web layer decides which progress id belongs to whom.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from portal.catalog.model import Form, Service
from portal.storage import Database

from .models import Delivery, Progress, StatusEvent, Submission, Upload, utcnow
from .parsing import NewFile
from .references import new_reference
from .uploads import clean_filename, delete_upload, new_upload_id, write_upload
from .validation import asked_answers

log = logging.getLogger(__name__)

STATUSES = ("received", "in_progress", "decided", "closed")


class SubmitError(Exception):
    """The form cannot be sent from this state (no such progress, or a token that is not its own)."""


@dataclass(frozen=True)
class ProgressState:
    id: str
    service_id: str
    answers: dict[str, Any]
    draft: bool
    submit_token: str | None
    reference: str | None
    resident_id: str | None
    updated_at: dt.datetime


@dataclass(frozen=True)
class Receipt:
    to: str
    subject: str
    body: str


@dataclass(frozen=True)
class StatusView:
    status: str
    note: str
    at: dt.datetime


@dataclass(frozen=True)
class SubmissionView:
    reference: str
    service_id: str
    agency_id: str
    locale: str
    resident_id: str | None
    answers: dict[str, Any]
    created_at: dt.datetime
    status: str
    status_note: str
    status_at: dt.datetime | None
    delivered_at: dt.datetime | None
    delivery_state: str
    events: tuple[StatusView, ...]


def resident_key(provider: str, subject: str) -> str:
    """How a signed-in resident's drafts and applications are found: a digest of who vouched for them and as whom."""
    return hashlib.sha256(f"{provider}\0{subject}".encode()).hexdigest()


def forget_resident(db: Database, key: str) -> None:
    """A resident deleted their account: their unfinished answers go; what they sent stays with the agency's copy
    (retention deletes it in time) but is no longer listed for anyone."""
    with db.session() as s:
        s.execute(delete(Progress).where(Progress.resident_id == key))
        s.execute(update(Submission).where(Submission.resident_id == key).values(resident_id=None))


def new_progress_id() -> str:
    return secrets.token_urlsafe(32)


def _state(p: Progress) -> ProgressState:
    return ProgressState(
        p.id, p.service_id, dict(p.answers or {}), p.draft, p.submit_token, p.reference, p.resident_id, p.updated_at
    )


def load_progress(db: Database, progress_id: str | None, service_id: str) -> ProgressState | None:
    if not progress_id:
        return None
    with db.session() as s:
        p = s.get(Progress, progress_id)
        return _state(p) if p is not None and p.service_id == service_id else None


def find_draft(db: Database, service_id: str, resident_id: str) -> ProgressState | None:
    """The resident's unfinished application for this service, most recent first."""
    with db.session() as s:
        p = s.scalars(
            select(Progress)
            .where(Progress.service_id == service_id, Progress.resident_id == resident_id, Progress.reference.is_(None))
            .order_by(Progress.updated_at.desc())
            .limit(1)
        ).first()
        return _state(p) if p is not None else None


def resident_drafts(db: Database, resident_id: str) -> list[ProgressState]:
    with db.session() as s:
        rows = s.scalars(
            select(Progress)
            .where(Progress.resident_id == resident_id, Progress.draft.is_(True), Progress.reference.is_(None))
            .order_by(Progress.updated_at.desc())
        )
        return [_state(p) for p in rows]


def save_answers(
    db: Database,
    *,
    progress_id: str | None,
    service_id: str,
    resident_id: str | None,
    answers: Mapping[str, Any],
    remove: list[str],
    files: Mapping[str, NewFile],
    data_dir: str | Path,
    draft: bool | None = None,
) -> str:
    """Merge one page's answers into the progress (created when missing); store its files. Returns the progress id."""
    stored: dict[str, dict[str, Any]] = {}
    for field_id, new in files.items():
        upload_id = new_upload_id()
        digest = write_upload(data_dir, upload_id, new.data)
        stored[field_id] = {
            "upload": upload_id,
            "filename": clean_filename(new.filename),
            "kind": new.kind,
            "size": len(new.data),
            "sha256": digest,
        }
    replaced: list[str] = []
    with db.session() as s:
        p = s.get(Progress, progress_id) if progress_id else None
        if p is None or p.service_id != service_id or p.reference:
            p = Progress(id=new_progress_id(), service_id=service_id, answers={}, resident_id=resident_id)
            s.add(p)
        merged = dict(p.answers or {})
        for field_id in [*remove, *stored]:
            old = merged.get(field_id)
            if isinstance(old, dict) and old.get("upload"):
                replaced.append(str(old["upload"]))
        for field_id in remove:
            merged.pop(field_id, None)
        merged.update({k: v for k, v in answers.items() if k not in files})
        merged.update(stored)
        p.answers = merged
        if resident_id and not p.resident_id:
            p.resident_id = resident_id
        if draft is not None:
            p.draft = draft
        p.updated_at = utcnow()
        for field_id, info in stored.items():
            s.add(
                Upload(
                    id=info["upload"],
                    progress_id=p.id,
                    filename=info["filename"],
                    kind=info["kind"],
                    size=info["size"],
                    sha256=info["sha256"],
                )
            )
            del field_id
        if replaced:
            s.execute(delete(Upload).where(Upload.id.in_(replaced), Upload.submission_id.is_(None)))
        progress_id = p.id
    for upload_id in replaced:
        delete_upload(data_dir, upload_id)
    return progress_id


def issue_submit_token(db: Database, progress_id: str) -> str:
    """The one-time token the 'check your answers' page carries: the same one however often the page is shown."""
    with db.session() as s:
        p = s.get(Progress, progress_id)
        if p is None:
            raise SubmitError("no answers to send")
        if not p.submit_token:
            p.submit_token = secrets.token_urlsafe(32)
        return p.submit_token


def submitted_reference(db: Database, token: str) -> str | None:
    with db.session() as s:
        return s.scalar(select(Submission.reference).where(Submission.submit_token == token))


def submit(
    db: Database,
    *,
    progress_id: str,
    token: str,
    service: Service,
    form: Form,
    locale: str,
    resident_id: str | None,
    receipt: Callable[[str], Receipt | None] | None,
    give_up_after: dt.timedelta,
    make_reference: Callable[[str], str] = new_reference,
) -> str:
    """Store the submission, its outbox entries and its files in one transaction; returns its reference.

    The same token always gives the same reference (double click, back button, retry, two tabs), because the
    submission's submit_token is unique: a second attempt finds the first, or loses the race and then finds it.
    """
    for _attempt in range(10):
        try:
            with db.session() as s:
                existing = s.scalar(select(Submission.reference).where(Submission.submit_token == token))
                if existing:
                    return existing
                p = s.get(Progress, progress_id)
                if p is not None and p.submit_token == token and p.reference:
                    return p.reference  # a twin request committed between our two reads
                if p is None or p.submit_token != token:
                    raise SubmitError("this form was already sent or has expired")
                now = utcnow()
                answers = asked_answers(form, p.answers or {})
                reference = make_reference(form.reference_prefix)
                target = form.deliver_to
                sub = Submission(
                    reference=reference,
                    submit_token=token,
                    service_id=service.id,
                    agency_id=service.agency,
                    locale=locale,
                    resident_id=resident_id or p.resident_id,
                    answers=answers,
                    deliver_to={"webhook": target.webhook_url, "secret_env": target.secret_env, "email": target.email_to},
                    retention_days=form.retention_days,
                    created_at=now,
                )
                s.add(sub)
                s.flush()  # the unique reference and token are checked here
                s.add(Delivery(submission_id=sub.id, channel="agency", next_attempt_at=now, deadline_at=now + give_up_after))
                message = receipt(reference) if receipt else None
                if message is not None:
                    s.add(
                        Delivery(
                            submission_id=sub.id,
                            channel="receipt",
                            next_attempt_at=now,
                            deadline_at=now + give_up_after,
                            message=asdict(message),
                        )
                    )
                upload_ids = [str(v["upload"]) for v in answers.values() if isinstance(v, dict) and v.get("upload")]
                if upload_ids:
                    s.execute(
                        update(Upload)
                        .where(Upload.id.in_(upload_ids), Upload.progress_id == p.id)
                        .values(submission_id=sub.id)
                    )
                p.reference = reference
                p.answers = {}
                p.draft = False
                p.updated_at = now
            log.info("submission %s stored for service %s", reference, service.id)
            return reference
        except IntegrityError:
            continue  # a reference collision (draw again) or the same token committed by a twin request (find it)
    raise SubmitError("could not store the submission")


def _view(sub: Submission, delivery: Delivery | None) -> SubmissionView:
    return SubmissionView(
        reference=sub.reference,
        service_id=sub.service_id,
        agency_id=sub.agency_id,
        locale=sub.locale,
        resident_id=sub.resident_id,
        answers=dict(sub.answers or {}),
        created_at=sub.created_at,
        status=sub.status,
        status_note=sub.status_note or "",
        status_at=sub.status_at,
        delivered_at=delivery.delivered_at if delivery else None,
        delivery_state=delivery.state if delivery else "pending",
        events=tuple(StatusView(e.status, e.note, e.created_at) for e in sub.events),
    )


def get_submission(db: Database, reference: str) -> SubmissionView | None:
    with db.session() as s:
        sub = s.scalar(select(Submission).where(Submission.reference == reference))
        if sub is None:
            return None
        delivery = s.scalar(select(Delivery).where(Delivery.submission_id == sub.id, Delivery.channel == "agency"))
        return _view(sub, delivery)


def resident_submissions(db: Database, resident_id: str) -> list[SubmissionView]:
    with db.session() as s:
        subs = s.scalars(
            select(Submission).where(Submission.resident_id == resident_id).order_by(Submission.created_at.desc())
        ).all()
        agency = {
            d.submission_id: d
            for d in s.scalars(
                select(Delivery).where(Delivery.submission_id.in_([x.id for x in subs]), Delivery.channel == "agency")
            )
        }
        return [_view(x, agency.get(x.id)) for x in subs]


def record_status(db: Database, reference: str, status: str, note: str, at: dt.datetime | None = None) -> bool:
    """The agency's progress report; repeating the latest report changes nothing. False when the reference is unknown."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of: {', '.join(STATUSES)}")
    at = at or utcnow()
    with db.session() as s:
        sub = s.scalar(select(Submission).where(Submission.reference == reference).with_for_update())
        if sub is None:
            return False
        last = s.scalars(
            select(StatusEvent).where(StatusEvent.submission_id == sub.id).order_by(StatusEvent.id.desc()).limit(1)
        ).first()
        if last is not None and last.status == status and last.note == note:
            return True
        s.add(StatusEvent(submission_id=sub.id, status=status, note=note, created_at=at))
        sub.status, sub.status_note, sub.status_at = status, note, at
    return True
