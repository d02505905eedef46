"""Shared by tests/submissions and tests/delivery: databases (SQLite and PostgreSQL), a resident filling a form."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.test import TestResponse

from tests.tools import postgres_url

FORMS = Path(__file__).resolve().parent / "data" / "forms" / "services.yaml"
SECRET_ENV = "PORTAL_TEST_SECRET_DMV"
SECRET = "test-secret-for-dmv-webhooks"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a new schema on the test PostgreSQL (dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'portal.sqlite3'}"
        return
    base = make_url(postgres_url())
    schema = "t_" + secrets.token_hex(6)
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = base.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    return SECRET


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found[1]


def future(days: int = 30) -> dt.date:
    return dt.date.today() + dt.timedelta(days=days)


def valid_permit(**overrides: Any) -> dict[str, dict[str, Any]]:
    """Answers to every step of the test 'permit' form, as posted."""
    start = future()
    pages: dict[str, dict[str, Any]] = {
        "about-you": {"full_name": "Ana Díaz", "email": "ana@example.com", "phone": "+1 555 010 0123"},
        "plate": {"plate_number": "ABC123"},
        "details": {
            "start_date-day": str(start.day),
            "start_date-month": str(start.month),
            "start_date-year": str(start.year),
            "vehicles": "2",
            "zone": "north",
            "reason": "resident",
            "days": ["mon", "wed"],
        },
        "address": {
            "home-line1": "1 Main St",
            "home-city": "Springfield",
            "home-state": "WL",
            "home-postal_code": "12345",
            "disabled": "no",
        },
    }
    for page, values in overrides.items():
        pages[page] = {**pages.get(page, {}), **values}
    return pages


@dataclass
class Applicant:
    """A resident in a browser: one session cookie, posting steps with the CSRF token like the real pages do."""

    client: FlaskClient
    service: str = "permit"
    lang: str = "en"
    token: str = ""
    visited: list[str] = field(default_factory=list)

    def url(self, tail: str) -> str:
        return f"/{self.lang}/services/{self.service}/{tail}"

    def get(self, url: str) -> TestResponse:
        response = self.client.get(url)
        html = response.get_data(as_text=True)
        if 'name="csrf_token"' in html:
            self.token = csrf_token(html)
        return response

    def step(self, page: str, data: dict[str, Any], **query: Any) -> TestResponse:
        if not self.token:
            self.get(self.url(f"apply/{page}"))
        suffix = ("?" + "&".join(f"{k}={v}" for k, v in query.items())) if query else ""
        return self.client.post(self.url(f"apply/{page}") + suffix, data={"csrf_token": self.token, **data})

    def fill(self, pages: dict[str, dict[str, Any]]) -> None:
        for page, data in pages.items():
            response = self.step(page, data)
            assert response.status_code == 302, (page, response.get_data(as_text=True)[:3000])

    def check_page(self) -> tuple[TestResponse, str]:
        response = self.get(self.url("check-answers"))
        found = re.search(r'name="submit_token" value="([^"]+)"', response.get_data(as_text=True))
        return response, found[1] if found else ""

    def send(self, submit_token: str) -> TestResponse:
        return self.client.post(self.url("check-answers"), data={"csrf_token": self.token, "submit_token": submit_token})

    def apply(self, pages: dict[str, dict[str, Any]] | None = None) -> str:
        """Fill every step, send, and return the reference on the confirmation page."""
        self.fill(pages or valid_permit())
        _page, submit_token = self.check_page()
        assert submit_token
        sent = self.send(submit_token)
        assert sent.status_code == 303, sent.get_data(as_text=True)[:2000]
        return reference_in(sent.headers["Location"])


def reference_in(text_: str) -> str:
    found = re.search(r"[A-Z]{2,5}-[2-9A-Z]{4}-[2-9A-Z]{4}", text_)
    assert found, text_
    return found[0]


SIGN_IN = {"OIDC_ISSUER": "https://id.example.test", "OIDC_CLIENT_ID": "portal", "OIDC_CLIENT_SECRET": "test"}
MARIA = {
    "name": "Maria Lopez",
    "email": "maria@example.com",
    "phone_number": "+1 555 010 0199",
    "address": {"street_address": "22 Oak Ave", "locality": "Riverton", "region": "WL", "postal_code": "54321"},
}


def sign_in(app: Flask, client: FlaskClient, subject: str = "maria", claims: dict[str, Any] | None = None) -> int:
    """Sign a resident in on this browser the way portal.accounts does after the provider's callback."""
    from portal.accounts.models import utcnow
    from portal.accounts.profile import record_sign_in
    from portal.accounts.sessions import start_session

    db = app.extensions["portal.db"]
    now = utcnow()
    resident = record_sign_in(db, provider="default", subject=subject, claims=claims or MARIA, language="en", now=now)
    token = start_session(db, resident_id=resident, provider="default", acr="", id_token="test", now=now)
    with client.session_transaction() as session:
        session["account"] = token
    return resident


