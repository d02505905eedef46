"""Journeys residents take, each on a desktop, on a 360 px phone and with JavaScript off (see resident.py)."""

from __future__ import annotations

import datetime as dt

from portal.catalog.model import Redirect
from tests.browser.checks import axe_violations, describe_violations, glyphs_render
from tests.browser.harness import require_chinese_font
from tests.browser.pages import Examples
from tests.browser.resident import Resident


def test_search_with_a_typo_then_start_lands_on_the_agency_site(
    resident: Resident, examples: Examples
) -> None:
    service = resident.site.catalog.services[examples.redirect_service]
    assert isinstance(service.delivery, Redirect)
    title = service.title.get("en").text

    resident.open("/en/")
    resident.search(examples.typo_query("en"))
    resident.follow(title, within=".search-results")  # not "Did you mean", which has the same words
    arrived = resident.start()

    assert arrived == service.delivery.start_url("en")


def test_search_suggestions_with_the_keyboard(resident: Resident, examples: Examples) -> None:
    title = resident.site.catalog.services[examples.redirect_service].title["en"]
    page = resident.page
    resident.open("/en/")
    box = resident.search_box()
    if (
        not resident.profile.javascript
    ):  # no suggestions without JavaScript: the same words are a plain search
        resident.search(title[:10])
        resident.follow(title, within=".search-results")
        return

    box.press_sequentially(title[:10])
    suggestions = page.get_by_role("listbox")
    suggestions.wait_for()
    assert box.get_attribute("role") == "combobox" and box.get_attribute("aria-expanded") == "true"
    violations = axe_violations(page)
    assert not violations, f"axe-core with the suggestions open:\n{describe_violations(violations)}"
    for _ in range(suggestions.get_by_role("option").count()):
        box.press("ArrowDown")
        active = box.get_attribute("aria-activedescendant")
        assert active, "ArrowDown highlights no suggestion"
        if page.locator(f"#{active}").text_content() == title:
            break
    resident.press_enter()
    assert page.locator("h1").text_content() == title


def test_hosted_form_from_errors_to_confirmation(resident: Resident) -> None:
    """Postpone jury service (sample catalog): the error summary, every kind of question, check your answers,
    the confirmation, and how it prints."""
    page = resident.page
    soon, later = _weekday(30), _weekday(60)
    resident.open("/en/services/postpone-jury-service")
    resident.follow("Start now")

    resident.press("Continue")  # nothing filled in
    assert (page.title() or "").startswith("Error:")
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')"), (
        "focus is not on the errors"
    )
    links = summary.get_by_role("link")
    assert links.count() == 2
    for i in range(links.count()):
        target = (links.nth(i).get_attribute("href") or "").removeprefix("#")
        assert page.locator(f"[id='{target}']").count() == 1, (
            f"error link to #{target}, which is not on the page"
        )
    links.first.click()
    assert page.evaluate("location.hash") == links.first.get_attribute("href")

    resident.fill("Juror number", "123456789")
    resident.fill_date("Date you are summoned to appear", soon.day, soon.month, soon.year)
    resident.press("Continue")
    resident.fill("Full name", "Ada Lovelace")
    resident.fill("Email address", "ada@example.test")
    resident.fill("Address line 1", "1 Capitol Way", within="Mailing address")
    resident.fill("Town or city", "Westland City", within="Mailing address")
    resident.fill("ZIP code", "99501", within="Mailing address")
    resident.press("Continue")
    resident.choose("Medical appointment or illness")
    resident.fill_date("First day you are available to serve", later.day, later.month, later.year)
    resident.choose("No", within="Have you served on a jury")
    resident.press("Continue")

    assert page.locator("h1").text_content() == "Check your answers before sending your application"
    assert page.get_by_text("Ada Lovelace").is_visible()
    resident.press("Accept and send")
    assert page.locator("h1").text_content() == "Application sent"
    reference = page.locator(".reference").text_content() or ""
    assert reference.strip()

    page.emulate_media(media="print")
    for chrome in (".official-banner", ".language-switcher", ".header-nav", ".site-footer", ".skip-link"):
        assert not page.locator(chrome).first.is_visible(), f"{chrome} is printed on the confirmation"
    assert page.locator(".reference").is_visible(), "the printed confirmation lacks the reference"
    resident.screenshot("confirmation-print")
    page.emulate_media(media="screen")


def test_sign_in_through_the_provider_and_back(resident: Resident, examples: Examples) -> None:
    resident.open(f"/en/services/{examples.redirect_service}")
    resident.sign_in("alice")
    resident.follow("Your account")
    assert resident.page.get_by_label("Email address").input_value() == "alice@example.test"
    resident.sign_out()


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
    assert resident.search_box().count() == 1
    resident.follow("Go to the home page")


def _weekday(days_ahead: int) -> dt.date:
    day = dt.date.today() + dt.timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day
