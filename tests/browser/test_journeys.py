"""Journeys residents take, each on a desktop, on a 360 px phone and with JavaScript off (see resident.py).

Still to come when their features are merged: search with a typo (issue: search), a hosted form end to end with
the error summary, check-your-answers and confirmation (forms), and sign-in through the test provider (accounts).
"""

from __future__ import annotations

from portal.catalog.model import Redirect
from tests.browser.checks import glyphs_render
from tests.browser.harness import require_chinese_font
from tests.browser.pages import Examples
from tests.browser.resident import Resident


def test_search_then_start_lands_on_the_agency_site(resident: Resident, examples: Examples) -> None:
    service = resident.site.catalog.services[examples.redirect_service]
    assert isinstance(service.delivery, Redirect)
    title = service.title.get("en").text

    resident.open("/en/")
    resident.search(examples.search_query("en"))
    resident.follow(title)
    arrived = resident.start()

    assert arrived == service.delivery.start_url("en")


def test_keyboard_only_from_home_to_the_agency_site(resident: Resident, examples: Examples) -> None:
    service = resident.site.catalog.services[examples.redirect_service]
    assert isinstance(service.delivery, Redirect)

    resident.open("/en/")
    resident.tab_to("Search for a service")
    resident.page.keyboard.type(examples.search_query("en"))
    resident.press_enter()
    resident.tab_to(service.title["en"])
    resident.press_enter()
    assert resident.start(keyboard=True) == service.delivery.start_url("en")


def test_start_in_arabic_goes_to_the_arabic_start_url(resident: Resident, examples: Examples) -> None:
    service = resident.site.catalog.services[examples.redirect_service]
    assert isinstance(service.delivery, Redirect)

    resident.open(f"/ar/services/{service.id}")
    assert resident.start() == service.delivery.start_url("ar")


def test_switching_to_arabic_and_chinese_and_back_stays_on_the_page(
    resident: Resident, examples: Examples
) -> None:
    require_chinese_font()
    page = resident.page
    resident.open(f"/en/services/{examples.redirect_service}")
    ltr_name = page.locator(".site-name").bounding_box()

    resident.choose_language("ar")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    rtl_name = page.locator(".site-name").bounding_box()
    assert ltr_name and rtl_name
    width = resident.profile.width
    assert ltr_name["x"] < width / 2 < rtl_name["x"] + rtl_name["width"], (
        "the header is not mirrored in Arabic"
    )

    resident.choose_language("zh-Hans")
    assert page.evaluate("getComputedStyle(document.body).direction") == "ltr"
    assert glyphs_render(page, "h1", "中", "文"), "Chinese renders as boxes: no Chinese font"
    resident.choose_language("en")
    assert (
        page.locator("h1").text_content()
        == resident.site.catalog.services[examples.redirect_service].title["en"]
    )


def test_browsing_from_home_to_a_service_through_a_life_event(resident: Resident, examples: Examples) -> None:
    catalog = resident.site.catalog
    event = catalog.life_events[examples.life_event]
    service = catalog.services[examples.event_service]

    resident.open("/en/")
    resident.follow(event.name["en"])
    resident.follow(service.title["en"])
    resident.follow(catalog.agencies[service.agency].name["en"])
    resident.follow("Agencies A to Z")


def test_unknown_address_gives_a_helpful_404(resident: Resident) -> None:
    resident.open("/en/services/no-such-service", status=404)
    assert resident.page.get_by_role("searchbox").count() >= 1
    resident.follow("Go to the home page")
