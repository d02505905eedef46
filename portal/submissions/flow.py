"""Moving through a form: which step comes next, which one still needs answers, who gets the receipt."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from portal.catalog.model import Form, FormPage
from portal.i18n import _

from .store import Receipt
from .validation import FieldError, check_answers, is_visible, visible_pages


def find_page(form: Form, page_id: str) -> FormPage | None:
    return next((p for p in form.pages if p.id == page_id), None)


def first_page(form: Form, answers: Mapping[str, Any]) -> FormPage:
    pages = visible_pages(form, answers)
    return pages[0] if pages else form.pages[0]


def next_page(form: Form, page: FormPage, answers: Mapping[str, Any]) -> FormPage | None:
    """The next step that asks anything, given the answers so far; None when the next stop is 'check your answers'."""
    later = form.pages[form.pages.index(page) + 1 :]
    return next((p for p in later if any(is_visible(form, f, answers) for f in p.fields)), None)


def previous_page(form: Form, page: FormPage, answers: Mapping[str, Any]) -> FormPage | None:
    earlier = form.pages[: form.pages.index(page)]
    return next((p for p in reversed(earlier) if any(is_visible(form, f, answers) for f in p.fields)), None)


def first_unfinished(
    form: Form, answers: Mapping[str, Any], locale: str, today: dt.date
) -> tuple[FormPage, list[FieldError]] | None:
    """The first step whose answers are missing or no longer valid, with what is wrong; None when all is ready."""
    problems = check_answers(form, answers, locale, today)
    for page in form.pages:
        if page.id in problems:
            return page, problems[page.id]
    return None


def receipt_address(form: Form, answers: Mapping[str, Any], profile: Mapping[str, Any]) -> str:
    """Where the receipt goes: the first email address the resident gave in the form, else their profile's."""
    for f in form.fields():
        if f.type == "email" and isinstance(answers.get(f.id), str) and is_visible(form, f, answers):
            return str(answers[f.id])
    return str(profile.get("email") or "")


def receipt(to: str, reference: str, service_title: str, agency_name: str, contact: str) -> Receipt:
    """The receipt email, in the language of the current request (the resident's)."""
    paragraphs = [
        _("We have received your application: %(service)s.", service=service_title),
        _("Your reference number is %(reference)s", reference=reference),
        _("Quote this reference if you contact %(agency)s about your application.", agency=agency_name),
        _("We are sending your application to %(agency)s. They will contact you about what happens next.", agency=agency_name),
    ]
    if contact:
        paragraphs.append(_("Contact %(agency)s: %(contact)s", agency=agency_name, contact=contact))
    paragraphs.append(_("This email was sent automatically. Please do not reply to it."))
    subject = _("Application received: %(reference)s", reference=reference)
    return Receipt(to=to, subject=subject, body="\n\n".join(paragraphs) + "\n")
