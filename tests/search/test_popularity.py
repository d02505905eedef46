"""Services residents use rank higher among equally good matches; nothing else changes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from flask import Flask

from portal import create_app
from portal.search import popularity
from portal.services import record_start

from .conftest import ids, search_config


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return create_app(search_config(tmp_path / "var", SEARCH_POPULARITY_SECONDS=0))


def test_services_residents_use_come_first_among_equal_matches(app: Flask) -> None:
    web = app.test_client()
    # "license": the hunting and fishing licences match about equally (titles "Buy a ... license").
    browsing = ids(web.get("/api/search?q=&lang=en"))
    before = ids(web.get("/api/search?q=license&lang=en"))
    assert before[:2] == ["hunting-license", "fishing-license"]
    for _ in range(5):  # residents press Start on the fishing licence...
        assert web.get("/en/go/fishing-license").status_code == 302
    web.get("/en/search/go/fishing-license?q=fish")  # ...and choose it from results
    after = web.get("/api/search?q=license&lang=en").get_json()
    assert [r["id"] for r in after["results"]][:2] == ["fishing-license", "hunting-license"]
    assert after["total"] == 4  # use lifts a match; it never brings in a service that does not match
    assert ids(web.get("/api/search?q=passport&lang=en")) == ["renew-passport"]
    assert ids(web.get("/api/search?q=&lang=en")) == browsing  # browsing stays A to Z, used or not
    assert "fishing-license" in browsing


def test_a_weight_of_zero_turns_it_off(tmp_path: Path) -> None:
    app = create_app(search_config(tmp_path / "var", SEARCH_POPULARITY_WEIGHT=0, SEARCH_POPULARITY_SECONDS=0))
    web = app.test_client()
    for _ in range(5):
        web.get("/en/go/fishing-license")
    assert ids(web.get("/api/search?q=license&lang=en"))[:2] == ["hunting-license", "fishing-license"]


def test_only_recent_use_counts(app: Flask) -> None:
    db = app.extensions["portal.db"]
    today = dt.date(2026, 12, 1)
    record_start(db, "fishing-license", today - dt.timedelta(days=200))
    record_start(db, "hunting-license", today)
    record_start(db, "hunting-license", today - dt.timedelta(days=89))
    assert popularity.usage_counts(db, days=90, today=today) == {"hunting-license": 2}


def test_use_is_a_share_of_the_most_used_on_a_log_scale() -> None:
    shares = popularity.shares({"a": 1000, "b": 31, "c": 0, "d": 1})
    assert shares["a"] == 1.0
    assert 0.45 < shares["b"] < 0.55  # 1/32 of the use, half the lift: the most used cannot drown the rest
    assert "c" not in shares
    assert 0 < shares["d"] < 0.15
    assert popularity.shares({}) == {}


def test_a_script_cannot_buy_the_top(app: Flask) -> None:
    db = app.extensions["portal.db"]
    today = dt.date(2026, 12, 1)
    for _ in range(popularity.DAILY_STARTS + 30):  # one day of a script pressing Start
        record_start(db, "fishing-license", today)
    record_start(db, "hunting-license", today)
    log = app.extensions["portal.search_log"]
    for _ in range(20):  # ...or choosing a result from the same query
        log.clicked("en", "licence", "hunting-license", today=today)
    log.flush()
    counts = popularity.usage_counts(db, days=90, today=today)
    assert counts["fishing-license"] == popularity.DAILY_STARTS
    assert counts["hunting-license"] == 2  # one Start, one query it was chosen for


def test_use_does_not_lift_a_description_match_above_an_average_title_match(tmp_path: Path) -> None:
    """The default weight (at most 3x for the most used service) stays under what a word in an average title
    scores over the same word in a description (3.18x): use reorders about equal matches, not better ones."""
    services = tmp_path / "services.yaml"
    services.write_text(
        """
portal: {name: {en: Test}, default_locale: en, locales: [en]}
agencies:
  - {id: parks, name: {en: Parks}, url: 'https://parks.example.gov'}
services:
  - id: fishing-license
    agency: parks
    title: {en: Buy a fishing licence}
    summary: {en: A licence for rivers and lakes by the day or the year.}
    delivery: {type: redirect, url: 'https://parks.example.gov/fish'}
  - id: boat-registration
    agency: parks
    title: {en: Register a motor boat}
    summary: {en: Every motor boat on state waters must be registered.}
    description: {en: Registration covers boats used for fishing and for pleasure.}
    delivery: {type: redirect, url: 'https://parks.example.gov/boat'}
""",
        encoding="utf-8",
    )
    app = create_app(search_config(tmp_path / "var", services, SEARCH_POPULARITY_SECONDS=0))
    assert app.config["SEARCH_POPULARITY_WEIGHT"] == 2.0
    db = app.extensions["portal.db"]
    today = dt.date.today()
    for day in range(60):  # the boat registration is used every day, the fishing licence never
        for _ in range(popularity.DAILY_STARTS):
            record_start(db, "boat-registration", today - dt.timedelta(days=day))
    web = app.test_client()
    assert ids(web.get("/api/search?q=fishing&lang=en"))[:2] == ["fishing-license", "boat-registration"]
    assert ids(web.get("/api/search?q=boat&lang=en"))[:1] == ["boat-registration"]


def test_a_closed_service_gets_no_lift_from_its_past_use(app: Flask) -> None:
    web = app.test_client()
    db = app.extensions["portal.db"]
    for day in range(30):
        record_start(db, "old-boat-registration", dt.date.today() - dt.timedelta(days=day))
    # "Register a boat" says it in its title, the race permit only in its summary; the boat form is gone, and
    # its past use does not bring it back above a service residents can start.
    assert ids(web.get("/api/search?q=register&lang=en")) == ["running-event-permit", "old-boat-registration"]
