"""Fixtures for the browser tests: one live portal and one Chromium for the whole session."""

from __future__ import annotations

import shutil
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING

import pytest

from tests.browser.agency import AgencySite, agency_site
from tests.browser.checks import HtmlChecker
from tests.browser.harness import (
    ARTIFACTS,
    DESKTOP,
    PROFILES,
    LiveSite,
    Profile,
    Tools,
    Traffic,
    chromium,
    find_tools,
    guarded_context,
    live_site,
)
from tests.browser.pages import Examples
from tests.browser.resident import Resident

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page


@pytest.fixture(scope="session")
def tools() -> Tools:
    return find_tools()


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    with live_site(tmp_path_factory.mktemp("live-site") / "var") as served:
        yield served


@pytest.fixture(scope="session")
def examples(site: LiveSite) -> Examples:
    return Examples.from_catalog(site.catalog)


@pytest.fixture(scope="session")
def agency(site: LiveSite) -> Iterator[AgencySite]:
    with agency_site(site.handoff_hosts) as stub:
        yield stub


@pytest.fixture(scope="session")
def browser(tools: Tools, agency: AgencySite) -> Iterator[Browser]:
    with chromium(tools, agency.resolver_rules()) as launched:
        yield launched


@pytest.fixture(scope="session")
def html_checker(tools: Tools) -> Iterator[HtmlChecker]:
    checker = HtmlChecker(tools)
    yield checker
    checker.close()


@pytest.fixture
def guarded(browser: Browser, site: LiveSite, tools: Tools) -> Iterator[tuple[BrowserContext, Traffic]]:
    """A desktop browser context that records every request and injects axe-core."""
    with guarded_context(browser, site, DESKTOP) as (context, traffic):
        context.add_init_script(path=str(tools.axe_js))
        yield context, traffic


@pytest.fixture
def page(guarded: tuple[BrowserContext, Traffic]) -> Page:
    return guarded[0].new_page()


@pytest.fixture(params=PROFILES, ids=[p.name for p in PROFILES])
def resident(
    request: pytest.FixtureRequest,
    browser: Browser,
    site: LiveSite,
    tools: Tools,
    html_checker: HtmlChecker,
) -> Iterator[Resident]:
    """A resident on a desktop, on a 360 px phone and with JavaScript off: each journey runs three times."""
    profile: Profile = request.param
    with guarded_context(browser, site, profile) as (context, traffic):
        if profile.javascript:
            context.add_init_script(path=str(tools.axe_js))
        artifacts = ARTIFACTS / "journeys" / request.node.name.replace("[", "-").rstrip("]")
        shutil.rmtree(artifacts, ignore_errors=True)  # screenshots of this run only
        walker = Resident(
            page=context.new_page(),
            site=site,
            profile=profile,
            traffic=traffic,
            html_checker=html_checker,
            artifacts=artifacts,
        )
        yield walker
    if not _failed(request):
        walker.check_html()


def _failed(request: pytest.FixtureRequest) -> bool:
    report = getattr(request.node, "rep_call", None)
    return report is not None and report.failed


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep the call's report on the item, so a fixture's teardown can tell whether the test failed."""
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report
