"""A resident walking a journey through the portal in a real browser; every page they reach is checked.

A journey is a few lines:

    def test_find_and_start(resident: Resident) -> None:
        resident.open("/en/")
        resident.search("renew")
        resident.follow("Renew your driver's license")
        resident.start()

On every page reached: the HTTP status, the security headers, `lang`/`dir` on <html> matching the language in
the URL, no horizontal scrolling, no console errors (CSP violations show up there), no request to another
origin, and (with JavaScript on) no axe-core violations (checks.AXE_TAGS). A screenshot of each step goes to
test-artifacts/journeys/. When the journey ends, every HTML document it received goes through the Nu HTML
Checker in one batch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from portal.i18n import direction
from tests.browser.checks import (
    HtmlChecker,
    axe_violations,
    describe_violations,
    focused,
    horizontal_overflow,
    security_header_problems,
)
from tests.browser.harness import LiveSite, Profile, Traffic

if TYPE_CHECKING:
    from playwright.sync_api import ConsoleMessage, Page, Response


NAME_OF_FOCUSED = """() => {
  const el = document.activeElement;
  const label = el.getAttribute('aria-label') || (el.labels && el.labels[0] ? el.labels[0].textContent : '');
  return (label || el.textContent || '').trim().replace(/\\s+/g, ' ');
}"""


@dataclass
class Resident:
    page: Page
    site: LiveSite
    profile: Profile
    traffic: Traffic
    html_checker: HtmlChecker
    artifacts: Path
    documents: dict[str, str] = field(default_factory=dict)
    console_errors: list[str] = field(default_factory=list)
    step: int = 0

    def __post_init__(self) -> None:
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.console_errors.append(f"uncaught: {error}"))

    # --- what a resident does ------------------------------------------------------------------------------

    def open(self, path: str, status: int = 200) -> Response:
        response = self.page.goto(self.site.url(path))
        assert response is not None, path
        return self.arrive(response, status)

    def follow(self, name: str, status: int = 200) -> Response:
        """Click the link with this accessible name (the first, if several)."""
        return self._navigate(
            lambda: self.page.get_by_role("link", name=name, exact=True).first.click(), status
        )

    def search(self, query: str) -> Response:
        """Type into the page's search box and press Enter, as most people do."""
        box = self.page.get_by_role("searchbox").first
        box.fill(query)
        return self._navigate(lambda: box.press("Enter"))

    def choose_language(self, lang: str) -> Response:
        """Pick a language in the switcher; the resident must stay on the same page."""
        before = urlsplit(self.page.url)
        link = self.page.locator(f'nav.language-switcher a[hreflang="{lang}"]')
        response = self._navigate(link.click)
        after = urlsplit(self.page.url)
        assert after.path.split("/", 2)[2:] == before.path.split("/", 2)[2:], (before.path, after.path)
        assert after.query == before.query
        assert after.path.startswith(f"/{lang}/")
        return response

    def tab_to(self, name: str, limit: int = 200) -> None:
        """Press Tab until the control with this name (its text or label) has focus, which must be visible."""
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            stop = focused(self.page)
            if stop is not None and self.page.evaluate(NAME_OF_FOCUSED) == name:
                assert stop.indicated and stop.in_viewport, f"focus on {stop} is not visible"
                return
        raise AssertionError(f"Tab never reached {name!r}")

    def press_enter(self, status: int = 200) -> Response:
        return self._navigate(lambda: self.page.keyboard.press("Enter"), status)

    def start(self, keyboard: bool = False) -> str:
        """Press Start now; the resident must land on the agency's site. Returns the URL they arrived at."""
        handoffs = len(self.traffic.handoffs)
        with self.page.expect_navigation() as navigation:
            # The button's words depend on the page's language; its class does not.
            button = self.page.locator("a.button--start")
            if keyboard:
                self.tab_to(button.inner_text().strip())
                self.page.keyboard.press("Enter")
            else:
                button.click()
        response = navigation.value
        assert response is not None and response.ok, "the agency site did not answer"
        assert len(self.traffic.handoffs) == handoffs + 1, (
            "Start did not hand the resident over to an agency site"
        )
        arrived = self.traffic.handoffs[-1]
        assert self.page.url == arrived
        assert self.page.locator("#arrived-at").text_content() == arrived
        foreign = self.traffic.foreign_requests()
        assert not foreign, f"requests left the site: {foreign}"
        self._screenshot("agency-site")
        return arrived

    # --- what is checked on every page ---------------------------------------------------------------------

    def arrive(self, response: Response, status: int = 200) -> Response:
        self.step += 1
        url = urlsplit(response.url)
        where = f"step {self.step} ({url.path}{'?' + url.query if url.query else ''})"
        assert response.status == status, f"{where}: HTTP {response.status}"
        assert response.url.startswith(self.site.origin), f"{where}: left the site"
        problems = security_header_problems(response.headers)
        assert not problems, f"{where}: {problems}"
        self.documents[f"{self.step}:{url.path}?{url.query}"] = response.text()

        lang = url.path.split("/")[1]
        html = self.page.locator("html")
        assert html.get_attribute("lang") == lang, f"{where}: <html lang> is not {lang}"
        assert html.get_attribute("dir") == direction(lang), f"{where}: <html dir> is not {direction(lang)}"
        overflow = horizontal_overflow(self.page)
        assert overflow <= 0, (
            f"{where}: the page scrolls sideways by {overflow}px at {self.profile.width}px wide"
        )
        assert not self.console_errors, f"{where}: console errors: {self.console_errors}"
        foreign = self.traffic.foreign_requests()
        assert not foreign, f"{where}: requests left the site: {foreign}"
        if self.profile.javascript:
            violations = axe_violations(self.page)
            assert not violations, f"{where}: axe-core:\n{describe_violations(violations)}"
        self._screenshot(url.path.strip("/").replace("/", "-") or "root")
        return response

    def check_html(self) -> None:
        """Every document received on this journey is valid HTML (one vnu.jar run; called when the journey ends)."""
        results = self.html_checker.check(self.documents)
        invalid = {name: errors for name, errors in results.items() if errors}
        assert not invalid, "Nu HTML Checker errors:\n" + "\n".join(
            f"{name}:\n  " + "\n  ".join(errors) for name, errors in invalid.items()
        )

    # --- plumbing ------------------------------------------------------------------------------------------

    def _navigate(self, action: object, status: int = 200) -> Response:
        with self.page.expect_navigation() as navigation:
            action()  # type: ignore[operator]
        response = navigation.value
        assert response is not None
        return self.arrive(response, status)

    def _console(self, message: ConsoleMessage) -> None:
        # The document's own status (a 404 page) is checked by arrive(); anything else is a fault of the page.
        if message.type == "error" and not (
            message.text.startswith("Failed to load resource")
            and message.location.get("url") == self.page.url
        ):
            self.console_errors.append(message.text)

    def _screenshot(self, label: str) -> None:
        self.artifacts.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", label)[:60]
        # The viewport, as the resident saw it (test_page_types.py keeps full-page screenshots of each page type).
        self.page.screenshot(path=self.artifacts / f"{self.step:02d}-{safe}.png")
