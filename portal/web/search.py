"""Search: the results page, the result-click counter, and the JSON search and suggest APIs.

`GET /api/search?q=&lang=&agency=&category=&life_event=&page=` and `GET /api/suggest?q=&lang=` are a stable
interface other tools script against: fields are added, never renamed.
"""

from __future__ import annotations

import json
from typing import Any, cast
from urllib.parse import quote

from flask import Blueprint, abort, current_app, g, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from portal.catalog import Catalog
from portal.catalog.memo import per_catalog
from portal.search import Hit, IndexMissing, Request, Results, SearchEngine
from portal.search.cache import LRUCache
from portal.search.log import SearchLog
from portal.web.context import catalog
from portal.web.locale import localized_route

bp = Blueprint("search", __name__)
api_bp = Blueprint("search_api", __name__, url_prefix="/api")

FACET_PARAMS = {"agency": "agency", "category": "category", "life_event": "life_event"}
MAX_FILTER_VALUES = 20


def engine() -> SearchEngine:
    return cast(SearchEngine, current_app.extensions["portal.search"])


def search_log() -> SearchLog:
    return cast(SearchLog, current_app.extensions["portal.search_log"])


def _values(name: str) -> tuple[str, ...]:
    values = {v for raw in request.args.getlist(name) for v in raw.split(",") if v}
    return tuple(sorted(values))[:MAX_FILTER_VALUES]


def _page() -> int:
    try:
        return max(1, min(int(request.args.get("page", "1")), 1000))
    except ValueError:
        return 1


def _search_request(locale: str) -> Request:
    return Request(
        query=request.args.get("q", ""),
        locale=locale,
        agencies=_values("agency"),
        categories=_values("category"),
        life_events=_values("life_event"),
        page=_page(),
        page_size=int(current_app.config["SEARCH_PAGE_SIZE"]),
    )


def _run(cat: Catalog, search: Request) -> Results:
    try:
        results = engine().search(cat, search)
    except IndexMissing:
        abort(503, description="Search is being prepared. Please try again in a minute.")
    if results.query and search.page == 1 and not any(search.filters().values()):
        search_log().searched(search.locale, results.query, results.total)
    return results


class Links:
    """A result's links, by filling its id into links built once per page (url_for costs ~0.1 ms a call)."""

    _ID = "__service__"

    def __init__(self, locale: str, query: str, *, external: bool = False) -> None:
        self.page = url_for("pages.service", service_id=self._ID, lang=locale, _external=external)
        self.click = url_for("search.click", service_id=self._ID, lang=locale, q=query or None)

    def service(self, service_id: str) -> str:
        return self.page.replace(self._ID, quote(service_id, safe=""), 1)

    def chosen(self, service_id: str) -> str:
        return self.click.replace(self._ID, quote(service_id, safe=""), 1)


def result_view(cat: Catalog, hit: Hit, locale: str, links: Links) -> dict[str, Any]:
    service = cat.services[hit.service_id]
    return {
        "id": service.id,
        "service": service,
        "title": service.title.get(locale),
        "summary": service.summary.get(locale),
        "agency": service.agency,
        "agency_name": cat.agencies[service.agency].name.get(locale),
        "url": links.service(service.id),
        "click_url": links.chosen(service.id),
        "score": hit.score,
        "pinned": hit.pinned,
    }


@per_catalog()
def facet_labels(cat: Catalog, locale: str) -> dict[str, dict[str, str]]:
    """Names of every agency, category and life event in a language, once per catalog."""
    return {
        "agency": {a.id: a.name.get(locale).text for a in cat.agencies.values()},
        "category": {c.id: c.name.get(locale).text for c in cat.categories.values()},
        "life_event": {e.id: e.name.get(locale).text for e in cat.life_events.values()},
    }


@localized_route(bp, "/search")
def results() -> str:
    cat = catalog()
    search = _search_request(g.locale)
    found = _run(cat, search)
    links = Links(g.locale, found.query)
    return render_template(
        "search/results.html",
        query=found.query,
        results=found,
        items=[result_view(cat, h, g.locale, links) for h in found.hits],
        labels=facet_labels(cat, g.locale),
        page_url=lambda page: _url_with(page=page),
        suggestion_url=url_for("search.results", q=found.suggestion) if found.suggestion else None,
        search_id="results",
    )


