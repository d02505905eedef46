"""Search pages. (Placeholder matching until the Whoosh search lands: titles, summaries and keywords.)"""

from __future__ import annotations

from flask import Blueprint, render_template, request

from portal.web.context import catalog, pick
from portal.web.locale import localized_route

bp = Blueprint("search", __name__)


@localized_route(bp, "/search")
def results() -> str:
    query = request.args.get("q", "").strip()[:200]
    cat = catalog()
    words = query.casefold().split()
    found = []
    for s in cat.services.values():
        haystack = " ".join([pick(s.title).text, pick(s.summary).text, *pick(s.keywords)]).casefold()
        if all(w in haystack for w in words):
            found.append(s)
    return render_template("search/results.html", query=query, services=found)
