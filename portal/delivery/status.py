"""Agencies reporting progress back: POST /api/submissions/<reference>/status, signed like the webhook."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from portal.catalog.model import Catalog, Form
from portal.storage import Database
from portal.submissions.references import normalize_reference
from portal.submissions.store import STATUSES, get_submission, record_status

from .signatures import SignatureError, verify

NOTE_MAX = 2000


class StatusRefused(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class StatusReport:
    reference: str
    status: str
    note: str


def receive_status(
    db: Database,
    catalog: Catalog,
    reference: str,
    body: bytes,
    *,
    timestamp: str | None,
    signature: str | None,
    max_skew: int,
    now: float | None = None,
) -> StatusReport:
    """Verify and record one status report; raises StatusRefused with the HTTP status and a reason."""
    reference = normalize_reference(reference)
    sub = get_submission(db, reference)
    if sub is None:
        raise StatusRefused(404, f"no submission with reference {reference}")
    service = catalog.services.get(sub.service_id)
    if service is not None and isinstance(service.delivery, Form):
        secret_env = service.delivery.deliver_to.secret_env
    else:
        secret_env = ""
    secret = os.environ.get(secret_env, "") if secret_env else ""
    if not secret:
        raise StatusRefused(403, "this service has no webhook signing secret, so it cannot report status")
    try:
        verify(secret, timestamp, signature, body, now=now, max_skew=max_skew)
    except SignatureError as exc:
        raise StatusRefused(401, str(exc)) from None
    try:
        data = json.loads(body)
    except ValueError:
        raise StatusRefused(400, "the body must be JSON: {\"reference\": ..., \"status\": ..., \"note\": ...}") from None
    if not isinstance(data, dict):
        raise StatusRefused(400, "the body must be a JSON object")
    # The signature covers the body, so naming the submission in it stops a report being replayed onto another one.
    if normalize_reference(str(data.get("reference", ""))) != reference:
        raise StatusRefused(400, "the body's \"reference\" must be the reference in the URL")
    status = data.get("status")
    note = data.get("note", "")
    if status not in STATUSES:
        raise StatusRefused(400, f"status must be one of: {', '.join(STATUSES)}")
    if not isinstance(note, str) or len(note) > NOTE_MAX:
        raise StatusRefused(400, f"note must be text of at most {NOTE_MAX} characters")
    record_status(db, reference, status, note.strip())
    return StatusReport(reference, status, note.strip())
