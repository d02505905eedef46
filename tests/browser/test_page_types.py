"""Every page type, in English and Arabic: axe-core (WCAG 2.2 A/AA), valid HTML, keyboard access, screenshots."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.browser.checks import (
    LAYOUT_RULES,
    HtmlChecker,
    axe_violations,
    describe_violations,
    horizontal_overflow,
    tab_through,
)
from tests.browser.harness import ARTIFACTS, DESKTOP, PHONE, LiveSite, Tools, guarded_context
from tests.browser.pages import BY_NAME, PAGE_TYPES, Examples, audit_cases, keyboard_cases

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

SCREENSHOTS = ARTIFACTS / "screenshots"

# After the skip link, Tab goes to the first control at or after the start of <main> (in the footer if main has none).
NEXT_AFTER_MAIN_START = """() => {
  const main = document.querySelector('main');
  const controls = document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary');
  const after = [...controls].find(el => main.compareDocumentPosition(el)
    & (Node.DOCUMENT_POSITION_CONTAINED_BY | Node.DOCUMENT_POSITION_FOLLOWING));
  return document.activeElement === after;
}"""


@pytest.fixture(scope="module")
def shared_page(browser: Browser, site: LiveSite, tools: Tools) -> Iterator[Page]:
    """One desktop page for every test here: a new context per test costs more than the test."""
    with guarded_context(browser, site, DESKTOP) as (context, _traffic):
        context.add_init_script(path=str(tools.axe_js))
        yield context.new_page()


@pytest.fixture
def page(shared_page: Page) -> Page:
    shared_page.set_viewport_size({"width": DESKTOP.width, "height": DESKTOP.height})
    return shared_page


def _open(page: Page, site: LiveSite, examples: Examples, name: str, lang: str) -> None:
    response = page.goto(site.url(examples.path(name, lang)))
    assert response is not None
    assert response.status == BY_NAME[name].status


@pytest.mark.parametrize(("name", "lang"), audit_cases())
def test_axe_finds_no_wcag_violations(
    page: Page, site: LiveSite, examples: Examples, name: str, lang: str
) -> None:
    _open(page, site, examples, name, lang)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}-{lang}-desktop.png", full_page=True)
    desktop = axe_violations(page)
    assert not desktop, f"axe-core at 1280 px:\n{describe_violations(desktop)}"

    page.set_viewport_size({"width": PHONE.width, "height": PHONE.height})
    page.screenshot(path=SCREENSHOTS / f"{name}-{lang}-360.png", full_page=True)
    assert horizontal_overflow(page) <= 0, "the page scrolls sideways at 360 px"
    phone = axe_violations(page, LAYOUT_RULES)
    assert not phone, f"axe-core at 360 px:\n{describe_violations(phone)}"


@pytest.fixture(scope="module")
def html_report(site: LiveSite, examples: Examples, html_checker: HtmlChecker) -> dict[str, list[str]]:
    """Every page type's HTML, as served, through the Nu HTML Checker in one run."""
    documents = {}
    for page_type in PAGE_TYPES:
        for lang in page_type.languages:
            try:
                with urllib.request.urlopen(site.url(examples.path(page_type.name, lang))) as response:  # noqa: S310
                    body = response.read()
            except urllib.error.HTTPError as error:
                body = error.read()
            documents[f"{page_type.name}-{lang}"] = body.decode("utf-8")
    return html_checker.check(documents)


@pytest.mark.parametrize(("name", "lang"), audit_cases())
def test_html_is_valid(html_report: dict[str, list[str]], name: str, lang: str) -> None:
    errors = html_report[f"{name}-{lang}"]
    assert not errors, "Nu HTML Checker:\n" + "\n".join(errors)


@pytest.mark.parametrize(("name", "lang"), keyboard_cases())
def test_keyboard_reaches_everything_with_visible_focus(
    page: Page, site: LiveSite, examples: Examples, name: str, lang: str
) -> None:
    _open(page, site, examples, name, lang)
    tabbables, stops = tab_through(page)
    assert stops and "skip-link" in stops[0].class_name, (
        f"the first Tab stop is {stops[0] if stops else 'nothing'}, not the skip link"
    )
    reached = {stop.index for stop in stops}
    unreachable = [t for i, t in enumerate(tabbables) if str(i) not in reached]
    assert not unreachable, f"not reachable with Tab: {unreachable}"
    unmarked = [str(s) for s in stops if not s.indicated]
    assert not unmarked, f"focus is not visible (no outline or box-shadow) on: {unmarked}"
    hidden = [str(s) for s in stops if not s.in_viewport]
    assert not hidden, f"focused but off screen: {hidden}"

    _open(page, site, examples, name, lang)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main", "the skip link does not move focus to <main>"
    page.keyboard.press("Tab")
    assert page.evaluate(NEXT_AFTER_MAIN_START), (
        "after skipping, Tab does not go to the first control in <main>"
    )
