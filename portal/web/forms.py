"""Hosted forms, the GOV.UK way: start -> one step per page -> check your answers -> confirmation.

Answers in progress live in the database under a random id that the (signed) session cookie carries, so any
web worker can serve the next step. Every page works without JavaScript.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError
from werkzeug.wrappers import Response

from portal.accounts import load_profile
from portal.accounts.models import Resident
from portal.catalog import Service
from portal.catalog.model import Form, FormPage
from portal.submissions import flow, store
from portal.submissions.fields import answer_rows, answer_sections, page_view, prefill_value, raw_from_answer
from portal.submissions.parsing import Posted, PostedFile
from portal.submissions.validation import FieldError, validate_page
from portal.web.context import catalog, database, pick
from portal.web.locale import localized_route
from portal.web.signed_in import accounts, current_account, require_sign_in, sign_in_required

bp = Blueprint("forms", __name__)

PROGRESS_KEY = "forms"  # {service_id: progress id}
SENT_KEY = "forms_sent"  # references sent from this browser session (the confirmation page shows only these)


# ---- helpers: the service, the progress, the request --------------------------------------------------------


def _form_or_404(service_id: str) -> tuple[Service, Form]:
    service = catalog().services.get(service_id)
    if service is None or not isinstance(service.delivery, Form) or not service.active:
        abort(404)
    return service, service.delivery


def _today() -> dt.date:
    return dt.date.today()


def _resident_id() -> str | None:
    """The signed-in resident as their drafts and applications are kept: by provider and subject, not by row id,
    so a new account can never inherit a deleted one's applications."""
    account = current_account()
    if account is None:
        return None
    if "forms_resident" not in g:
        with database().session() as s:
            row = s.get(Resident, account.resident_id)
            g.forms_resident = store.resident_key(row.provider, row.subject) if row is not None else None
    return cast(str | None, g.forms_resident)


def _profile() -> dict[str, Any]:
    """The signed-in resident's profile by prefill name; the address as its parts, for the address question."""
    account = current_account()
    profile = load_profile(database(), account.resident_id) if account is not None else None
    if profile is None:
        return {}
    return {
        "name": profile.name,
        "given_name": profile.given_name,
        "family_name": profile.family_name,
        "email": profile.email,
        "phone": profile.phone,
        "address": {
            "street_address": profile.street_address,
            "locality": profile.locality,
            "region": profile.region,
            "postal_code": profile.postal_code,
        },
    }


def _progress(service_id: str) -> store.ProgressState | None:
    progress_id = session.get(PROGRESS_KEY, {}).get(service_id)
    progress = store.load_progress(database(), progress_id, service_id)
    if progress is not None and progress.resident_id and progress.resident_id != _resident_id():
        return None  # someone else signed in on this browser: their answers are not ours
    return progress


def _remember(service_id: str, progress_id: str | None) -> None:
    kept = dict(session.get(PROGRESS_KEY, {}))
    if progress_id:
        kept[service_id] = progress_id
    else:
        kept.pop(service_id, None)
    session[PROGRESS_KEY] = kept


def _remember_sent(reference: str) -> None:
    session[SENT_KEY] = [*session.get(SENT_KEY, [])[-9:], reference]


def _posted() -> Posted:
    files = {
        name: PostedFile(storage.filename or "", storage.read())
        for name, storage in request.files.items()
        if storage is not None and (storage.filename or "")
    }
    return Posted({k: request.form.getlist(k) for k in request.form}, files)


def _step_url(service_id: str, page: FormPage, **args: Any) -> str:
    return url_for("forms.step", service_id=service_id, page_id=page.id, **args)


# ---- views --------------------------------------------------------------------------------------------------