def _url_with(**changes: Any) -> str:
    args: dict[str, Any] = {k: request.args.getlist(k) for k in request.args}
    for key, value in changes.items():
        args[key] = value
    return url_for("search.results", **{k: v for k, v in args.items() if v not in (None, [], "")})


@localized_route(bp, "/search/go/<service_id>")
def click(service_id: str) -> Response:
    """A chosen result: count it against the query, then go to the service's page on this site (never elsewhere)."""
    cat = catalog()
    if service_id not in cat.services:
        abort(404)
    query = request.args.get("q", "")
    if query:
        search_log().clicked(g.locale, query, service_id)
    response = redirect(url_for("pages.service", service_id=service_id), 303)
    response.headers["Cache-Control"] = "no-store"
    return response


# --- JSON ------------------------------------------------------------------------------------------------------


def _api_locale(cat: Catalog) -> str:
    lang = request.args.get("lang") or cat.default_locale
    if lang not in cat.locales:
        abort(400, description=f"lang must be one of: {', '.join(cat.locales)}")
    g.locale = lang
    return lang


def _responses() -> LRUCache[tuple[bytes, int]]:
    cache = current_app.extensions.get("portal.search_responses")
    if cache is None:
        cache = current_app.extensions["portal.search_responses"] = LRUCache(
            int(current_app.config["SEARCH_CACHE_SIZE"])
        )
    return cast(LRUCache[tuple[bytes, int]], cache)


@api_bp.get("/search")
def api_search() -> Response:
    """Hot queries are answered from a cache of finished responses, keyed by the index and catalog serving them."""
    cat = catalog()
    locale = _api_locale(cat)
    search = _search_request(locale)
    key = (engine().serving, engine().ranking()[0], cat.digest, search, request.host_url)
    cached = _responses().get(key)
    if cached is None:
        cached = _api_search_body(cat, search)
        _responses().put(key, cached)
    body, total = cached
    if search.page == 1 and not any(search.filters().values()):
        search_log().searched(locale, search.query, total)
    return Response(body, mimetype="application/json")


def _api_search_body(cat: Catalog, search: Request) -> tuple[bytes, int]:
    locale = search.locale
    try:
        found = engine().search(cat, search)
    except IndexMissing:
        abort(503, description="Search is being prepared. Please try again in a minute.")
    labels = facet_labels(cat, locale)
    items = []
    links = Links(locale, found.query, external=True)
    for hit in found.hits:
        view = result_view(cat, hit, locale, links)
        items.append(
            {
                "id": view["id"],
                "title": view["title"].text,
                "summary": view["summary"].text,
                "agency": view["agency"],
                "url": view["url"],
                "score": view["score"],
            }
        )
    facets = {
        name: [
            {
                "value": v.value,
                "label": labels[name].get(v.value, v.value),
                "count": v.count,
                "selected": v.selected,
            }
            for v in values
        ]
        for name, values in found.facets.items()
    }
    data = {
        "query": found.query,
        "locale": locale,
        "total": found.total,
        "results": items,
        "suggestion": found.suggestion,
        "facets": facets,
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), found.total


@api_bp.get("/suggest")
def api_suggest() -> Response:
    cat = catalog()
    locale = _api_locale(cat)
    query = request.args.get("q", "")[:200]
    hits: list[Hit] = []
    if len(query.strip()) >= 2:
        try:
            hits = engine().suggest(cat, query, locale)
        except IndexMissing:
            hits = []
    suggestions = []
    for hit in hits:
        service = cat.services[hit.service_id]
        title = service.title.get(locale)
        suggestions.append(
            {
                "id": service.id,
                "title": title.text,
                "lang": title.lang,
                "url": url_for("pages.service", service_id=service.id, lang=locale),
            }
        )
    response = jsonify({"query": query, "locale": locale, "suggestions": suggestions})
    response.headers["Cache-Control"] = "private, max-age=60"
    return response
