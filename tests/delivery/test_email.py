"""Email: agencies without a webhook get the submission by SMTP; residents get a receipt in their language."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from portal.delivery import outbox
from portal.delivery.worker import worker_for
from tests.delivery.smtp_server import SmtpServer
from tests.forms_support import Applicant, forms_app, valid_permit


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    yield server
    server.stop()


def _app(make_app: Any, smtp: SmtpServer | None, **more: Any) -> Any:
    settings = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.port, "SMTP_STARTTLS": False} if smtp else {}
    return forms_app(make_app, MAIL_FROM="no-reply@services.example.gov", **settings, **more)


def _deliver_all(app: Any) -> None:
    worker = worker_for(app)
    with app.app_context():
        for _ in range(10):
            if worker.run_once() == 0:
                break


def test_an_agency_without_a_webhook_gets_the_submission_by_email(make_app: Any, smtp: SmtpServer) -> None:
    app = _app(make_app, smtp)
    reference = Applicant(app.test_client(), service="report").apply({"what": {"what": "Nets across the river", "contact_email": ""}})
    _deliver_all(app)
    [message] = smtp.messages  # no email address given: no receipt
    assert message["To"] == "wardens@dnr.example.gov"
    assert message["Subject"] == f"[{reference}] Report a wildlife violation"
    assert message["Message-ID"] == f"<submission.{reference}@services.example.gov>"
    assert "What did you see?: Nets across the river" in message.get_body(("plain",)).get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == f"{reference}.json"
    assert json.loads(attachment.get_content())["answers"] == {"what": "Nets across the river"}
    assert outbox.counts(app.extensions["portal.db"]) == {"delivered": 1}


def test_the_receipt_is_sent_in_the_residents_language(make_app: Any, smtp: SmtpServer, secret: str) -> None:
    app = _app(make_app, smtp, DELIVERY_OVERRIDE="log")
    resident = Applicant(app.test_client(), lang="es")
    reference = resident.apply(valid_permit())
    _deliver_all(app)
    [receipt] = smtp.messages
    assert receipt["To"] == "ana@example.com"
    assert reference in receipt["Subject"]
    body = receipt.get_body(("plain",)).get_content()
    assert "Solicitar un permiso de estacionamiento" in body  # the service's Spanish title
    assert reference in body and "+1 555 0100" in body


def test_without_smtp_receipts_go_to_the_log_and_agency_email_waits(make_app: Any, caplog: pytest.LogCaptureFixture) -> None:
    app = _app(make_app, None)
    Applicant(app.test_client(), service="report").apply({"what": {"what": "Poaching", "contact_email": "me@example.com"}})
    with caplog.at_level(logging.INFO, logger="portal.delivery"):
        _deliver_all(app)
    assert "email (SMTP not configured) to me@example.com" in caplog.text
    entries = {e.channel: e for e in outbox.list_entries(app.extensions["portal.db"])}
    assert entries["receipt"].state == "delivered"
    assert entries["agency"].state == "pending" and "SMTP is not configured" in entries["agency"].last_error


def test_a_refusing_mail_server_means_a_retry_not_a_loss(make_app: Any, smtp: SmtpServer) -> None:
    app = _app(make_app, smtp)
    smtp.refuse = True
    Applicant(app.test_client(), service="report").apply({"what": {"what": "Poaching", "contact_email": ""}})
    _deliver_all(app)
    [entry] = outbox.list_entries(app.extensions["portal.db"])
    assert entry.state == "pending" and "451" in entry.last_error
    smtp.refuse = False
    import time

    time.sleep(0.25)
    _deliver_all(app)
    assert len(smtp.messages) == 1
