"""Rules for the whole site, seen from the browser: headers, nothing from other origins, page weight, the official
banner without JavaScript, print styles."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from tests.browser.checks import security_header_problems
from tests.browser.harness import ARTIFACTS, DESKTOP, NO_JS, LiveSite, Traffic, guarded_context
from tests.browser.pages import PAGE_TYPES, Examples

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

PAGE_WEIGHT_LIMIT = 60 * 1024


def test_every_page_type_loads_nothing_from_other_origins_and_sends_security_headers(
    guarded: tuple[BrowserContext, Traffic], site: LiveSite, examples: Examples
) -> None:
    context, traffic = guarded
    page = context.new_page()
    console_errors: list[str] = []
    page.on(
        "console",
        lambda m: console_errors.append(f"{m.location.get('url')}: {m.text}") if m.type == "error" else None,
    )
    for page_type in PAGE_TYPES:
        for lang in page_type.languages:
            response = page.goto(site.url(examples.path(page_type.name, lang)))
            assert response is not None and response.status == page_type.status, page_type.name
            problems = security_header_problems(response.headers)
            assert not problems, f"{page_type.name}-{lang}: {problems}"
    stylesheet = next(r for r in traffic.requests if r.url.endswith(".css")).response()
    assert stylesheet is not None and stylesheet.headers.get("x-content-type-options") == "nosniff"
    assert traffic.foreign_requests() == []
    assert traffic.leaks == []
    not_found = site.url(examples.path("not-found", "en")), site.url(examples.path("not-found", "ar"))
    assert [e for e in console_errors if not e.startswith(not_found)] == []  # CSP violations would be here


def _transferred(browser: Browser, site: LiveSite, path: str) -> tuple[int, dict[str, int], str]:
    """Bytes a first-time visitor's browser receives for a page and everything it loads (headers included)."""
    with guarded_context(browser, site, DESKTOP) as (context, traffic):
        page = context.new_page()
        response = page.goto(site.url(path), wait_until="load")
        assert response is not None and response.ok
        encoding = response.headers.get("content-encoding", "")
        sizes = {}
        for request in traffic.requests:
            size = request.sizes()
            sizes[request.url.removeprefix(site.origin)] = (
                size["responseBodySize"] + size["responseHeadersSize"]
            )
        return sum(sizes.values()), sizes, encoding


@pytest.mark.parametrize("which", ["home", "service-redirect", "service-form"])
def test_page_weight_under_60_kb_compressed(
    browser: Browser, site: LiveSite, examples: Examples, which: str
) -> None:
    total, sizes, encoding = _transferred(browser, site, examples.path(which, "en"))
    assert encoding in ("br", "gzip", "zstd"), f"the HTML was not compressed (Content-Encoding: {encoding!r})"
    assert total < PAGE_WEIGHT_LIMIT, f"{total} bytes transferred: {sizes}"


def test_official_banner_explains_itself_without_javascript(browser: Browser, site: LiveSite) -> None:
    with guarded_context(browser, site, NO_JS) as (context, _traffic):
        page = context.new_page()
        page.goto(site.url("/en/"))
        banner = page.get_by_role("region", name="Official website of the state government")
        assert banner.is_visible()
        first_box = banner.bounding_box()
        assert first_box is not None and first_box["y"] == 0, "the banner is not the first thing on the page"
        how = banner.get_by_text("Here's how you know")
        explanation = banner.get_by_text("Official websites use .gov")
        assert how.is_visible() and not explanation.is_visible()
        how.click()
        assert explanation.is_visible()
        assert banner.get_by_text("Secure .gov websites use HTTPS").is_visible()
        page.keyboard.press("Enter")  # focus stayed on the summary: the keyboard closes it again
        assert not explanation.is_visible()


def test_service_page_prints_without_navigation(page: Page, site: LiveSite, examples: Examples) -> None:
    page.goto(site.url(examples.path("service-redirect", "en")))
    page.emulate_media(media="print")
    for chrome in (
        ".official-banner",
        ".language-switcher",
        ".header-nav",
        ".search-bar",
        ".site-footer",
        ".breadcrumbs",
        ".button--start",
        ".skip-link",
        "#related-heading",
    ):
        assert not page.locator(chrome).first.is_visible(), f"{chrome} is printed"
    assert page.locator("h1").is_visible()
    assert page.locator(".site-name").is_visible(), "a printout must say where it came from"
    assert page.get_by_text(re.compile("You will go to")).is_visible(), "a printout must say where to apply"
    assert page.get_by_role("heading", name="Contact").is_visible()
    (ARTIFACTS / "screenshots").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "screenshots" / "service-redirect-en-print.png", full_page=True)
    page.pdf(path=ARTIFACTS / "service-print.pdf")
