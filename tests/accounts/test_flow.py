"""The whole sign-in against a real OpenID provider: what a resident does, sees and keeps."""

from __future__ import annotations

import json
import re
from http.cookies import SimpleCookie
from typing import Any

from flask import Flask

from portal.web.context import catalog
from portal.web.signed_in import current_prefill, require_sign_in

from .conftest import SIGNED_OUT, VERIFIED, Browser, Provider, query_of


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def test_sign_in_returns_to_the_page_with_profile_prefilled_from_claims(browser: Browser) -> None:
    page = browser.client.get("/en/services/renew-license").get_data(as_text=True)
    assert "/auth/login?next=%2Fen%2Fservices%2Frenew-license" in page

    authorize = browser.start("/en/services/renew-license")
    params = query_of(authorize)
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) == 43
    assert len(params["state"]) >= 22 and len(params["nonce"]) >= 22
    assert params["ui_locales"] == "en"
    assert set(params["scope"].split()) == {"openid", "email", "profile", "phone", "address"}

    landed = browser.callback(browser.authorize(authorize, login="alice"))
    assert landed.status_code == 303
    assert landed.headers["Location"] == "/en/services/renew-license"
    assert browser.signed_in()

    account = browser.client.get("/en/account").get_data(as_text=True)
    assert "Westland ID" in account
    for value in (
        "Alice Resident",
        "Alice",
        "alice@example.test",
        "+1 555 010 0199",
        "1 Capitol Way",
        "99501",
    ):
        assert f'value="{value}"' in account, value


def test_the_provider_is_asked_in_the_residents_language(browser: Browser) -> None:
    browser.client.get("/es/services/renew-license")  # remembers Spanish
    authorize = browser.start("/es/services/renew-license")
    assert query_of(authorize)["ui_locales"] == "es"
    browser.callback(browser.authorize(authorize))
    assert "ui_locales" in browser.last_provider_page and "&#39;es&#39;" in browser.last_provider_page
    assert '<option selected value="es">' in browser.client.get("/es/account").get_data(as_text=True)


def test_profile_can_be_edited_downloaded_and_deleted(browser: Browser, portal_app: Flask) -> None:
    browser.sign_in(login="bob")
    page = browser.client.get("/en/account").get_data(as_text=True)
    form = {
        "csrf_token": csrf_token(page),
        "name": "Robert Q. Resident",
        "given_name": "Robert",
        "family_name": "Resident",
        "email": "robert@example.test",
        "phone": "+1 555 010 0100",
        "street_address": "22 Harbor Road",
        "locality": "Port Westland",
        "region": "WL",
        "postal_code": "99502",
        "country": "US",
        "preferred_language": "es",
    }
    assert browser.client.post("/en/account", data={**form, "csrf_token": "forged"}).status_code == 400
    bad = browser.client.post("/en/account", data={**form, "email": "not an email"})
    assert bad.status_code == 200
    assert "Enter an email address like name@example.com." in bad.get_data(as_text=True)

    saved = browser.client.post("/en/account", data=form)
    assert saved.status_code == 303
    shown = browser.client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Your details have been saved." in shown and 'value="22 Harbor Road"' in shown

    # Signing in again does not overwrite what the resident wrote with the provider's claims.
    browser.client.delete_cookie("portal_session")
    assert not browser.signed_in()
    browser.sign_in(login="bob")
    assert 'value="Robert Q. Resident"' in browser.client.get("/en/account").get_data(as_text=True)

    download = browser.client.get("/en/account/export")
    assert download.status_code == 200 and download.mimetype == "application/json"
    assert "attachment" in download.headers["Content-Disposition"]
    exported = json.loads(download.get_data(as_text=True))
    assert exported["profile"]["street_address"] == "22 Harbor Road"
    assert exported["profile"]["preferred_language"] == "es"
    # Changed here, so no longer the address the provider verified.
    assert exported["profile"]["email_verified"] is False
    assert exported["sign_in"]["subject"] == "bob"

    confirm = browser.client.get("/en/account/delete").get_data(as_text=True)
    assert browser.client.post("/en/account/delete", data={}).status_code == 400  # no CSRF token
    deleted = browser.client.post("/en/account/delete", data={"csrf_token": csrf_token(confirm)})
    assert deleted.status_code == 200 and "Your details have been deleted" in deleted.get_data(as_text=True)
    assert not browser.signed_in()
    assert browser.client.get("/en/account/export").status_code == 303  # to sign in: nothing left to download
    from portal.accounts.models import Resident

    with portal_app.extensions["portal.db"].session() as session:
        assert session.query(Resident).filter_by(subject="bob").count() == 0


