"""Language in the URL: every page lives at /<lang>/..., and the bare path picks a language and redirects.

`localized_route` registers a view twice: once under `/<lang>` (the canonical URL) and once bare. The bare form
redirects to the canonical URL in the language chosen by cookie, then Accept-Language, then the catalog default.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, abort, current_app, g, redirect, request, url_for
from werkzeug.wrappers import Response

from portal.i18n import negotiate

LANG_COOKIE = "lang"
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600


def localized_route(bp: Blueprint, rule: str, **options: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        endpoint = options.pop("endpoint", view.__name__)
        bp.add_url_rule(rule, endpoint, view, defaults={"lang": None}, **options)
        bp.add_url_rule("/<lang>" + rule, endpoint, view, **options)
        return view

    return decorator


def supported_locales() -> tuple[str, ...]:
    from portal.web.context import catalog

    return catalog().locales


def default_locale() -> str:
    from portal.web.context import catalog

    return catalog().default_locale


def chosen_locale() -> str:
    """The language for a request whose URL names none: cookie, then Accept-Language, then default."""
    supported = supported_locales()
    cookie = request.cookies.get(LANG_COOKIE, "")
    if cookie in supported:
        return cookie
    accepted = [value for value, _quality in request.accept_languages]
    return negotiate(accepted, supported, default_locale())


def pull_lang(endpoint: str | None, values: dict[str, Any] | None) -> None:
    lang = values.pop("lang", None) if values else None
    g.lang_in_url = lang is not None
    if endpoint is None:
        # No route matched (a 404 is coming): still answer in the language the address names, if any.
        first = request.path.lstrip("/").split("/", 1)[0]
        g.locale = first if first in supported_locales() else chosen_locale()
        return
    if lang is None:
        g.locale = chosen_locale() if request.endpoint != "static" else "en"
        return
    if lang not in supported_locales():
        g.locale = chosen_locale()
        abort(404)
    g.locale = lang


def add_lang(endpoint: str, values: dict[str, Any]) -> None:
    if "lang" in values or not endpoint:
        return
    if current_app.url_map.is_endpoint_expecting(endpoint, "lang"):
        values["lang"] = g.get("locale") or default_locale()


def redirect_bare_pages() -> Response | None:
    """GET on a bare page URL -> the same page under the chosen language (302, varies by cookie/Accept-Language)."""
    if g.get("lang_in_url", True) or request.method not in ("GET", "HEAD") or request.endpoint is None:
        return None
    view = current_app.view_functions.get(request.endpoint)
    if view is None or getattr(view, "bare_ok", False):
        return None
    if not current_app.url_map.is_endpoint_expecting(request.endpoint, "lang"):
        return None
    target = url_for(request.endpoint, **(request.view_args or {}), lang=g.locale)
    if request.query_string:
        target += "?" + urlencode(list(request.args.items(multi=True)))
    response = redirect(target, 302)
    response.headers["Vary"] = "Cookie, Accept-Language"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def remember_lang(response: Response) -> Response:
    if g.get("lang_in_url") and request.cookies.get(LANG_COOKIE) != g.get("locale"):
        response.set_cookie(
            LANG_COOKIE,
            g.locale,
            max_age=LANG_COOKIE_MAX_AGE,
            secure=current_app.config["COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
    return response


def bare_ok(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view that works on its bare URL without redirecting (e.g. /go/<id>)."""
    view.bare_ok = True  # type: ignore[attr-defined]
    return view


def configure_locale(app: Flask) -> None:
    app.url_value_preprocessor(pull_lang)
    app.url_defaults(add_lang)
    app.before_request(redirect_bare_pages)
    app.after_request(remember_lang)
