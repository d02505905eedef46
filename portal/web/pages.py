"""The pages a resident reads: home, browse, agencies, services, and the Start hand-off."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, g, redirect, render_template, url_for
from werkzeug.wrappers import Response

from portal.catalog import Service
from portal.catalog.model import Form, Redirect
from portal.catalog.spec import host_of
from portal.services import record_start
from portal.web.context import catalog, database, pick
from portal.web.locale import bare_ok, localized_route

bp = Blueprint("pages", __name__)


def _service_or_404(service_id: str) -> Service:
    service = catalog().services.get(service_id)
    if service is None:
        abort(404)
    return service


def _sorted_services(services: list[Service]) -> list[Service]:
    return sorted(services, key=lambda s: (not s.active, pick(s.title).text.casefold()))


@localized_route(bp, "/")
def home() -> str:
    cat = catalog()
    counts_by_event = dict.fromkeys(cat.life_events, 0)
    counts_by_category = dict.fromkeys(cat.categories, 0)
    for s in cat.services.values():
        for e in s.life_events:
            counts_by_event[e] += 1
        for c in s.categories:
            counts_by_category[c] += 1
    return render_template(
        "pages/home.html",
        life_events=[e for e in cat.life_events.values() if counts_by_event[e.id]],
        categories=[c for c in cat.categories.values() if counts_by_category[c.id]],
        counts_by_event=counts_by_event,
        counts_by_category=counts_by_category,
    )


@localized_route(bp, "/agencies")
def agencies() -> str:
    cat = catalog()
    by_letter: dict[str, list] = {}
    for agency in sorted(cat.agencies.values(), key=lambda a: pick(a.name).text.casefold()):
        letter = pick(agency.name).text[:1].upper()
        by_letter.setdefault(letter, []).append(agency)
    return render_template("pages/agencies.html", by_letter=by_letter)


@localized_route(bp, "/agencies/<agency_id>")
def agency(agency_id: str) -> str:
    cat = catalog()
    found = cat.agencies.get(agency_id)
    if found is None:
        abort(404)
    return render_template("pages/agency.html", agency=found, services=_sorted_services(cat.services_of(agency_id)))


@localized_route(bp, "/life-events/<event_id>")
def life_event(event_id: str) -> str:
    cat = catalog()
    event = cat.life_events.get(event_id)
    if event is None:
        abort(404)
    services = [s for s in cat.services.values() if event_id in s.life_events]
    return render_template("pages/topic.html", topic=event, services=_sorted_services(services))


@localized_route(bp, "/categories/<category_id>")
def category(category_id: str) -> str:
    cat = catalog()
    topic = cat.categories.get(category_id)
    if topic is None:
        abort(404)
    services = [s for s in cat.services.values() if category_id in s.categories]
    return render_template("pages/topic.html", topic=topic, services=_sorted_services(services))


@localized_route(bp, "/services/<service_id>")
def service(service_id: str) -> str:
    cat = catalog()
    found = _service_or_404(service_id)
    start_host = ""
    if isinstance(found.delivery, Redirect):
        start_host = host_of(found.delivery.start_url(g.locale))
    return render_template(
        "pages/service.html",
        service=found,
        agency=cat.agencies[found.agency],
        contact=cat.contact_for(found),
        start_host=start_host,
        is_form=isinstance(found.delivery, Form),
        categories=[cat.categories[c] for c in found.categories],
        life_events=[cat.life_events[e] for e in found.life_events],
    )


@bp.route("/go/<service_id>", defaults={"lang": None})
@bp.route("/<lang>/go/<service_id>")
@bare_ok
def go(service_id: str) -> Response:
    """Start: count the click, then 302 to the URL the agency registered; never to anything from the request."""
    found = _service_or_404(service_id)
    if not found.active or not isinstance(found.delivery, Redirect):
        return redirect(url_for("pages.service", service_id=found.id), 303)
    record_start(database(), found.id, dt.date.today())
    target = found.delivery.start_url(g.locale)
    response = redirect(target, 302)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
