"""The sample catalog's hosted forms, end to end as in the demo: every step, sent, delivered to the log copy."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import re
import time
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from portal.catalog.model import Form, FormField
from portal.submissions.validation import is_visible
from tests.conftest import ROOT
from tests.forms_support import PNG, Applicant, reference_in

PATTERN_CANDIDATES = ("123456789", "ABC1234", "A1234567", "12345", "1234")


def _answer(f: FormField) -> dict[str, Any]:
    """A plausible answer to any question, as the browser would post it."""
    today = dt.date.today()
    if f.type == "date":
        day = today - dt.timedelta(days=3650) if f.max == "today" else today + dt.timedelta(days=30)
        return {f"{f.id}-day": str(day.day), f"{f.id}-month": str(day.month), f"{f.id}-year": str(day.year)}
    if f.type == "address":
        return {f"{f.id}-line1": "1 Capitol Way", f"{f.id}-city": "Westland City", f"{f.id}-postal_code": "12345"}
    if f.type in ("select", "radio"):
        return {f.id: f.options[0].value}
    if f.type == "checkboxes":
        return {f.id: [f.options[0].value]}
    if f.type == "yesno":
        return {f.id: "yes"}
    if f.type == "file":
        return {f.id: (io.BytesIO(PNG), "scan.png")}
    if f.type == "number":
        return {f.id: str(int(float(f.min or 1)))}
    if f.type == "email":
        return {f.id: "resident@example.com"}
    if f.type == "phone":
        return {f.id: "+1 555 010 0123"}
    if f.pattern:
        return {f.id: next(c for c in PATTERN_CANDIDATES if re.search(f.pattern, c))}
    return {f.id: "A description that is long enough for every minimum length rule."}


def _apply(resident: Applicant, form: Form) -> str:
    answers: dict[str, Any] = {}
    for page in form.pages:
        data: dict[str, Any] = {}
        for f in page.fields:
            if is_visible(form, f, {**answers, **{k: v for k, v in data.items() if not isinstance(v, tuple)}}):
                data.update(_answer(f))
        if not any(is_visible(form, f, {**answers, **data}) for f in page.fields):
            continue
        response = resident.client.post(
            resident.url(f"apply/{page.id}"),
            data={"csrf_token": resident.token, **data},
            content_type="multipart/form-data",
        )
        assert response.status_code == 302, (page.id, re.findall(r'<a href="#[^"]+">([^<]+)</a>', response.get_data(as_text=True)))
        answers.update({k: v for k, v in data.items() if not isinstance(v, tuple)})
    page, token = resident.check_page()
    assert token, page.headers.get("Location")
    sent = resident.send(token)
    assert sent.status_code == 303
    confirmation = resident.client.get(sent.headers["Location"])
    assert confirmation.status_code == 200
    return reference_in(sent.headers["Location"])


def test_the_sample_form_services_work_end_to_end_in_the_demo(make_app: Any) -> None:
    app = make_app(ROOT / "services.yaml", DELIVERY_OVERRIDE="log", WORKER_IN_APP=True, WORKER_POLL_SECONDS=0.05)
    try:
        catalog = app.extensions["portal.catalog"].catalog
        forms = {s.id: s.delivery for s in catalog.services.values() if isinstance(s.delivery, Form)}
        assert {"order-birth-certificate", "report-wildlife-violation", "postpone-jury-service"} <= set(forms)
        sent = {}
        for (service_id, form), lang in zip(sorted(forms.items()), itertools.cycle(["es", "ar", "en", "zh-Hans"])):
            resident = Applicant(app.test_client(), service=service_id, lang=lang)
            start = resident.get(f"/{lang}/services/{service_id}")
            assert f'href="/{lang}/services/{service_id}/apply"' in start.get_data(as_text=True)
            resident.get(resident.url(f"apply/{form.pages[0].id}"))
            sent[service_id] = (_apply(resident, form), lang)
            assert sent[service_id][0].startswith(form.reference_prefix + "-")
        delivered = Path(app.config["DATA_DIR"]) / "delivered"
        deadline = time.monotonic() + 20
        while len(list(delivered.glob("*.json"))) < len(sent):
            assert time.monotonic() < deadline, "the in-app worker did not deliver"
            time.sleep(0.05)
        for service_id, (reference, lang) in sent.items():
            document = json.loads((delivered / f"{reference}.json").read_text())
            assert document["service"]["id"] == service_id and document["locale"] == lang
            assert document["answers"]
    finally:
        app.extensions["portal.worker_stop"].set()


def test_optional_is_said_once(client: FlaskClient) -> None:
    html = client.get("/en/services/report-wildlife-violation/apply/evidence").get_data(as_text=True)
    assert html.count("(optional)") == 2  # 'How many people' gets it from the portal; the file label has its own
    assert 'aria-describedby="f-evidence_file-hint"' in html
