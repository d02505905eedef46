"""The checks themselves can fail: each one, shown a page with a known fault, reports it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.browser.checks import HtmlChecker, axe_violations, glyphs_render, horizontal_overflow, tab_through

if TYPE_CHECKING:
    from playwright.sync_api import Page

FAULTY = """<!doctype html>
<html><head><meta charset="utf-8"><title>faulty</title>
<style>a:focus { outline: none; } .wide { inline-size: 3000px; } .grey { color: #bbb; }</style></head>
<body><h1>Faulty</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><p class="grey">pale text</p>
<a href="#x">no focus style</a><h3>skips a level</h3><div class="wide">wide</div></body></html>
"""


def test_axe_reports_missing_alt_lang_and_contrast(page: Page) -> None:
    page.set_content(FAULTY)
    found = {v["id"] for v in axe_violations(page)}
    assert {"image-alt", "html-has-lang", "color-contrast"} <= found


def test_vnu_reports_errors_and_passes_a_valid_page(html_checker: HtmlChecker) -> None:
    valid = '<!doctype html><html lang="en"><head><title>ok</title></head><body><h1>ok</h1></body></html>'
    report = html_checker.check({"faulty": FAULTY, "valid": valid})
    assert any("skipping 1 heading level" in e for e in report["faulty"])
    assert any("alt" in e for e in report["faulty"])
    assert report["valid"] == []


def test_keyboard_walk_notices_an_invisible_focus_and_sideways_scrolling(page: Page) -> None:
    page.set_content(FAULTY)
    tabbables, stops = tab_through(page)
    assert tabbables == ['a "no focus style"']
    assert len(stops) == 1 and not stops[0].indicated
    assert horizontal_overflow(page) > 1000


def test_glyph_check_tells_a_real_font_from_boxes(page: Page) -> None:
    page.set_content(
        '<html lang="en"><body><h1>Hello</h1><p style="font-family: monospace">x</p></body></html>'
    )
    assert glyphs_render(page, "h1", "a", "b")
    assert not glyphs_render(page, "h1", "\U000f0000", "\U000f0001")  # private use: no font draws these