@localized_route(bp, "/services/<service_id>/apply")
def start(service_id: str) -> Response:
    """Start (or pick up where the resident left off: this session's answers, or a signed-in resident's draft)."""
    service, form = _form_or_404(service_id)
    if (must_sign_in := require_sign_in(service)) is not None:
        return must_sign_in
    resident_id = _resident_id()
    progress = _progress(service_id)
    if (progress is None or progress.reference) and resident_id is not None:
        progress = store.find_draft(database(), service_id, resident_id)
    if progress is None or progress.reference:
        _remember(service_id, None)
        return redirect(_step_url(service_id, flow.first_page(form, {})))
    _remember(service_id, progress.id)
    unfinished = flow.first_unfinished(form, progress.answers, g.locale, _today())
    if unfinished is None:
        return redirect(url_for("forms.check", service_id=service_id))
    return redirect(_step_url(service_id, unfinished[0]))


@localized_route(bp, "/services/<service_id>/apply/<page_id>", methods=["GET", "POST"])
def step(service_id: str, page_id: str) -> Response | str | tuple[str, int]:
    service, form = _form_or_404(service_id)
    page = flow.find_page(form, page_id) or abort(404)
    if (must_sign_in := require_sign_in(service)) is not None:
        return must_sign_in
    resident_id = _resident_id()
    progress = _progress(service_id)
    if progress is not None and progress.reference:  # sent already (back button): show what happened
        return redirect(url_for("forms.confirmation", service_id=service_id, reference=progress.reference))
    answers = progress.answers if progress else {}
    if request.method == "GET":
        values = _values_for(page, answers)
        return _render_step(service, form, page, answers, values, _missing_on(form, page, answers))
    result = validate_page(form, page, _posted(), answers, g.locale, _today())
    saving = request.form.get("action") == "save" and resident_id is not None
    if result.errors and not saving:
        return _render_step(service, form, page, answers, result.raw, result.errors)
    progress_id = store.save_answers(
        database(),
        progress_id=progress.id if progress else None,
        service_id=service_id,
        resident_id=resident_id,
        answers=result.answers,
        remove=result.cleared,
        files=result.files,
        data_dir=current_app.config["DATA_DIR"],
        draft=True if saving else None,
    )
    _remember(service_id, progress_id)
    if saving:
        return redirect(url_for("forms.saved", service_id=service_id))
    merged = {**{k: v for k, v in answers.items() if k not in result.cleared}, **result.answers}
    following = flow.next_page(form, page, merged)
    if following is None or request.args.get("change"):
        return redirect(url_for("forms.check", service_id=service_id))
    return redirect(_step_url(service_id, following))


def _values_for(page: FormPage, answers: dict[str, Any]) -> dict[str, Any]:
    """What the inputs show: the stored answer, else (first visit, signed in) the resident's profile."""
    profile = _profile() if any(f.prefill for f in page.fields) else {}
    values = {}
    for f in page.fields:
        if f.id in answers:
            values[f.id] = raw_from_answer(f, answers[f.id])
        elif profile:
            values[f.id] = prefill_value(f, profile)
    return values


def _missing_on(form: Form, page: FormPage, answers: dict[str, Any]) -> list[FieldError]:
    """Sent back from 'check your answers' to fix something: show what is missing on this step."""
    if not request.args.get("missing"):
        return []
    unfinished = flow.first_unfinished(form, answers, g.locale, _today())
    return unfinished[1] if unfinished is not None and unfinished[0].id == page.id else []


def _render_step(
    service: Service, form: Form, page: FormPage, answers: dict[str, Any], values: dict[str, Any], errors: list[FieldError]
) -> tuple[str, int]:
    before = flow.previous_page(form, page, answers)
    back = _step_url(service.id, before) if before else url_for("pages.service", service_id=service.id)
    change = bool(request.args.get("change"))
    html = render_template(
        "forms/step.html",
        service=service,
        page=page,
        fields=page_view(form, page, g.locale, values, answers, {e.field: e.message for e in errors}),
        errors=errors,
        back_url=url_for("forms.check", service_id=service.id) if change else back,
        change=change,
        can_save=current_account() is not None,
        multipart=any(f.type == "file" for f in page.fields),
        step_number=form.pages.index(page) + 1,
        step_count=len(form.pages),
    )
    return html, 200


