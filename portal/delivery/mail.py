"""Email: receipts to residents and, for agencies without a webhook, the submission itself. SMTP, or the log."""

from __future__ import annotations

import json
import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmtpSettings:
    host: str = ""
    port: int = 587
    user: str = ""
    password: str = ""
    starttls: bool = True
    sender: str = "no-reply@localhost"
    timeout: float = 30.0

    @property
    def configured(self) -> bool:
        return bool(self.host)


def message(settings: SmtpSettings, to: str, subject: str, body: str, reference: str, kind: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    # The same Message-ID on every retry lets a mail system drop a duplicate; agencies can also key on the reference.
    domain = settings.sender.rpartition("@")[2] or "portal.invalid"
    msg["Message-ID"] = f"<{kind}.{reference}@{domain}>" if reference else make_msgid(domain=domain)
    msg["X-Portal-Reference"] = reference
    msg.set_content(body)
    return msg


def attach_json(msg: EmailMessage, name: str, document: dict[str, Any]) -> None:
    data = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    msg.add_attachment(data, maintype="application", subtype="json", filename=name)


def send(settings: SmtpSettings, msg: EmailMessage) -> None:
    """Send through the configured server; raises on any failure so the outbox retries."""
    with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
        if settings.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.user:
            smtp.login(settings.user, settings.password)
        smtp.send_message(msg)


def log_instead(msg: EmailMessage) -> None:
    """Without SMTP (development, demos) the email goes to the log, whole, so nothing is silently dropped."""
    body = msg.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    log.info("email (SMTP not configured) to %s: %s\n%s", msg["To"], msg["Subject"], text)
