"""What residents could not find, counted without anything that identifies them."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import inspect, select

from portal import create_app
from portal.cli import main
from portal.search.log import log_text
from portal.search.models import SearchClickCount, SearchQueryCount

from .conftest import search_config

IP = "203.0.113.77"


def test_queries_results_and_clicks_are_counted_without_personal_data(tmp_path: Path) -> None:
    app = create_app(search_config(tmp_path / "var"))
    web = app.test_client()
    env = {"REMOTE_ADDR": IP, "HTTP_X_FORWARDED_FOR": IP}
    for q in (
        "passport",
        "Passport",
        "pasport",
        "zzqx",
        "my ssn is 123-45-6789, mail jo@example.com",
        "x" * 300,
    ):
        assert web.get("/en/search", query_string={"q": q}, environ_base=env).status_code == 200
    web.get(
        "/en/search", query_string={"q": "passport", "page": 2}, environ_base=env
    )  # paging is not a new search
    web.get("/api/search?q=fishing&lang=es", environ_base=env)
    web.get("/en/search/go/renew-passport?q=passport", environ_base=env)

    db = app.extensions["portal.db"]
    assert {c["name"] for c in inspect(db.engine).get_columns("search_queries")} == {
        "day",
        "locale",
        "query",
        "searches",
        "zero_results",
        "clicks",
    }
    with db.session() as session:
        rows = {(r.locale, r.query): r for r in session.execute(select(SearchQueryCount)).scalars()}
        clicks = list(session.execute(select(SearchClickCount)).scalars())
    assert rows[("en", "passport")].searches == 2 and rows[("en", "passport")].clicks == 1
    assert rows[("en", "zzqx")].zero_results == 1
    assert rows[("es", "fishing")].searches == 1
    assert ("en", "my ssn is [number], mail [email]") in rows
    assert ("en", "x" * 100) in rows
    assert [(c.query, c.service_id, c.clicks) for c in clicks] == [("passport", "renew-passport", 1)]
    stored = " ".join(str(v) for r in rows.values() for v in (r.day, r.locale, r.query, r.searches))
    assert IP not in stored and "123-45-6789" not in stored and "jo@example.com" not in stored


def test_the_report_shows_unmet_needs(tmp_path: Path) -> None:
    app = create_app(search_config(tmp_path / "var"))
    web = app.test_client()
    for q in ("passport", "passport", "passport", "zzqx", "fishing"):
        web.get("/en/search", query_string={"q": q})
    web.get("/en/search/go/renew-passport?q=passport")
    runner = CliRunner()
    env = {"PORTAL_DATA_DIR": str(tmp_path / "var"), "PORTAL_SERVICES": search_config(tmp_path)["SERVICES"]}
    result = runner.invoke(main, ["search-report", "--days", "7"], env=env)
    assert result.exit_code == 0, result.output
    top, empty, unclicked = result.output.split("\n\n")[1:4]
    assert top.splitlines()[2].split() == ["3", "en", "passport"]
    assert [line.split()[-1] for line in empty.splitlines()[2:]] == ["zzqx"]
    assert [line.split()[-1] for line in unclicked.splitlines()[2:]] == ["fishing"]  # found, never chosen
    as_json = runner.invoke(main, ["search-report", "--format", "json"], env=env)
    assert '"query": "zzqx"' in as_json.output


def test_logging_can_be_switched_off(tmp_path: Path) -> None:
    app = create_app(search_config(tmp_path / "var", SEARCH_LOG=False))
    app.test_client().get("/en/search?q=passport")
    app.test_client().get("/en/search/go/renew-passport?q=passport")
    with app.extensions["portal.db"].session() as session:
        assert session.execute(select(SearchQueryCount)).first() is None
        assert session.execute(select(SearchClickCount)).first() is None


def test_what_is_counted_of_a_query() -> None:
    assert log_text("  Renew   MY Passport ") == "renew my passport"
    assert log_text("case 2024-000123 for ana@mail.test") == "case [number] for [email]"
    assert log_text("form w-2 1040") == "form w-2 1040"  # short numbers (form names) stay
    assert log_text("call +1 (555) 010-0199") == "call +[number]"
