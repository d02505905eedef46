"""The portal in a real browser: the tools, a live server in a thread, one Chromium, and guarded browser contexts.

The live portal signs residents in with the development OpenID provider (tests/node/oidc_provider.mjs, the real
`oidc-provider` package) on another loopback port.

A guarded context records every request. Requests to the portal's own origin and to the sign-in provider go
through; a navigation to an agency's host (the Start hand-off) goes to the stub agency site (agency.py); anything
else is blocked and recorded as a leak, so a test can assert that nothing left the site. Chromium resolves no
other host name.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from portal import create_app
from portal.accounts.dev_provider import start_development_provider, why_unavailable
from portal.catalog import Catalog
from portal.catalog.model import Redirect
from tests.tools import missing, require_file, require_module, require_tool

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Playwright, Request, Route

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "tests" / "node" / "node_modules"
ARTIFACTS = Path(os.environ.get("PORTAL_TEST_ARTIFACTS", ROOT / "test-artifacts"))

# From ../shared/STACK.md: Debian's chromium, no downloads, nothing phoning home.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass(frozen=True)
class Tools:
    chromium: str
    java: str
    axe_js: Path
    vnu_jar: Path


def find_tools() -> Tools:
    """Everything the browser tests drive; skips (locally) or fails (CI) naming what is missing."""
    require_module("playwright", "pip install -e '.[test]'")
    chromium = require_tool("chromium", os.environ.get("PORTAL_TEST_CHROMIUM", "/usr/bin/chromium"))
    java = require_tool("java")
    npm_hint = "run `npm ci` in tests/node"
    axe_js = Path(require_file(NODE_MODULES / "axe-core" / "axe.min.js", npm_hint))
    vnu_jar = Path(require_file(NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar", npm_hint))
    if why := why_unavailable():
        missing(f"needs the development sign-in provider, but {why}")
    return Tools(chromium=chromium, java=java, axe_js=axe_js, vnu_jar=vnu_jar)


def require_chinese_font() -> None:
    fc_list = shutil.which("fc-list")
    if fc_list:
        found = bool(subprocess.run([fc_list, ":lang=zh"], capture_output=True, text=True).stdout.strip())
    else:  # fontconfig's tools are not always installed with the library
        found = any(Path("/usr/share/fonts").glob("**/*[Ww][Qq][Yy]*")) or any(
            Path("/usr/share/fonts").glob("**/*CJK*")
        )
    if not found:
        missing("needs a Chinese font, or Chinese renders as boxes: apt-get install fonts-wqy-microhei")


# --- the portal, served for real ---------------------------------------------------------------------------


@dataclass
class LiveSite:
    """The portal with the sample catalog, served over HTTP on a free loopback port."""

    app: Flask
    origin: str
    catalog: Catalog
    handoff_hosts: frozenset[str]
    sign_in_origin: str  # the OpenID provider's

    def url(self, path: str) -> str:
        return self.origin + path


class _Later:
    """A WSGI app to be named later: the server's port must be known before the portal can be configured."""

    app: Flask | None = None

    def __call__(self, environ: Any, start_response: Any) -> Any:
        assert self.app is not None
        return self.app(environ, start_response)


@contextmanager
def live_site(data_dir: Path, **overrides: Any) -> Iterator[LiveSite]:
    later = _Later()
    server: BaseWSGIServer = make_server("127.0.0.1", 0, later, threaded=True)
    origin = f"http://127.0.0.1:{server.server_port}"
    provider = start_development_provider([origin])
    try:
        # Production settings (HSTS on, no template reloading), except cookies over plain http on loopback.
        config = {
            "ENV": "production",
            "SECRET_KEY": "browser-tests-only",
            "SERVICES": str(ROOT / "services.yaml"),
            "DATA_DIR": str(data_dir),
            "COOKIE_SECURE": False,
            "RELOAD_INTERVAL": 0,
            **provider.settings(),
            **overrides,
        }
        app = later.app = create_app(config)
        werkzeug_log = logging.getLogger("werkzeug")
        level = werkzeug_log.level
        werkzeug_log.setLevel(logging.WARNING)  # one line per request drowns the test output
        thread = threading.Thread(target=server.serve_forever, name="portal-live-site", daemon=True)
        thread.start()
        catalog = app.extensions["portal.catalog"].catalog
        try:
            yield LiveSite(app, origin, catalog, _handoff_hosts(catalog), _origin_of(provider.issuer))
        finally:
            server.shutdown()
            thread.join(timeout=10)
            werkzeug_log.setLevel(level)
            app.extensions["portal.db"].dispose()
    finally:
        server.server_close()
        provider.stop()


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _handoff_hosts(catalog: Catalog) -> frozenset[str]:
    """Hosts the portal may send a resident to: agency domains and every registered start URL."""
    hosts: set[str] = set()
    for agency in catalog.agencies.values():
        hosts.update(agency.domains)
        hosts.add(urlsplit(agency.url).hostname or "")
    for service in catalog.services.values():
        if isinstance(service.delivery, Redirect):
            for locale in catalog.locales:
                hosts.add(urlsplit(service.delivery.start_url(locale)).hostname or "")
    hosts.discard("")
    return frozenset(hosts)


