"""JSON for other tools: the catalog as data. A stable interface: fields are added, never renamed."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, request, url_for
from werkzeug.wrappers import Response

from portal.catalog import Catalog, Service
from portal.catalog.model import Contact, Form, Redirect, Text, TextList
from portal.web.context import catalog

bp = Blueprint("api", __name__, url_prefix="/api")


def _text(value: Text, locale: str | None) -> Any:
    return value.get(locale).text if locale else dict(value.values)


def _list(value: TextList, locale: str | None) -> Any:
    return list(value.get(locale)[0]) if locale else {k: list(v) for k, v in value.values.items()}


def _contact(contact: Contact, locale: str | None) -> dict[str, Any]:
    return {
        "phone": contact.phone or None,
        "email": contact.email or None,
        "url": contact.url or None,
        "address": _text(contact.address, locale) if contact.address.values else None,
        "hours": _text(contact.hours, locale) if contact.hours.values else None,
    }


def service_json(cat: Catalog, s: Service, locale: str | None) -> dict[str, Any]:
    delivery: dict[str, Any] = {"type": s.delivery.type}
    if isinstance(s.delivery, Redirect):
        delivery["url"] = _text(s.delivery.url, locale)
    elif isinstance(s.delivery, Form):
        delivery["pages"] = len(s.delivery.pages)
    return {
        "id": s.id,
        "agency": s.agency,
        "title": _text(s.title, locale),
        "summary": _text(s.summary, locale),
        "description": _text(s.description, locale) if s.description.values else None,
        "keywords": _list(s.keywords, locale),
        "categories": list(s.categories),
        "life_events": list(s.life_events),
        "audience": _text(s.audience, locale) if s.audience.values else None,
        "eligibility": _text(s.eligibility, locale) if s.eligibility.values else None,
        "documents": _list(s.documents, locale),
        "fees": _text(s.fees, locale) if s.fees.values else None,
        "processing_time": _text(s.processing_time, locale) if s.processing_time.values else None,
        "contact": _contact(cat.contact_for(s), locale),
        "sign_in": s.sign_in,
        "status": s.status,
        "last_reviewed": s.last_reviewed.isoformat() if s.last_reviewed else None,
        "delivery": delivery,
        "locales": [loc for loc in cat.locales if s.title.has(loc)],
        "url": url_for("pages.service", service_id=s.id, lang=locale or cat.default_locale, _external=True),
    }


def _locale_arg(cat: Catalog) -> str | None:
    lang = request.args.get("lang")
    if lang is None:
        return None
    if lang not in cat.locales:
        abort(400, description=f"lang must be one of: {', '.join(cat.locales)}")
    return lang


@bp.get("/services")
def services() -> Response:
    cat = catalog()
    locale = _locale_arg(cat)
    items = [service_json(cat, s, locale) for s in cat.services.values()]
    return jsonify({"total": len(items), "locale": locale, "services": items})


@bp.get("/services/<service_id>")
def service(service_id: str) -> Response:
    cat = catalog()
    found = cat.services.get(service_id)
    if found is None:
        abort(404, description=f"no service with id '{service_id}'")
    return jsonify(service_json(cat, found, _locale_arg(cat)))


@bp.get("/agencies")
def agencies() -> Response:
    cat = catalog()
    locale = _locale_arg(cat)
    return jsonify(
        {
            "total": len(cat.agencies),
            "agencies": [
                {
                    "id": a.id,
                    "name": _text(a.name, locale),
                    "acronym": a.acronym or None,
                    "url": a.url,
                    "domains": list(a.domains),
                    "services": [s.id for s in cat.services_of(a.id)],
                }
                for a in cat.agencies.values()
            ],
        }
    )