def forms_app(make_app: Any, **overrides: Any) -> Flask:
    """The test catalog's app, with sign-in configured (its provider is never called: tests sign in directly)."""
    settings = {"DELIVERY_BACKOFF_SECONDS": 0.05, "DELIVERY_BACKOFF_MAX_SECONDS": 0.2, **SIGN_IN, **overrides}
    return make_app(FORMS, **settings)  # type: ignore[no-any-return]


def forms_catalog(webhook_url: str | None = None) -> Any:
    """The test catalog, with the permit form's webhook pointed at a receiver when given."""
    import dataclasses

    from portal.catalog import load_catalog

    catalog = load_catalog(FORMS).catalog
    assert catalog is not None
    if webhook_url is None:
        return catalog
    service = catalog.services["permit"]
    form = dataclasses.replace(
        service.delivery, deliver_to=dataclasses.replace(service.delivery.deliver_to, webhook_url=webhook_url)
    )
    services = {**catalog.services, "permit": dataclasses.replace(service, delivery=form)}
    return dataclasses.replace(catalog, services=services)


def open_database(url: str) -> Any:
    from portal.storage import Database

    db = Database(url)
    db.create_all()
    return db


def store_submissions(
    db: Any, catalog: Any, data_dir: Path, count: int, service_id: str = "permit", give_up: dt.timedelta = dt.timedelta(hours=72)
) -> list[str]:
    """`count` submissions as if residents had sent them, straight through the storage functions."""
    from portal.submissions import store

    service = catalog.services[service_id]
    references = []
    for i in range(count):
        progress = store.save_answers(
            db,
            progress_id=None,
            service_id=service_id,
            resident_id=None,
            answers={"full_name": f"Resident {i}", "plate_number": f"P{i:05d}"},
            remove=[],
            files={},
            data_dir=data_dir,
        )
        token = store.issue_submit_token(db, progress)
        references.append(
            store.submit(
                db,
                progress_id=progress,
                token=token,
                service=service,
                form=service.delivery,
                locale="en",
                resident_id=None,
                receipt=None,
                give_up_after=give_up,
            )
        )
    return references


def fast_worker(db: Any, catalog: Any, data_dir: Path, **settings: Any) -> Any:
    from portal.delivery.outbox import Backoff
    from portal.delivery.worker import Worker, WorkerSettings

    values: dict[str, Any] = {
        "data_dir": str(data_dir),
        "backoff": Backoff(base=0.01, cap=0.05, give_up=dt.timedelta(hours=72)),
        "lease": dt.timedelta(seconds=30),
        "timeout": 2.0,
        "poll": 0.01,
    }
    values.update(settings)
    return Worker(db, lambda: catalog, WorkerSettings(**values))


def deliver_until(worker: Any, done: Any, seconds: float = 20.0) -> None:
    """Run the worker until `done()` is true (or fail after `seconds`)."""
    import time

    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError("deliveries did not finish in time")
        if worker.run_once() == 0:
            time.sleep(0.01)
