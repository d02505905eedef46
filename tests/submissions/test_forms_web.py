"""A resident applying through a hosted form: steps, errors, check your answers, confirmation (no JavaScript)."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from portal.submissions.models import Delivery, Progress, Submission, Upload
from tests.forms_support import (
    PDF,
    PNG,
    Applicant,
    forms_app,
    future,
    reference_in,
    sign_in,
    valid_permit,
)


def _count(app: Flask, model: Any) -> int:
    with app.extensions["portal.db"].session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_service_page_start_button_leads_to_the_first_step(make_app: Any) -> None:
    client = forms_app(make_app).test_client()
    page = client.get("/en/services/permit").get_data(as_text=True)
    assert 'href="/en/services/permit/apply"' in page
    start = client.get("/en/services/permit/apply")
    assert start.status_code == 302
    assert start.headers["Location"] == "/en/services/permit/apply/about-you"
    step = client.get("/en/services/permit/apply/about-you").get_data(as_text=True)
    assert "<h1>About you</h1>" in step
    assert 'for="f-full_name"' in step and 'id="f-full_name"' in step
    assert 'aria-describedby="f-full_name-hint"' in step
    assert "(optional)" in step  # the phone question
    assert re.findall(r"<script(?![^>]*\bsrc=)", step) == [], "no inline script: the form works without JavaScript"


def test_a_whole_application_from_start_to_reference(make_app: Any) -> None:
    app = forms_app(make_app)
    resident = Applicant(app.test_client())
    resident.fill(valid_permit())
    page, token = resident.check_page()
    html = page.get_data(as_text=True)
    assert "Check your answers before sending your application" in html
    for shown in ("Ana Díaz", "ABC123", "North", "I live here", "Monday", "Wednesday", "1 Main St", "Springfield", "No"):
        assert shown in html, shown
    assert "Tell us why" not in html  # asked only for 'Something else'
    assert "A photo or scan of your badge" not in html  # asked only with a badge
    assert 'href="/en/services/permit/apply/plate?change=1#f-plate_number"' in html
    sent = resident.send(token)
    assert sent.status_code == 303
    reference = reference_in(sent.headers["Location"])
    assert re.fullmatch(r"DMV-[2-9A-HJKMNP-TW-Z]{4}-[2-9A-HJKMNP-TW-Z]{4}", reference)
    confirmation = resident.client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Application sent" in confirmation and reference in confirmation
    assert "ana@example.com" in confirmation  # where the receipt goes
    assert "Department of Motor Vehicles" in confirmation
    with app.extensions["portal.db"].session() as s:
        sub = s.scalars(select(Submission)).one()
        assert sub.reference == reference
        assert sub.answers["home"]["city"] == "Springfield"
        assert sub.answers["days"] == ["mon", "wed"]
        assert sub.answers["start_date"] == future().isoformat()
        assert "reason_other" not in sub.answers
        assert sorted(d.channel for d in s.scalars(select(Delivery))) == ["agency", "receipt"]


def test_invalid_input_shows_the_error_summary_and_stores_nothing(make_app: Any) -> None:
    app = forms_app(make_app)
    resident = Applicant(app.test_client())
    response = resident.step("about-you", {"full_name": "", "email": "not-an-email", "phone": "12"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<title>Error:" in html
    summary = html[html.index('class="error-summary"') - 5 : html.index("</ul>", html.index('class="error-summary"'))]
    assert 'role="alert"' in summary and 'tabindex="-1"' in summary and "autofocus" in summary
    assert '<a href="#f-full_name">Enter your full name</a>' in summary
    assert '<a href="#f-email">Enter an email address in the correct format, like name@example.com</a>' in summary
    assert '<a href="#f-phone">' in summary
    assert 'id="f-full_name-error"' in html
    assert 'aria-describedby="f-full_name-hint f-full_name-error"' in html
    assert 'value="not-an-email"' in html  # what they typed is kept
    assert _count(app, Progress) == 0 and _count(app, Submission) == 0


def test_agency_messages_and_labels_in_the_residents_language(make_app: Any) -> None:
    resident = Applicant(forms_app(make_app).test_client(), lang="es")
    html = resident.step("about-you", {"full_name": "", "email": "a@example.com"}).get_data(as_text=True)
    assert '<html lang="es"' in html
    assert "Escriba su nombre completo" in html
    assert "Nombre completo" in html
    assert 'lang="en"' in html  # the untranslated 'Email address' label says which language it is in


def test_pattern_number_select_and_checkbox_limits(make_app: Any) -> None:
    resident = Applicant(forms_app(make_app).test_client())
    bad_plate = resident.step("plate", {"plate_number": "abc 123!"}).get_data(as_text=True)
    assert "Enter the plate as on the vehicle, like ABC1234" in bad_plate
    details = valid_permit()["details"]
    html = resident.step("details", {**details, "vehicles": "7", "zone": "west", "days": ["mon", "tue", "wed"]}).get_data(as_text=True)
    assert "Number of vehicles must be 3 or less" in html
    assert "Select one of the options for: Zone" in html
    assert "Select no more than 2 options for: Days you park" in html
    html = resident.step("details", {**details, "vehicles": "two"}).get_data(as_text=True)
    assert "Number of vehicles must be a number" in html


def test_dates_must_be_real_complete_and_within_bounds(make_app: Any) -> None:
    resident = Applicant(forms_app(make_app).test_client())
    details = valid_permit()["details"]
    cases = [
        ({"start_date-day": "31", "start_date-month": "2", "start_date-year": "2030"}, "Start date must be a real date", "f-start_date-day"),
        ({"start_date-day": "1", "start_date-month": "", "start_date-year": "2030"}, "Start date must include a month", "f-start_date-month"),
        ({"start_date-day": "1", "start_date-month": "1", "start_date-year": "2001"}, "Start date must be today or in the future", "f-start_date-day"),
        ({"start_date-day": "", "start_date-month": "", "start_date-year": ""}, "Enter a date for: Start date", "f-start_date-day"),
    ]
    for posted, message, anchor in cases:
        html = resident.step("details", {**details, **posted}).get_data(as_text=True)
        assert f'<a href="#{anchor}">{message}</a>' in html, message
    tomorrow = future(1)
    html = resident.step(
        "details",
        {**details, "birth_date-day": str(tomorrow.day), "birth_date-month": str(tomorrow.month), "birth_date-year": str(tomorrow.year)},
    ).get_data(as_text=True)
    assert "Date of birth must be today or in the past" in html
    assert 'autocomplete="bday-day"' in html


def test_a_follow_up_question_is_required_only_when_shown(make_app: Any) -> None:
    resident = Applicant(forms_app(make_app).test_client())
    details = valid_permit()["details"]
    html = resident.step("details", {**details, "reason": "other", "reason_other": ""}).get_data(as_text=True)
    assert "Enter an answer for: Tell us why" in html
    # drawn inside its choice: CSS reveals it, no script needed
    item = html[html.index('id="f-reason-1"') : html.index("</fieldset>", html.index('id="f-reason-1"'))]
    assert 'class="choices__conditional"' in item and 'id="f-reason_other"' in item
    assert resident.step("details", {**details, "reason": "resident", "reason_other": ""}).status_code == 302
    # an answer to a question that is no longer asked is not kept
    assert resident.step("details", {**details, "reason": "other", "reason_other": "I visit my mother"}).status_code == 302
    assert resident.step("details", {**details, "reason": "resident", "reason_other": "stale"}).status_code == 302
    resident.fill({k: v for k, v in valid_permit().items() if k != "details"})
    html = resident.check_page()[0].get_data(as_text=True)
    assert "I visit my mother" not in html and "stale" not in html


def test_a_step_asked_only_after_an_earlier_answer_with_file_checks(make_app: Any, tmp_path: Path) -> None:
    app = forms_app(make_app)
    resident = Applicant(app.test_client())
    pages = valid_permit(address={"disabled": "yes"})
    resident.fill(pages)
    assert resident.get(resident.url("check-answers")).headers["Location"].endswith("/apply/badge?missing=1")
    html = resident.get(resident.url("apply/badge?missing=1")).get_data(as_text=True)
    assert "Choose a file for: A photo or scan of your badge" in html
    assert 'enctype="multipart/form-data"' in html and 'accept=".pdf,.jpg,.png,.jpeg"' in html
    from io import BytesIO

    def upload(data: bytes, name: str) -> str:
        response = resident.client.post(
            resident.url("apply/badge"),
            data={"csrf_token": resident.token, "badge_scan": (BytesIO(data), name)},
            content_type="multipart/form-data",
        )
        return response.get_data(as_text=True) if response.status_code == 200 else response.headers["Location"]

    assert "The selected file must be a PDF, JPG or PNG" in upload(b"MZ\x90\x00 this is an exe", "badge.png")
    assert "The selected file must be a PDF, JPG or PNG" in upload(b"GIF89a" + b"\x00" * 10, "badge.gif")
    assert "The selected file must be smaller than 0.05 MB" in upload(PDF + b"\x00" * 60_000, "big.pdf")
    assert _count(app, Upload) == 0
    assert upload(PNG, "../../etc/My badge.png").endswith("/check-answers")
    stored = list((Path(app.config["DATA_DIR"]) / "uploads").iterdir())
    assert len(stored) == 1 and re.fullmatch(r"[0-9a-f]{32}", stored[0].name)
    assert stored[0].read_bytes() == PNG
    check = resident.check_page()
    assert "My badge.png" in check[0].get_data(as_text=True)
    # Coming back to the step keeps the file unless another is chosen
    again = resident.client.post(
        resident.url("apply/badge"), data={"csrf_token": resident.token}, content_type="multipart/form-data"
    )
    assert again.status_code == 302
    reference = reference_in(resident.send(check[1]).headers["Location"])
    with app.extensions["portal.db"].session() as s:
        up = s.scalars(select(Upload)).one()
        sub = s.scalars(select(Submission)).one()
        assert sub.reference == reference and up.submission_id == sub.id and up.kind == "png"
        assert sub.answers["badge_scan"]["filename"] == "My badge.png"


def test_sending_twice_gives_one_reference(make_app: Any) -> None:
    app = forms_app(make_app)
    resident = Applicant(app.test_client())
    resident.fill(valid_permit())
    _page, token = resident.check_page()
    first = resident.send(token)
    second = resident.send(token)  # double click / retry after a timeout
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    # the back button, then 'Send' again from the cached page
    assert resident.client.get(resident.url("apply/plate")).status_code == 302
    assert resident.send(token).headers["Location"] == first.headers["Location"]
    assert _count(app, Submission) == 1


def test_simultaneous_sends_of_one_form_store_one_submission(make_app: Any) -> None:
    app = forms_app(make_app)
    resident = Applicant(app.test_client())
    resident.fill(valid_permit())
    _page, token = resident.check_page()
    cookie = resident.client.get_cookie("portal_session")
    assert cookie is not None
    locations: list[str] = []

    def press() -> None:
        client = app.test_client()
        client.set_cookie("portal_session", cookie.value)
        locations.append(client.post(resident.url("check-answers"), data={"csrf_token": resident.token, "submit_token": token}).headers["Location"])

    threads = [threading.Thread(target=press) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(locations)) == 1 and _count(app, Submission) == 1


def test_a_post_without_csrf_token_is_refused(make_app: Any) -> None:
    app = forms_app(make_app)
    client = app.test_client()
    client.get("/en/services/permit/apply/about-you")
    response = client.post("/en/services/permit/apply/about-you", data={"full_name": "Ana", "email": "a@example.com"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Your answers could not be sent" in html and "reload the page" in html
    assert _count(app, Progress) == 0
    resident = Applicant(client)
    resident.fill(valid_permit())
    _page, token = resident.check_page()
    assert client.post(resident.url("check-answers"), data={"submit_token": token}).status_code == 400
    assert _count(app, Submission) == 0


def test_the_confirmation_is_only_for_the_browser_that_sent_it(make_app: Any) -> None:
    app = forms_app(make_app)
    reference = Applicant(app.test_client()).apply()
    other = app.test_client()
    assert other.get(f"/en/services/permit/sent/{reference}").status_code == 404


def test_change_links_return_to_check_your_answers(make_app: Any) -> None:
    resident = Applicant(forms_app(make_app).test_client())
    resident.fill(valid_permit())
    change = resident.get(resident.url("apply/plate?change=1")).get_data(as_text=True)
    assert 'value="ABC123"' in change
    assert 'class="back-link" href="/en/services/permit/check-answers"' in change
    response = resident.step("plate", {"plate_number": "XYZ987"}, change=1)
    assert response.headers["Location"].endswith("/check-answers")
    assert "XYZ987" in resident.check_page()[0].get_data(as_text=True)


def test_check_your_answers_sends_back_to_a_step_left_unfinished(make_app: Any) -> None:
    resident = Applicant(forms_app(make_app).test_client())
    pages = valid_permit()
    del pages["plate"]
    resident.fill(pages)
    response = resident.get(resident.url("check-answers"))
    assert response.headers["Location"].endswith("/apply/plate?missing=1")
    html = resident.get(response.headers["Location"]).get_data(as_text=True)
    assert "Enter an answer for: Plate number" in html


def test_prefill_from_the_signed_in_profile_drafts_and_your_applications(make_app: Any) -> None:
    app = forms_app(make_app)
    laptop = Applicant(app.test_client())
    sign_in(app, laptop.client)
    html = laptop.get(laptop.url("apply/about-you")).get_data(as_text=True)
    assert 'value="Maria Lopez"' in html and 'value="maria@example.com"' in html and 'value="+1 555 010 0199"' in html
    assert "Save and come back later" in html
    assert 'href="/en/applications"' in html  # in the header, for a signed-in resident
    html = laptop.get(laptop.url("apply/address")).get_data(as_text=True)
    assert 'value="22 Oak Ave"' in html and 'value="Riverton"' in html and 'value="WL"' in html and 'value="54321"' in html
    laptop.step("about-you", valid_permit()["about-you"])
    saved = laptop.step("plate", {"plate_number": "SAVED1", "action": "save"})
    assert saved.headers["Location"].endswith("/services/permit/saved")
    assert "Your answers have been saved" in laptop.client.get(saved.headers["Location"]).get_data(as_text=True)
    # Later, on another device: the draft is there
    phone = Applicant(app.test_client())
    sign_in(app, phone.client)
    listing = phone.get("/en/applications").get_data(as_text=True)
    assert "Not sent yet" in listing and "Apply for a parking permit" in listing
    resume = phone.get(phone.url("apply"))
    assert resume.headers["Location"].endswith("/apply/details")
    assert 'value="SAVED1"' in phone.get(phone.url("apply/plate")).get_data(as_text=True)
    pages = valid_permit()
    reference = phone.apply({k: v for k, v in pages.items() if k not in ("about-you", "plate")})
    listing = phone.get("/en/applications").get_data(as_text=True)
    assert reference in listing and "Not sent yet" not in listing
    # someone else signs in on the laptop: nothing of Maria's
    sign_in(app, laptop.client, subject="someone-else", claims={"name": "Someone Else"})
    assert reference not in laptop.get("/en/applications").get_data(as_text=True)
    assert laptop.client.get(f"/en/services/permit/sent/{reference}").status_code == 404


def test_your_applications_without_sign_in(make_app: Any) -> None:
    assert forms_app(make_app, OIDC_ISSUER="").test_client().get("/en/applications").status_code == 404  # sign-in off
    response = forms_app(make_app).test_client().get("/en/applications")
    assert response.status_code == 303 and response.headers["Location"] == "/auth/login?next=%2Fen%2Fapplications"


def test_a_service_that_needs_sign_in(make_app: Any) -> None:
    app = forms_app(make_app)
    response = app.test_client().get("/en/services/secure/apply/who")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/auth/login?next=") and "service=secure" in response.headers["Location"]
    resident = Applicant(app.test_client(), service="secure")
    sign_in(app, resident.client, subject="ana", claims={"name": "Ana"})
    assert 'value="Ana"' in resident.get(resident.url("apply/who")).get_data(as_text=True)


def test_forms_of_unknown_or_other_services_are_404(make_app: Any) -> None:
    client = forms_app(make_app).test_client()
    for url in ("/en/services/nope/apply", "/en/services/renew/apply", "/en/services/permit/apply/no-such-step"):
        assert client.get(url).status_code == 404, url


def test_check_your_answers_follows_the_order_of_the_steps(make_app: Any) -> None:
    resident = Applicant(forms_app(make_app).test_client())
    resident.fill(valid_permit())
    html = resident.check_page()[0].get_data(as_text=True)
    headings = re.findall(r"<h2[^>]*>([^<]+)</h2>", html)
    assert headings[:4] == ["About you", "Your vehicle", "Details", "Your address"]


def test_an_answer_taken_back_is_forgotten(make_app: Any) -> None:
    resident = Applicant(forms_app(make_app).test_client())
    resident.fill(valid_permit())
    assert "+1 555 010 0123" in resident.check_page()[0].get_data(as_text=True)
    resident.step("about-you", {**valid_permit()["about-you"], "phone": ""}, change=1)
    html = resident.check_page()[0].get_data(as_text=True)
    assert "+1 555 010 0123" not in html
    assert resident.step("details", {**valid_permit()["details"], "days": []}).status_code == 302
    assert "Monday" not in resident.check_page()[0].get_data(as_text=True)