def test_sign_out_ends_the_session_here_and_at_the_provider(browser: Browser) -> None:
    browser.sign_in("/en/")
    home = browser.client.get("/en/").get_data(as_text=True)
    sign_out = re.search(r'href="(/auth/logout\?token=[^"]+)"', home)
    assert sign_out, home

    # A sign-out link from another site only asks.
    asked = browser.client.get("/auth/logout")
    assert asked.status_code == 200 and "Do you want to sign out?" in asked.get_data(as_text=True)
    assert browser.signed_in()

    response = browser.client.get(sign_out.group(1).replace("&amp;", "&"))
    assert response.status_code == 303
    end_session = response.headers["Location"]
    assert end_session.startswith(browser.issuer + "/session/end?")
    params = query_of(end_session)
    assert params["post_logout_redirect_uri"] == SIGNED_OUT and params["client_id"] == "portal"
    assert params["id_token_hint"].count(".") == 2
    assert not browser.signed_in()

    assert browser.provider_logout(end_session) == SIGNED_OUT
    assert "You have signed out" in browser.client.get("/auth/signed-out").get_data(as_text=True)
    # The provider forgot the resident too: signing in again asks for the login.
    authorize = browser.start("/en/")
    first = browser.at_provider.get(authorize, allow_redirects=False, timeout=10)
    assert "/interaction/" in first.headers["Location"]


def test_session_cookie_is_httponly_samesite_lax_secure_and_rotated(
    make_app: Any, oidc_provider: Provider
) -> None:
    from .conftest import CATALOG, SECRET

    app = make_app(
        CATALOG,
        OIDC_ISSUER=oidc_provider.issuer,
        OIDC_CLIENT_ID="portal",
        OIDC_CLIENT_SECRET=SECRET,
        COOKIE_SECURE=True,
        BASE_URL="http://localhost",
    )
    browser = Browser(app.test_client(), oidc_provider.issuer)
    landed = browser.sign_in("/en/")
    cookie = SimpleCookie()
    cookie.load(landed.headers["Set-Cookie"])
    morsel = cookie["portal_session"]
    assert morsel["httponly"] and morsel["secure"] and morsel["samesite"] == "Lax"
    assert landed.headers["Referrer-Policy"] == "no-referrer"
    assert landed.headers["Cache-Control"] == "no-store"
    assert morsel["path"] == "/"

    serializer = app.session_interface.get_signing_serializer(app)
    first_cookie = morsel.value
    first = serializer.loads(first_cookie)["account"]
    again = browser.sign_in("/en/", service="real-id")  # signing in again (here: to step up) while signed in
    cookie.load(again.headers["Set-Cookie"])
    second = serializer.loads(cookie["portal_session"].value)["account"]
    assert first != second  # a new session at every sign-in

    stale = app.test_client()
    stale.set_cookie("portal_session", first_cookie)
    assert "Sign out" not in stale.get("/en/", base_url="https://localhost").get_data(as_text=True)
    fresh = app.test_client()
    fresh.set_cookie("portal_session", cookie["portal_session"].value)
    assert "Sign out" in fresh.get("/en/", base_url="https://localhost").get_data(as_text=True)


def test_private_key_jwt_client_signs_in(make_app: Any, oidc_provider: Provider) -> None:
    from .conftest import CATALOG

    app = make_app(
        CATALOG,
        OIDC_ISSUER=oidc_provider.issuer,
        OIDC_CLIENT_ID="portal-jwt",
        OIDC_PRIVATE_KEY=str(oidc_provider.jwt_key_path),
    )
    browser = Browser(app.test_client(), oidc_provider.issuer)
    landed = browser.sign_in("/en/agencies", login="carol")
    assert landed.status_code == 303 and landed.headers["Location"] == "/en/agencies"
    assert browser.signed_in()