# --- the browser -------------------------------------------------------------------------------------------


@contextmanager
def chromium(tools: Tools, resolver_rules: str) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    playwright: Playwright = sync_playwright().start()
    try:
        args = [*CHROMIUM_ARGS, f"--host-resolver-rules={resolver_rules}"]
        browser = playwright.chromium.launch(executable_path=tools.chromium, args=args)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@dataclass(frozen=True)
class Profile:
    """How a resident's browser is set up."""

    name: str
    width: int
    height: int
    javascript: bool = True

    @property
    def phone(self) -> bool:
        return self.width <= 400


DESKTOP = Profile("desktop", 1280, 800)
PHONE = Profile("phone-360", 360, 740)
NO_JS = Profile("no-js", 1280, 800, javascript=False)
PROFILES = (DESKTOP, PHONE, NO_JS)


@dataclass
class Traffic:
    """Every request a context made; hand-offs to agency sites; what was blocked for leaving the site."""

    origin: str
    handoff_hosts: frozenset[str]
    sign_in_origin: str
    requests: list[Request] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    # Requests made by the sign-in provider's own pages (its web fonts): not ours to answer for; blocked all the same.
    providers_own: list[Request] = field(default_factory=list)

    def record(self, request: Request) -> None:
        if self.is_sign_in(request.frame.url) and not self.is_allowed(request.url):
            self.providers_own.append(request)
        else:
            self.requests.append(request)

    def is_own(self, url: str) -> bool:
        scheme = urlsplit(url).scheme
        return scheme in ("data", "about", "blob") or url == self.origin or url.startswith(self.origin + "/")

    def is_sign_in(self, url: str) -> bool:
        return url.startswith(self.sign_in_origin + "/")

    def is_allowed(self, url: str) -> bool:
        return self.is_own(url) or self.is_sign_in(url)

    def is_handoff(self, request: Request) -> bool:
        """A navigation to an agency's https site: what Start and the agency links are for."""
        url = urlsplit(request.url)
        return (
            url.scheme == "https" and url.hostname in self.handoff_hosts and request.is_navigation_request()
        )

    @property
    def handoffs(self) -> list[str]:
        return [r.url for r in self.requests if self.is_handoff(r)]

    def route(self, route: Route) -> None:
        # Redirect hops never get here (Playwright does not route them); the host resolver catches those.
        if self.is_handoff(route.request):
            route.continue_()
            return
        if not self.is_sign_in(route.request.frame.url):
            self.leaks.append(f"{route.request.resource_type} {route.request.url}")
        route.abort("blockedbyclient")

    def foreign_requests(self) -> list[str]:
        """Requests to another origin that were neither sign-in nor a hand-off to an agency site."""
        return [
            f"{r.resource_type} {r.url}"
            for r in self.requests
            if not self.is_allowed(r.url) and not self.is_handoff(r)
        ]


@contextmanager
def guarded_context(
    browser: Browser, site: LiveSite, profile: Profile
) -> Iterator[tuple[BrowserContext, Traffic]]:
    context = browser.new_context(
        viewport={"width": profile.width, "height": profile.height},
        java_script_enabled=profile.javascript,
        is_mobile=profile.phone,
        has_touch=profile.phone,
        locale="en-US",
        service_workers="block",
        ignore_https_errors=True,  # the stub agency site's certificate is self-signed
    )
    context.set_default_timeout(10_000)  # a missing element fails in seconds, not Playwright's 30
    traffic = Traffic(site.origin, site.handoff_hosts, site.sign_in_origin)
    context.on("request", traffic.record)
    context.route(lambda url: not traffic.is_allowed(url), traffic.route)
    try:
        yield context, traffic
    finally:
        context.close()
