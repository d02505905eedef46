"""Sign-in and "Your account": the stable paths /auth/login, /auth/callback, /auth/logout, /auth/signed-out (not
language-prefixed: providers and operators register them), and /<lang>/account with its export and delete pages."""

from __future__ import annotations

import json
import logging

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_wtf.csrf import generate_csrf, validate_csrf
from werkzeug.wrappers import Response
from wtforms import ValidationError

from portal.accounts import (
    SignInError,
    begin_sign_in,
    delete_resident,
    end_session,
    export_profile,
    finish_sign_in,
    load_profile,
    safe_return_path,
    satisfies,
    update_profile,
)
from portal.accounts.models import utcnow
from portal.i18n import current_locale
from portal.web.account_forms import ProfileForm, form_to_profile
from portal.web.context import catalog, database, pick
from portal.web.locale import localized_route
from portal.web.signed_in import (
    accounts,
    current_account,
    current_token,
    remember_started,
    sign_in_browser,
    sign_in_required,
    sign_out_browser,
    take_started,
)

log = logging.getLogger(__name__)
bp = Blueprint("accounts", __name__)


@bp.after_request
def private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = (
        "no-referrer"  # /auth/callback?code=... must not leak to the next site
    )
    return response


def external_url(endpoint: str) -> str:
    """An address the provider sends the resident back to: on PORTAL_BASE_URL when set (behind a proxy)."""
    base = str(current_app.config.get("BASE_URL") or "").rstrip("/")
    return base + url_for(endpoint) if base else url_for(endpoint, _external=True)


def refused(reason: str, provider: str = "") -> tuple[str, int]:
    """A sign-in that did not happen, explained; `reason` is a SignInError reason or one of this module's."""
    if reason not in ("cancelled", "return_to"):
        log.warning("sign-in refused: %s%s", reason, f" (provider {provider})" if provider else "")
    client = accounts().clients.get(provider)
    status = 502 if reason in ("unreachable", "discovery", "discovery_issuer", "keys") else 400
    return render_template(
        "accounts/refused.html", reason=reason, provider=client.settings.label if client else ""
    ), status


@bp.get("/auth/login")
def login() -> Response | tuple[str, int] | str:
    return_to = safe_return_path(request.args.get("next"))
    if return_to is None:
        return refused("return_to")
    registry = accounts()
    service = catalog().services.get(request.args.get("service", ""))
    account = current_account()
    chosen = request.args.get("provider", "") or (account.provider if account else "")
    if not chosen and len(registry.clients) == 1:
        chosen = next(iter(registry.clients))
    client = registry.clients.get(chosen)
    if client is None:
        return render_template(
            "accounts/sign_in.html", providers=registry.providers, return_to=return_to, service=service
        )
    required = service.acr if service and service.sign_in == "required" else ""
    same_provider = account is not None and account.provider == client.name
    if same_provider and satisfies(account.acr if account else "", required, client.settings.acr_levels):
        return redirect(return_to, 303)
    try:
        start = begin_sign_in(
            database(),
            client,
            redirect_uri=external_url("accounts.callback"),
            return_to=return_to,
            now=utcnow(),
            ui_locales=current_locale(),
            acr_values=(required,) if required else client.settings.acr_values,
            step_up=same_provider,
            service_id=service.id if service else "",
            required_acr=required,
        )
    except SignInError as exc:
        return refused(exc.reason, exc.provider)
    remember_started(start.state)
    return redirect(start.url, 303)


@bp.get("/auth/callback")
def callback() -> Response | tuple[str, int]:
    try:
        done = finish_sign_in(
            database(),
            accounts().clients,
            params=request.args.to_dict(),
            started_states=take_started(),
            now=utcnow(),
            language=current_locale(),
            previous_session=current_token(),  # ended on success: the session is rotated
            timeouts=accounts().timeouts,
        )
    except SignInError as exc:
        return refused(exc.reason, exc.provider)
    sign_in_browser(done.session_token)
    if not done.assurance_met:
        service = catalog().services.get(done.service_id)
        return render_template(
            "accounts/assurance.html", service=service, title=pick(service.title).text if service else ""
        ), 403
    return redirect(done.return_to, 303)


@bp.get("/auth/logout")
def logout() -> Response | str:
    if current_account() is None:
        sign_out_browser()
        return redirect(url_for("accounts.signed_out"), 303)
    try:
        validate_csrf(request.args.get("token", ""))
    except ValidationError:  # a link from elsewhere: ask, rather than sign out on someone else's say-so
        return render_template(
            "accounts/sign_out.html", sign_out_url=url_for("accounts.logout", token=generate_csrf())
        )
    ended = end_session(database(), sign_out_browser())
    client = accounts().clients.get(ended.provider) if ended else None
    target = ""
    if ended is not None and client is not None:
        target = client.logout_url(
            id_token_hint=ended.id_token,
            post_logout_redirect_uri=external_url("accounts.signed_out"),
            ui_locales=current_locale(),
        )
    log.info("resident signed out%s", " (and at the provider)" if target else "")
    return redirect(target or url_for("accounts.signed_out"), 303)


@bp.get("/auth/signed-out")
def signed_out() -> str:
    return render_template("accounts/signed_out.html")


@localized_route(bp, "/account", methods=["GET", "POST"])
@sign_in_required
def account() -> Response | str:
    account = current_account()
    assert account is not None
    form = ProfileForm(languages=catalog().locales)
    if form.validate_on_submit():
        update_profile(
            database(), account.resident_id, form_to_profile(form), now=utcnow(), languages=catalog().locales
        )
        return redirect(url_for("accounts.account", saved=1), 303)
    if request.method == "GET":
        form.fill(load_profile(database(), account.resident_id))
    client = accounts().clients.get(account.provider)
    return render_template(
        "accounts/account.html",
        form=form,
        saved=request.args.get("saved") == "1",
        provider=client.settings.label if client else account.provider,
    )


@localized_route(bp, "/account/export")
@sign_in_required
def export() -> Response:
    account = current_account()
    assert account is not None
    data = export_profile(database(), account.resident_id) or {}
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2) + "\n",
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="my-details.json"'},
    )


def forget_applications(resident_id: int) -> None:
    """Unfinished answers and drafts go with the account; sent applications stay with the agency's copy."""
    from portal.accounts.models import Resident
    from portal.submissions import store

    with database().session() as s:
        row = s.get(Resident, resident_id)
        key = store.resident_key(row.provider, row.subject) if row is not None else None
    if key is not None:
        store.forget_resident(database(), key)


@localized_route(bp, "/account/delete", methods=["GET", "POST"])
@sign_in_required
def delete() -> Response | str:
    account = current_account()
    assert account is not None
    if request.method == "GET":
        return render_template("accounts/delete.html")
    client = accounts().clients.get(account.provider)
    ended = end_session(database(), sign_out_browser())
    forget_applications(account.resident_id)
    delete_resident(database(), account.resident_id)
    log.info("resident %s deleted their details", account.resident_id)
    provider_sign_out = ""
    if client is not None and ended is not None:
        provider_sign_out = client.logout_url(
            id_token_hint=ended.id_token,
            post_logout_redirect_uri=external_url("accounts.signed_out"),
            ui_locales=current_locale(),
        )
    return render_template(
        "accounts/deleted.html",
        provider_sign_out=provider_sign_out,
        provider=client.settings.label if client else "",
    )