def test_several_providers_are_listed_and_each_signs_in(make_app: Any, oidc_provider: Provider) -> None:
    from .conftest import CATALOG, SECRET

    app = make_app(
        CATALOG,
        OIDC_PROVIDERS="westland,partner",
        OIDC_WESTLAND_ISSUER=oidc_provider.issuer,
        OIDC_WESTLAND_CLIENT_ID="portal",
        OIDC_WESTLAND_CLIENT_SECRET=SECRET,
        OIDC_WESTLAND_NAME="Westland ID",
        OIDC_PARTNER_ISSUER=oidc_provider.issuer,
        OIDC_PARTNER_CLIENT_ID="portal-jwt",
        OIDC_PARTNER_PRIVATE_KEY=str(oidc_provider.jwt_key_path),
        OIDC_PARTNER_NAME="Partner Login",
    )
    browser = Browser(app.test_client(), oidc_provider.issuer)
    choose = browser.client.get("/auth/login?next=/en/agencies")
    html = choose.get_data(as_text=True)
    assert choose.status_code == 200
    assert "Sign in with Westland ID" in html and "Sign in with Partner Login" in html
    landed = browser.sign_in("/en/agencies", login="dana", provider="partner")
    assert landed.headers["Location"] == "/en/agencies" and browser.signed_in()
    assert "Partner Login" in browser.client.get("/en/account").get_data(as_text=True)


def test_services_that_need_sign_in_send_the_resident_to_sign_in_and_step_up(
    portal_app: Flask, browser: Browser
) -> None:
    @portal_app.get("/test/use/<service_id>")
    def use(service_id: str) -> Any:
        response = require_sign_in(catalog().services[service_id])
        return response if response is not None else f"using {service_id}"

    assert browser.client.get("/test/use/renew-license").get_data(as_text=True) == "using renew-license"
    asked = browser.client.get("/test/use/replace-title")
    assert asked.status_code == 303
    assert asked.headers["Location"] == "/auth/login?next=%2Ftest%2Fuse%2Freplace-title&service=replace-title"

    landed = browser.sign_in("/test/use/replace-title", service="replace-title")
    assert landed.headers["Location"] == "/test/use/replace-title"
    assert browser.client.get("/test/use/replace-title").get_data(as_text=True) == "using replace-title"

    # Signed in with the basic level; REAL ID needs a verified identity: back to the provider, asking for it.
    step_up = browser.client.get("/test/use/real-id")
    assert step_up.status_code == 303
    authorize = browser.start("/test/use/real-id", service="real-id")
    assert query_of(authorize)["acr_values"] == VERIFIED
    browser.last_provider_page = ""
    landed = browser.callback(browser.authorize(authorize))
    # The provider had the resident sign in again, more strongly.
    assert "Sign-in" in browser.last_provider_page
    assert landed.headers["Location"] == "/test/use/real-id"
    assert browser.client.get("/test/use/real-id").get_data(as_text=True) == "using real-id"

    # The provider cannot give what the notary service needs: signed in, told why, and not let through.
    refused = browser.callback(
        browser.authorize(browser.start("/test/use/notary-commission", service="notary-commission"))
    )
    assert refused.status_code == 403
    assert "You need to confirm your identity" in refused.get_data(as_text=True)
    assert browser.client.get("/test/use/notary-commission").status_code == 303


def test_already_signed_in_resident_goes_straight_back(browser: Browser) -> None:
    browser.sign_in("/en/")
    again = browser.client.get("/auth/login?next=/en/agencies")
    assert again.status_code == 303 and again.headers["Location"] == "/en/agencies"


def test_without_a_provider_the_site_works_and_says_sign_in_is_not_available(make_app: Any) -> None:
    from .conftest import CATALOG

    client = make_app(CATALOG).test_client()
    home = client.get("/en/")
    assert home.status_code == 200 and "Sign in" not in home.get_data(as_text=True)
    page = client.get("/auth/login?next=/en/")
    assert page.status_code == 200
    assert "Sign-in is not available on this website" in page.get_data(as_text=True)
    assert client.get("/en/account").headers["Location"].startswith("/auth/login?next=%2Fen%2Faccount")


def test_forms_get_the_signed_in_residents_details(portal_app: Flask, browser: Browser) -> None:
    @portal_app.get("/test/prefill")
    def prefill() -> Any:
        return current_prefill()

    assert browser.client.get("/test/prefill").get_json() == {}
    browser.sign_in(login="erin")
    assert browser.client.get("/test/prefill").get_json() == {
        "name": "Erin Resident",
        "given_name": "Erin",
        "family_name": "Resident",
        "email": "erin@example.test",
        "phone": "+1 555 010 0199",
        "address": "1 Capitol Way\nWestland City WL 99501\nUS",
    }
