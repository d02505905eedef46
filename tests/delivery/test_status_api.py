"""Agencies report progress: POST /api/submissions/<reference>/status, HMAC-signed, shown under 'Your applications'."""

from __future__ import annotations

import json
import time
from typing import Any

from flask.testing import FlaskClient

from portal.delivery.signatures import sign
from tests.forms_support import SECRET, Applicant, forms_app, sign_in


def _report(client: FlaskClient, reference: str, document: dict[str, Any], *, secret: str = SECRET, at: float | None = None) -> Any:
    body = json.dumps({"reference": reference.upper(), **document}).encode()
    stamp = int(at if at is not None else time.time())
    return client.post(
        f"/api/submissions/{reference}/status",
        data=body,
        headers={"X-Portal-Timestamp": str(stamp), "X-Portal-Signature": sign(secret, stamp, body), "Content-Type": "application/json"},
    )


def test_signed_status_reports_reach_the_residents_applications_page(make_app: Any, secret: str) -> None:
    app = forms_app(make_app)
    resident = Applicant(app.test_client())
    sign_in(app, resident.client)
    reference = resident.apply()
    listing = resident.get("/en/applications").get_data(as_text=True)
    assert reference in listing and "Being sent to the agency" in listing
    agency = app.test_client()  # no session, no CSRF token: the signature is what counts
    ok = _report(agency, reference, {"status": "received"})
    assert ok.status_code == 200 and ok.get_json() == {"reference": reference, "status": "received", "note": ""}
    assert "Received by the agency" in resident.get("/en/applications").get_data(as_text=True)
    decided = _report(agency, reference.lower(), {"status": "decided", "note": "Approved: your permit is in the mail"})
    assert decided.status_code == 200
    listing = resident.get("/en/applications").get_data(as_text=True)
    assert "Decision made" in listing and "Approved: your permit is in the mail" in listing
    assert _report(agency, reference, {"status": "decided", "note": "Approved: your permit is in the mail"}).status_code == 200


def test_bad_signatures_stale_timestamps_and_bad_reports_are_refused(make_app: Any, secret: str) -> None:
    app = forms_app(make_app)
    reference = Applicant(app.test_client()).apply()
    agency = app.test_client()
    wrong = _report(agency, reference, {"status": "closed"}, secret="guessed")
    assert wrong.status_code == 401 and wrong.get_json()["error"] == "signature does not match"
    stale = _report(agency, reference, {"status": "closed"}, at=time.time() - 3600)
    assert stale.status_code == 401 and "seconds away from now" in stale.get_json()["error"]
    unsigned = agency.post(f"/api/submissions/{reference}/status", json={"status": "closed"})
    assert unsigned.status_code == 401
    assert _report(agency, reference, {"status": "approved"}).status_code == 400
    assert _report(agency, reference, {"status": "closed", "note": "x" * 5000}).status_code == 400
    assert _report(agency, "DMV-2222-3333", {"status": "closed"}).status_code == 404
    # A report signed for one submission cannot be replayed onto another
    other = Applicant(app.test_client()).apply()
    body = json.dumps({"reference": other, "status": "closed"}).encode()
    stamp = int(time.time())
    headers = {"X-Portal-Timestamp": str(stamp), "X-Portal-Signature": sign(SECRET, stamp, body)}
    assert agency.post(f"/api/submissions/{other}/status", data=body, headers=headers).status_code == 200
    replayed = agency.post(f"/api/submissions/{reference}/status", data=body, headers=headers)
    assert replayed.status_code == 400 and "must be the reference in the URL" in replayed.get_json()["error"]
    from portal.submissions.store import get_submission

    sub = get_submission(app.extensions["portal.db"], reference)
    assert sub is not None and sub.status == "submitted" and sub.events == ()


def test_services_delivered_by_email_have_no_secret_to_report_with(make_app: Any, secret: str) -> None:
    app = forms_app(make_app)
    resident = Applicant(app.test_client(), service="report")
    reference = resident.apply({"what": {"what": "Nets across the river", "contact_email": ""}})
    assert reference.startswith("DNR-")
    refused = _report(app.test_client(), reference, {"status": "received"})
    assert refused.status_code == 403 and "no webhook signing secret" in refused.get_json()["error"]
