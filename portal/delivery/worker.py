"""The delivery worker: claims due outbox entries and sends each to its agency (or the resident's receipt).

`portal worker` runs it as a process (several on PostgreSQL, one on SQLite); PORTAL_WORKER_IN_APP=1 runs it in
a background thread of the web app for development. PORTAL_DELIVERY_OVERRIDE=log writes what would be sent to
DATA_DIR/delivered/<reference>.json and the log instead (demos: the sample agencies' hosts do not exist), and
an http://127.0.0.1:... URL sends every agency delivery to that local receiver instead.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portal.catalog.model import Catalog, Form
from portal.storage import Database

from . import mail, outbox, webhook
from .outbox import Backoff, Claim
from .payload import encode, submission_payload
from .signatures import MissingSecret, secret_from_env

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerSettings:
    data_dir: str
    base_url: str = ""
    override: str = ""
    backoff: Backoff = field(default_factory=Backoff)
    lease: dt.timedelta = dt.timedelta(minutes=5)
    timeout: float = 30.0
    poll: float = 2.0
    smtp: mail.SmtpSettings = field(default_factory=mail.SmtpSettings)
    retention_every: float = 3600.0
    progress_days: int = 30

    @classmethod
    def from_config(cls, config: Any) -> WorkerSettings:
        return cls(
            data_dir=str(config["DATA_DIR"]),
            base_url=str(config.get("BASE_URL", "")),
            override=str(config.get("DELIVERY_OVERRIDE", "")),
            backoff=Backoff(
                base=float(config["DELIVERY_BACKOFF_SECONDS"]),
                cap=float(config["DELIVERY_BACKOFF_MAX_SECONDS"]),
                give_up=dt.timedelta(hours=float(config["DELIVERY_GIVE_UP_HOURS"])),
            ),
            lease=dt.timedelta(seconds=float(config["DELIVERY_LEASE_SECONDS"])),
            timeout=float(config["DELIVERY_TIMEOUT_SECONDS"]),
            poll=float(config["WORKER_POLL_SECONDS"]),
            smtp=mail.SmtpSettings(
                host=str(config["SMTP_HOST"]),
                port=int(config["SMTP_PORT"]),
                user=str(config["SMTP_USER"]),
                password=str(config["SMTP_PASSWORD"]),
                starttls=bool(config["SMTP_STARTTLS"]),
                sender=str(config["MAIL_FROM"]),
                timeout=float(config["DELIVERY_TIMEOUT_SECONDS"]),
            ),
            progress_days=int(config["FORM_PROGRESS_DAYS"]),
        )

    @property
    def batch(self) -> int:
        """Claim only what can be sent well within the lease, even if every attempt times out."""
        return max(1, min(20, int(self.lease.total_seconds() // max(1.0, self.timeout * 2))))


class Worker:
    def __init__(self, db: Database, catalog: Callable[[], Catalog | None], settings: WorkerSettings) -> None:
        self.db = db
        self.catalog = catalog
        self.settings = settings
        self.name = f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        self._last_retention = 0.0

    def run(self, stop: threading.Event, *, once: bool = False) -> None:
        """Deliver until `stop` is set (or, with once, until nothing is due)."""
        log.info("delivery worker %s started", self.name)
        while not stop.is_set():
            try:
                handled = self.run_once()
                self._maybe_apply_retention()
            except Exception:  # a database hiccup must not end the worker; it tries again after a pause
                log.exception("delivery worker: unexpected error")
                handled = 0
            if once and handled == 0:
                break
            if handled == 0:
                stop.wait(self.settings.poll)
        log.info("delivery worker %s stopped", self.name)

    def run_once(self) -> int:
        claims = outbox.claim(self.db, lease=self.settings.lease, limit=self.settings.batch)
        for c in claims:
            self.process(c)
        return len(claims)

    def process(self, c: Claim) -> None:
        try:
            self.deliver(c)
        except Exception as exc:
            error = str(exc) if isinstance(exc, webhook.DeliveryFailed) else f"{type(exc).__name__}: {exc}"
            state = outbox.fail(self.db, c, error, self.settings.backoff)
            level = logging.ERROR if state == "dead" else logging.WARNING
            log.log(level, "%s %s attempt %d failed (%s): %s", c.channel, c.reference, c.attempts, state, exc)
            return
        if outbox.complete(self.db, c):
            log.info("%s %s delivered (attempt %d)", c.channel, c.reference, c.attempts)

    def deliver(self, c: Claim) -> None:
        if c.channel == "receipt":
            self._send_receipt(c)
        else:
            self._send_to_agency(c)

    # ---- channels ---------------------------------------------------------------------------------------------

    def _target(self, c: Claim) -> dict[str, str]:
        """The service's deliver_to as the catalog says now (an agency may fix a URL), else as at submission."""
        cat = self.catalog()
        service = cat.services.get(c.service_id) if cat else None
        if service is not None and isinstance(service.delivery, Form):
            t = service.delivery.deliver_to
            return {"webhook": t.webhook_url, "secret_env": t.secret_env, "email": t.email_to}
        return {k: str(v or "") for k, v in c.deliver_to.items()}

    def _send_to_agency(self, c: Claim) -> None:
        cat = self.catalog()
        document = submission_payload(c, cat, self.settings.data_dir, self.settings.base_url)
        body = encode(document)
        target = self._target(c)
        override = self.settings.override
        if override == "log":
            self._write_log_copy(c.reference, document)
            return
        if override:
            secret = os.environ.get(target.get("secret_env", ""), "") or None
            webhook.post(override, body, reference=c.reference, secret=secret, timeout=self.settings.timeout)
            return
        if target.get("webhook"):
            try:
                secret = secret_from_env(target.get("secret_env", ""))
            except MissingSecret as exc:
                raise webhook.DeliveryFailed(str(exc)) from None
            webhook.post(target["webhook"], body, reference=c.reference, secret=secret, timeout=self.settings.timeout)
            return
        if target.get("email"):
            self._email_agency(c, target["email"], document, cat)
            return
        raise webhook.DeliveryFailed(f"service {c.service_id} has no deliver_to")

    def _email_agency(self, c: Claim, to: str, document: dict[str, Any], cat: Catalog | None) -> None:
        smtp = self.settings.smtp
        if not smtp.configured:
            raise webhook.DeliveryFailed("the agency is reached by email, but SMTP is not configured (PORTAL_SMTP_HOST)")
        title = document["service"]["title"]
        lines = [f"New application: {title}", f"Reference: {c.reference}", f"Submitted: {document['submitted_at']}", ""]
        for fid, value in document["answers"].items():
            label = document["labels"].get(fid, fid)
            shown = value.get("filename") if isinstance(value, dict) and "filename" in value else value
            if isinstance(shown, dict):
                shown = ", ".join(str(v) for v in shown.values() if v)
            elif isinstance(shown, list):
                shown = ", ".join(str(v) for v in shown)
            lines.append(f"{label}: {shown}")
        msg = mail.message(smtp, to, f"[{c.reference}] {title}", "\n".join(lines) + "\n", c.reference, "submission")
        files = document.pop("files", [])
        mail.attach_json(msg, f"{c.reference}.json", document)
        for f in files:
            maintype, _, subtype = str(f["content_type"]).partition(";")[0].partition("/")
            msg.add_attachment(base64.b64decode(f["content_base64"]), maintype=maintype, subtype=subtype, filename=f["filename"])
        mail.send(smtp, msg)

    def _send_receipt(self, c: Claim) -> None:
        m = c.message or {}
        msg = mail.message(self.settings.smtp, str(m.get("to", "")), str(m.get("subject", "")), str(m.get("body", "")), c.reference, "receipt")
        if self.settings.smtp.configured:
            mail.send(self.settings.smtp, msg)
        else:
            mail.log_instead(msg)

    def _write_log_copy(self, reference: str, document: dict[str, Any]) -> None:
        folder = Path(self.settings.data_dir) / "delivered"
        folder.mkdir(parents=True, exist_ok=True)
        shown = {**document, "files": [{k: v for k, v in f.items() if k != "content_base64"} for f in document["files"]]}
        (folder / f"{reference}.json").write_text(json.dumps(shown, ensure_ascii=False, indent=2), encoding="utf-8")
        log.info("DELIVERY_OVERRIDE=log: %s for %s written to %s", reference, document["agency"], folder / f"{reference}.json")

    def _maybe_apply_retention(self) -> None:
        if time.monotonic() - self._last_retention < self.settings.retention_every:
            return
        self._last_retention = time.monotonic()
        from portal.submissions.retention import apply_retention

        apply_retention(self.db, self.settings.data_dir, progress_days=self.settings.progress_days)


def worker_for(app: Any) -> Worker:
    store = app.extensions["portal.catalog"]

    def current_catalog() -> Catalog | None:
        try:
            store.reload_if_changed()
            return store.catalog
        except Exception:  # no valid catalog: deliver with what each submission recorded
            log.exception("delivery worker: no catalog")
            return None

    return Worker(app.extensions["portal.db"], current_catalog, WorkerSettings.from_config(app.config))


def start_in_app(app: Any) -> threading.Event:
    """Development: the worker as a daemon thread of the web process."""
    stop = threading.Event()
    worker = worker_for(app)

    def run() -> None:
        with app.app_context():
            worker.run(stop)

    threading.Thread(target=run, name="portal-delivery-worker", daemon=True).start()
    return stop