@localized_route(bp, "/services/<service_id>/check-answers", methods=["GET", "POST"])
def check(service_id: str) -> Response | str:
    service, form = _form_or_404(service_id)
    progress = _progress(service_id)
    if request.method == "POST":
        token = request.form.get("submit_token", "")
        sent = store.submitted_reference(database(), token) if token else None
        if sent is not None:  # a second press of 'Send', a retry, the back button: the same reference
            _remember_sent(sent)
            return redirect(url_for("forms.confirmation", service_id=service_id, reference=sent), 303)
    if progress is None:
        return redirect(url_for("forms.start", service_id=service_id))
    if progress.reference:
        return redirect(url_for("forms.confirmation", service_id=service_id, reference=progress.reference), 303)
    unfinished = flow.first_unfinished(form, progress.answers, g.locale, _today())
    if unfinished is not None:
        return redirect(_step_url(service_id, unfinished[0], missing=1))
    if request.method == "POST":
        return _send(service, form, progress)
    token = store.issue_submit_token(database(), progress.id)
    sections = answer_sections(form, progress.answers, g.locale)
    return render_template("forms/check.html", service=service, form=form, sections=sections, submit_token=token)


def _send(service: Service, form: Form, progress: store.ProgressState) -> Response:
    if request.form.get("submit_token") != progress.submit_token:
        return redirect(url_for("forms.check", service_id=service.id))  # an old tab: show the answers again
    resident_id = _resident_id()
    to = flow.receipt_address(form, progress.answers, _profile() if resident_id else {})
    agency = catalog().agencies[service.agency]
    contact = catalog().contact_for(service)
    reference = store.submit(
        database(),
        progress_id=progress.id,
        token=progress.submit_token or "",
        service=service,
        form=form,
        locale=g.locale,
        resident_id=resident_id,
        receipt=(lambda ref: flow.receipt(to, ref, pick(service.title).text, pick(agency.name).text, contact.phone or contact.email))
        if to
        else None,
        give_up_after=dt.timedelta(hours=float(current_app.config["DELIVERY_GIVE_UP_HOURS"])),
    )
    _remember_sent(reference)
    return redirect(url_for("forms.confirmation", service_id=service.id, reference=reference), 303)


@localized_route(bp, "/services/<service_id>/sent/<reference>")
def confirmation(service_id: str, reference: str) -> str:
    service, form = _form_or_404(service_id)
    sub = store.get_submission(database(), reference)
    resident_id = _resident_id()
    mine = reference in session.get(SENT_KEY, []) or (sub is not None and resident_id and sub.resident_id == resident_id)
    if sub is None or sub.service_id != service_id or not mine:
        abort(404)
    return render_template(
        "forms/confirmation.html",
        service=service,
        agency=catalog().agencies[service.agency],
        contact=catalog().contact_for(service),
        submission=sub,
        rows=answer_rows(form, sub.answers, g.locale),
        receipt_to=flow.receipt_address(form, sub.answers, _profile() if resident_id else {}),
        signed_in=resident_id is not None,
    )


@localized_route(bp, "/services/<service_id>/saved")
@sign_in_required
def saved(service_id: str) -> str:
    service, _form = _form_or_404(service_id)
    return render_template("forms/saved.html", service=service)


@localized_route(bp, "/applications")
def applications() -> Response | str:
    """'Your applications': what a signed-in resident sent, where it is, and what they have not finished."""
    if not accounts().enabled:
        abort(404)
    return _applications()


@sign_in_required
def _applications() -> str:
    resident_id = _resident_id() or ""
    cat = catalog()
    return render_template(
        "forms/applications.html",
        submissions=store.resident_submissions(database(), resident_id),
        drafts=[d for d in store.resident_drafts(database(), resident_id) if d.service_id in cat.services],
        services=cat.services,
    )


def configure_forms(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.errorhandler(CSRFError)
    def csrf_refused(error: CSRFError) -> tuple[Any, int]:
        if request.path.startswith("/api/"):
            return {"error": "Bad Request", "status": 400, "message": error.description}, 400
        return render_template("forms/csrf_error.html", reason=error.description), 400
