"""Who is signed in on this request, and helpers other features call: `require_sign_in(service)`, `current_prefill()`.

The signed cookie (Flask's session, HttpOnly, SameSite=Lax, Secure) holds only a random session token and the
states of sign-ins this browser started; everything else lives in the database, so any worker can serve any request.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast
from urllib.parse import urlencode

from flask import current_app, g, redirect, request, session, url_for
from werkzeug.wrappers import Response

from portal.accounts import Accounts, SignedInSession, find_session, load_profile, prefill_values, satisfies
from portal.accounts.models import utcnow
from portal.catalog import Service
from portal.web.context import database

SESSION_KEY = "account"  # the session token of the signed-in resident
STARTED_KEY = "sign_in"  # states of sign-ins started in this browser (a few, for several tabs)
MAX_STARTED = 3


def accounts() -> Accounts:
    found = current_app.extensions.get("portal.accounts")
    return found if isinstance(found, Accounts) else Accounts()


def current_account() -> SignedInSession | None:
    """The signed-in resident's session, or None. Looked up once per request; a timed-out one is dropped."""
    if "account" in g:
        return cast(SignedInSession | None, g.account)
    token = session.get(SESSION_KEY, "")
    found = None
    registry = accounts()
    if token and registry.enabled:
        found = find_session(database(), token, now=utcnow(), timeouts=registry.timeouts)
    if token and found is None:
        session.pop(SESSION_KEY, None)
    g.account = found
    return found


def current_token() -> str:
    return str(session.get(SESSION_KEY, "") or "")


def current_prefill() -> dict[str, str]:
    """Form prefill values from the signed-in resident's profile (empty when nobody is signed in)."""
    account = current_account()
    return prefill_values(load_profile(database(), account.resident_id)) if account else {}


def here() -> str:
    """This page's path and query, to come back to after signing in."""
    query = request.query_string.decode("latin-1")
    return request.path + ("?" + query if query and request.method == "GET" else "")


def sign_in_url(return_to: str | None = None, service_id: str = "") -> str:
    params = {"next": return_to if return_to is not None else here()}
    if service_id:
        params["service"] = service_id
    return url_for("accounts.login") + "?" + urlencode(params)


def require_sign_in(service: Service) -> Response | None:
    """For views of a service: a redirect to sign in (or to step up to the service's `acr`) when the service needs
    it, else None. Use: `if (response := require_sign_in(service)) is not None: return response`."""
    if service.sign_in != "required":
        return None
    account = current_account()
    if account is not None:
        client = accounts().clients.get(account.provider)
        levels = client.settings.acr_levels if client else ()
        if satisfies(account.acr, service.acr, levels):
            return None
    return redirect(sign_in_url(service_id=service.id), 303)


def sign_in_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """For pages of the signed-in resident (the account page): anonymous visitors go to sign in first."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_account() is None:
            return redirect(sign_in_url(request.path), 303)
        return view(*args, **kwargs)

    return wrapper


def remember_started(state: str) -> None:
    started = [s for s in session.get(STARTED_KEY, []) if isinstance(s, str)]
    session[STARTED_KEY] = [*started, state][-MAX_STARTED:]


def take_started() -> list[str]:
    return [s for s in session.pop(STARTED_KEY, []) if isinstance(s, str)]


def sign_in_browser(token: str) -> None:
    """The new session's token goes in the cookie; the CSRF token is renewed with it (rotation at sign-in)."""
    session.pop("csrf_token", None)
    session[SESSION_KEY] = token
    g.pop("account", None)


def sign_out_browser() -> str:
    """Forget the signed-in session in this browser; returns its token so the caller can end it."""
    token = str(session.pop(SESSION_KEY, "") or "")
    session.pop("csrf_token", None)
    session.pop(STARTED_KEY, None)
    g.account = None
    return token


def account_nav() -> dict[str, Any]:
    """The header's account links (a template global)."""
    try:
        if not accounts().enabled:
            return {"enabled": False}
        signed_in = current_account() is not None
    except Exception:  # the header must render on error pages, even when the database is down
        return {"enabled": False}
    nav: dict[str, Any] = {"enabled": True, "signed_in": signed_in}
    if signed_in:
        from flask_wtf.csrf import generate_csrf

        nav["account_url"] = url_for("accounts.account")
        nav["sign_out_url"] = url_for("accounts.logout", token=generate_csrf())
    else:
        back = here() if not request.path.startswith("/auth/") else "/"
        nav["sign_in_url"] = sign_in_url(back)
    return nav
